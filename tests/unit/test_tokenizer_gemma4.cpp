// Gemma 4's tokenizer (byte-fallback BPE with ranked merges) against Hugging Face tokenizers on a vocabulary of
// the same shape (tools/make_gemma4_tokenizer.py), from its tokenizer.json and from a GGUF written as llama.cpp's
// converter writes one ("gemma4" model, merges): the same ids for every test string (spaces, runs of newlines,
// byte fallback for characters outside the vocabulary, control tokens), decoding back to the text.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "../test_paths.h"
#include "model/gguf.h"
#include "model/tokenizer.h"

using namespace vkg;

namespace {

struct Case {
  std::string text;
  std::vector<int> ids;
};

std::vector<Case> load_cases() {
  const std::string path = test::source_path("assets/tiny/gemma4-tokenizer_reference.txt");
  std::ifstream f(path);
  REQUIRE_MESSAGE(f.good(), path);
  std::vector<Case> cases;
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    REQUIRE(tab != std::string::npos);
    Case c;
    c.text = nlohmann::json::parse(line.substr(0, tab)).get<std::string>();
    std::istringstream in(line.substr(tab + 1));
    for (int id; in >> id;) c.ids.push_back(id);
    cases.push_back(c);
  }
  REQUIRE(cases.size() > 20);
  return cases;
}

}  // namespace

TEST_SUITE("tokenizer") {
  TEST_CASE("Gemma 4 tokenizer: tokenizer.json and gemma4 GGUF give Hugging Face tokenizers' ids") {
    const std::vector<Case> cases = load_cases();
    GgufFile gguf(test::source_path("assets/tiny/gemma4-tokenizer.gguf"));
    const Tokenizer from_gguf = Tokenizer::from_gguf(gguf);
    const Tokenizer from_json = Tokenizer::from_hf_json(test::source_path("assets/tiny/gemma4-tokenizer/tokenizer.json"));
    for (const Tokenizer* tok : {&from_gguf, &from_json}) {
      CHECK(tok->vocab_size() == 1200);
      CHECK(tok->bos_id() == 2);
      CHECK(tok->eos_id() == 1);
      CHECK(tok->find_token("<turn|>").has_value());
      for (const Case& c : cases) {
        CAPTURE(c.text);
        CHECK(tok->encode(c.text, false) == c.ids);
        const bool plain = c.text.find('<') == std::string::npos && c.text.find("\xE2\x96\x81") == std::string::npos;
        if (plain) CHECK(tok->decode(c.ids) == c.text);
      }
      CHECK(tok->encode("Hi", true).front() == 2);
    }
  }

  TEST_CASE("text a user typed never becomes control tokens") {
    const Tokenizer tok = Tokenizer::from_hf_json(test::source_path("assets/tiny/gemma4-tokenizer/tokenizer.json"));
    const std::string text = "<|turn>user\nHi<turn|>";
    const int turn = *tok.find_token("<|turn>"), end = *tok.find_token("<turn|>");
    const std::vector<int> templated = tok.encode(text, false);
    CHECK(templated.front() == turn);
    CHECK(templated.back() == end);
    const std::vector<int> typed = tok.encode(text, false, /*specials=*/false);
    for (int id : typed) CHECK_FALSE(tok.is_control(id));
    CHECK(tok.decode(typed) == text);  // spelled out in ordinary pieces
  }
}
