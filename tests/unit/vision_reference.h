// Reads assets/tiny/gemma3_vision_reference.{txt,bin} (tools/make_tiny_vision.py): the prompt's token ids,
// the preprocessed pixels of both test images, their projected features and every position's logits, all
// from transformers' Gemma3ForConditionalGeneration (fp32, eager) on the tiny random weights.
#pragma once
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "../test_paths.h"

namespace vkg::test {

struct VisionReference {
  std::vector<int> tokens;
  int vocab = 0, n_images = 0, image_size = 0, tokens_per_image = 0, hidden = 0;
  std::vector<std::vector<float>> pixels;    // per image [3, size, size]
  std::vector<std::vector<float>> features;  // per image [tokens_per_image, hidden]
  std::vector<float> logits;                 // [tokens, vocab]
  const char* prompt = "<start_of_image>Describe this image.<start_of_image>Compare them.";
  std::vector<std::string> images = {"assets/images/test.png", "assets/images/test_palette.png"};
};

inline VisionReference load_vision_reference() {
  VisionReference r;
  const std::string txt = source_path("assets/tiny/gemma3_vision_reference.txt");
  std::ifstream f(txt);
  if (!f) throw std::runtime_error(txt + ": cannot open");
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::string key;
    in >> key;
    if (key == "tokens") {
      size_t n = 0;
      in >> n;
      r.tokens.resize(n);
      for (int& x : r.tokens) in >> x;
    } else if (key == "vocab") {
      in >> r.vocab;
    } else if (key == "images") {
      in >> r.n_images >> r.image_size >> r.tokens_per_image >> r.hidden;
    }
  }
  const std::string bin = source_path("assets/tiny/gemma3_vision_reference.bin");
  std::ifstream b(bin, std::ios::binary);
  auto read = [&](size_t n) {
    std::vector<float> v(n);
    b.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(n * 4));
    return v;
  };
  for (int i = 0; i < r.n_images; ++i) r.pixels.push_back(read(size_t(3) * r.image_size * r.image_size));
  for (int i = 0; i < r.n_images; ++i) r.features.push_back(read(size_t(r.tokens_per_image) * r.hidden));
  r.logits = read(r.tokens.size() * size_t(r.vocab));
  if (!b || r.tokens.empty() || r.n_images == 0) throw std::runtime_error(bin + ": incomplete reference");
  return r;
}

}  // namespace vkg::test
