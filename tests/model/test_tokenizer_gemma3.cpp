// Tokenizer rebuilt from the real Gemma 3 270M GGUF: known ids, round trips, streaming, and ids from an
// independent tokenizer (HF transformers' GGUF loading; assets/reference/tokenizer_gemma3.txt).
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "model/gguf.h"
#include "model/tokenizer.h"
#include "tests/test_paths.h"

using vkg::Tokenizer;
using vkg::TokenStreamDecoder;

namespace {

const Tokenizer& gemma3() {
  static const Tokenizer tok = [] {
    vkg::GgufFile gguf(vkg::test::default_model_path());
    return Tokenizer::from_gguf(gguf);
  }();
  return tok;
}

const std::vector<std::string>& sample_texts() {
  static const std::vector<std::string> texts = {
      "Hello, my dog is cute",
      "The quick brown fox jumps over the lazy dog.",
      "caf\xC3\xA9 na\xC3\xAFve \xC3\xBC" "ber Stra\xC3\x9F" "e",                        // café naïve über Straße
      "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE\xE3\x83\x86\xE3\x82\xAD\xE3\x82\xB9\xE3\x83\x88",  // 日本語のテキスト
      "\xD1\x80\xD1\x83\xD1\x81\xD1\x81\xD0\xBA\xD0\xB8\xD0\xB9 \xD8\xA7\xD9\x84\xD8\xB9\xD8\xB1\xD8\xA8\xD9\x8A\xD8\xA9",
      "emoji \xF0\x9F\x99\x82\xF0\x9F\x90\xB6\xF0\x9F\x9A\x80 rare \xF0\x9F\xAB\xA0\xF0\x93\x80\x80",  // 🙂🐶🚀 🫠𓀀
      "digits 0123456789 and 3.14159e-10",
      "runs of spaces:  two   three    four" + std::string(50, ' ') + "fifty",
      "newlines\n\n\nand\ttabs\t\t\r\n" + std::string(40, '\n') + "end",
      " leading and trailing ",
      "<b>html</b> <start_of_image> [multimodal]",
  };
  return texts;
}

std::vector<int> parse_ids(const std::string& s) {
  std::vector<int> ids;
  std::istringstream in(s);
  int v;
  while (in >> v) ids.push_back(v);
  return ids;
}

std::string unhex(const std::string& h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}

}  // namespace

