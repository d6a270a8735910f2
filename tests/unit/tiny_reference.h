// Reads assets/tiny/<gen>_reference.{txt,bin} written by tools/make_tiny_models.py, and checks a session against it.
#pragma once
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "../test_paths.h"
#include "model/sampler.h"
#include "model/session.h"

namespace vkg::test {

struct TinyReference {
  std::vector<int> tokens, greedy;
  int vocab = 0;
  std::vector<float> logits;  // [tokens, vocab]
};

inline TinyReference load_tiny_reference(const std::string& gen) {
  TinyReference r;
  const std::string txt = source_path("assets/tiny/" + gen + "_reference.txt");
  std::ifstream f(txt);
  if (!f) throw std::runtime_error(txt + ": cannot open");
  std::string line;
  auto ids = [](std::istringstream& in) {
    size_t n = 0;
    in >> n;
    std::vector<int> v(n);
    for (int& x : v) in >> x;
    return v;
  };
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::string key;
    in >> key;
    if (key == "tokens") r.tokens = ids(in);
    else if (key == "greedy") r.greedy = ids(in);
    else if (key == "vocab") in >> r.vocab;
  }
  const std::string bin = source_path("assets/tiny/" + gen + "_reference.bin");
  std::ifstream b(bin, std::ios::binary);
  r.logits.resize(r.tokens.size() * static_cast<size_t>(r.vocab));
  b.read(reinterpret_cast<char*>(r.logits.data()), static_cast<std::streamsize>(r.logits.size() * 4));
  if (!b || r.tokens.empty() || r.greedy.empty()) throw std::runtime_error(bin + ": incomplete reference");
  return r;
}

// Evaluates the reference prompt on `s` (all positions' logits), then the greedy continuation one token per
// step from the last position's argmax; returns the largest |logit - reference logit| and the tokens in *greedy.
inline float logits_and_greedy(Session& s, const TinyReference& ref, std::vector<int>* greedy) {
  const std::vector<float> logits = s.eval(ref.tokens, true);
  REQUIRE(logits.size() == ref.logits.size());
  float max_diff = 0;
  for (size_t i = 0; i < logits.size(); ++i) max_diff = std::max(max_diff, std::abs(logits[i] - ref.logits[i]));
  greedy->assign(1, Sampler::argmax(logits.data() + logits.size() - ref.vocab, ref.vocab));
  while (greedy->size() < ref.greedy.size()) greedy->push_back(s.eval_greedy({greedy->back()}));
  return max_diff;
}

}  // namespace vkg::test
