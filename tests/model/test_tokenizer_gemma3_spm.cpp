// The real Gemma 3 vocabulary (262,144 pieces from the 270M GGUF): our encoder and decoder against
// sentencepiece loaded from the same vocabulary, on every line of the repository's texts and thousands of
// random strings (scripts, emoji, malformed UTF-8, whitespace runs, control and user-defined pieces as text).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "model/gguf.h"
#include "model/tokenizer.h"
#include "tests/test_paths.h"
#include "tests/unit/test_tokenizer_reference.h"

using vkg::Tokenizer;

namespace {

struct Gemma3Pair {
  Tokenizer tok;
  std::unique_ptr<sentencepiece::SentencePieceProcessor> sp;
};

const Gemma3Pair& gemma3_pair() {
  static const Gemma3Pair pair = [] {
    const vkg::GgufFile gguf(vkg::test::default_model_path());
    return Gemma3Pair{Tokenizer::from_gguf(gguf), vkg::test::sentencepiece_from(vkg::spm_model_proto_from_gguf(gguf))};
  }();
  return pair;
}

// Each file of assets/text whole, and each of its lines (with and without the newline).
std::vector<std::string> asset_lines() {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(vkg::test::source_path("assets/text"))) {
    std::ifstream f(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    const std::string text = ss.str();
    out.push_back(text);
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      out.push_back(line);
      out.push_back(line + "\n");
    }
  }
  return out;
}

}  // namespace

TEST_SUITE("model_tokenizer") {

TEST_CASE("Gemma 3: every text line gives sentencepiece's ids and round trips") {
  const auto& [tok, sp] = gemma3_pair();
  const std::vector<std::string> lines = asset_lines();
  REQUIRE(lines.size() > 1000);
  vkg::test::check_same_encoding(tok, *sp, lines);
  for (const std::string& line : lines) {
    const std::vector<int> ids = tok.encode(line, true, false);
    if (tok.decode(ids) != line) FAIL_CHECK("no round trip for " << vkg::test::hex_of(line));
  }
}

TEST_CASE("Gemma 3: random texts give sentencepiece's ids and text") {
  const auto& [tok, sp] = gemma3_pair();
  vkg::test::check_same_encoding(tok, *sp, vkg::test::stress_texts(tok, 20000, 2024));
  vkg::test::check_same_decoding(tok, *sp, 10000, 2025);
}

TEST_CASE("Gemma 3: every piece alone encodes as sentencepiece encodes it") {
  // Each piece's own text (U+2581 as spaces) is the hardest case for merge order: it is one piece, or not.
  const auto& [tok, sp] = gemma3_pair();
  std::vector<std::string> texts;
  for (int id = 0; id < tok.vocab_size(); id += 7) texts.push_back(vkg::test::piece_text(tok.piece(id)));
  vkg::test::check_same_encoding(tok, *sp, texts);
}

}  // TEST_SUITE