TEST_SUITE("model_tokenizer") {

TEST_CASE("vocabulary and special ids") {
  const Tokenizer& tok = gemma3();
  CHECK(tok.vocab_size() == 262144);
  CHECK(tok.bos_id() == 2);
  CHECK(tok.eos_id() == 1);
  CHECK(tok.piece(0) == "<pad>");
  CHECK(tok.piece(2) == "<bos>");
  CHECK(tok.piece(105) == "<start_of_turn>");
  CHECK(tok.find_token("<end_of_turn>") == 106);
  CHECK(tok.find_token("<start_of_image>") == 255999);
  CHECK(tok.find_token("<end_of_image>") == 256000);
  CHECK(tok.find_token("\n") == 107);
  CHECK(tok.find_token("\xE2\x96\x81\xE2\x96\x81") == 138);  // user-defined two spaces, stored with U+2581
  CHECK(tok.is_control(2));
  CHECK(tok.is_control(105));
  CHECK(tok.is_control(106));
  CHECK_FALSE(tok.is_control(107));
  int bytes = 0;
  for (int id = 0; id < tok.vocab_size(); ++id) bytes += tok.is_byte(id);
  CHECK(bytes == 256);
}

TEST_CASE("known answers") {
  const Tokenizer& tok = gemma3();
  CHECK(tok.encode("Hello, my dog is cute", true) == std::vector<int>{2, 9259, 236764, 1041, 4799, 563, 12864});
  const std::string chat = "<start_of_turn>user\nTest<end_of_turn>\n<start_of_turn>model\n";
  CHECK(tok.encode(chat, true) == std::vector<int>{2, 105, 2364, 107, 3694, 106, 107, 105, 4368, 107});
  // A BOS written in the template is not doubled.
  CHECK(tok.encode("<bos>" + chat, true) == tok.encode(chat, true));
  CHECK(tok.decode(tok.encode(chat, true)) == "user\nTest\nmodel\n");
}

TEST_CASE("round trips") {
  const Tokenizer& tok = gemma3();
  for (const std::string& t : sample_texts()) {
    CAPTURE(t);
    const std::vector<int> ids = tok.encode(t, true);
    REQUIRE(!ids.empty());
    CHECK(ids[0] == 2);
    CHECK(tok.decode(ids) == t);
  }
  // Digits are split one per token.
  CHECK(tok.encode("0123456789", false).size() == 10);
}

TEST_CASE("stream decoder output equals decode()") {
  const Tokenizer& tok = gemma3();
  std::vector<int> all;
  std::string streamed;
  TokenStreamDecoder dec(tok);
  for (const std::string& t : sample_texts()) {
    const std::vector<int> ids = tok.encode("<start_of_turn>model\n" + t + "<end_of_turn>\n", false);
    for (int id : ids) {
      streamed += dec.push(id);
      all.push_back(id);
    }
    CHECK(streamed == tok.decode(all));
  }
  // Byte-fallback pieces for one character arrive one at a time; nothing is emitted until it is complete.
  const int b0 = *tok.find_token("<0xF0>"), b1 = *tok.find_token("<0x9F>"), b2 = *tok.find_token("<0x99>"),
            b3 = *tok.find_token("<0x82>");
  TokenStreamDecoder d2(tok);
  CHECK(d2.push(*tok.find_token("Hello")) == "Hello");
  CHECK(d2.push(b0).empty());
  CHECK(d2.push(b1).empty());
  CHECK(d2.push(b2).empty());
  CHECK(d2.push(b3) == "\xF0\x9F\x99\x82");
  CHECK(d2.push(106).empty());
}

TEST_CASE("serialized proto as a tokenizer.model file gives the same ids") {
  const Tokenizer& tok = gemma3();
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("vkgemma_test_gemma3_tokenizer_" + std::to_string(std::random_device{}()) + ".model");
  {
    std::ofstream f(path, std::ios::binary);
    const std::string proto = tok.serialized_proto();
    f.write(proto.data(), static_cast<std::streamsize>(proto.size()));
    REQUIRE(f.good());
  }
  const Tokenizer file_tok = Tokenizer::from_model_file(path.string());
  std::filesystem::remove(path);
  CHECK(file_tok.vocab_size() == tok.vocab_size());
  CHECK(file_tok.bos_id() == 2);
  CHECK(file_tok.eos_id() == 1);
  for (const std::string& t : sample_texts()) {
    CAPTURE(t);
    CHECK(file_tok.encode(t, true) == tok.encode(t, true));
  }
  const std::string chat = "<start_of_turn>user\nTest<end_of_turn>\n<start_of_turn>model\n";
  CHECK(file_tok.encode(chat, true) == tok.encode(chat, true));
}

TEST_CASE("ids equal the independent reference tokenizer") {
  const Tokenizer& tok = gemma3();
  const std::string ref = vkg::test::source_path("assets/reference/tokenizer_gemma3.txt");
  std::ifstream f(ref);
  REQUIRE_MESSAGE(f.good(), "cannot open " << ref);
  std::string line;
  int checked = 0;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    REQUIRE(tab != std::string::npos);
    const std::string text = unhex(line.substr(0, tab));
    const std::vector<int> expect = parse_ids(line.substr(tab + 1));
    CAPTURE(text);
    CHECK(tok.encode(text, true) == expect);
    bool has_control = false;
    for (int id : expect) has_control |= id != 2 && tok.is_control(id);
    if (!has_control) CHECK(tok.decode(expect) == text);
    ++checked;
  }
  CHECK(checked >= 10);
}

}  // TEST_SUITE
