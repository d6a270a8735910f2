// Tokenizer on a tiny SentencePiece model (assets/tiny_tokenizer.model, made by tools/make_tiny_tokenizer.sh)
// and on hand-built ModelProtos written by serialize_spm_model_proto.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/gguf.h"
#include "model/tokenizer.h"
#include "tests/test_paths.h"

using vkg::PieceType;
using vkg::SpmModelSpec;
using vkg::SpmPiece;
using vkg::Tokenizer;
using vkg::TokenStreamDecoder;

namespace {

const Tokenizer& tiny() {
  static const Tokenizer tok = Tokenizer::from_model_file(vkg::test::source_path("assets/tiny_tokenizer.model"));
  return tok;
}

// True when s is well-formed UTF-8 with no truncated sequence.
bool valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

std::string stream_all(const Tokenizer& tok, const std::vector<int>& ids, bool check_utf8 = true) {
  TokenStreamDecoder dec(tok);
  std::string out;
  for (int id : ids) {
    std::string part = dec.push(id);
    if (check_utf8) CHECK_MESSAGE(valid_utf8(part), "partial UTF-8 emitted for id " << id);
    out += part;
  }
  return out;
}

const std::string kSpace = "\xE2\x96\x81";

// A hand-made BPE vocabulary: specials, 256 byte pieces, letters, a few merges.
std::vector<SpmPiece> handmade_pieces() {
  std::vector<SpmPiece> p;
  p.push_back({"<pad>", 0, PieceType::CONTROL});
  p.push_back({"<eos>", 0, PieceType::CONTROL});
  p.push_back({"<bos>", 0, PieceType::CONTROL});
  p.push_back({"<unk>", 0, PieceType::UNKNOWN});
  p.push_back({"<x>", 0, PieceType::CONTROL});         // 4
  p.push_back({"<x>y", 0, PieceType::CONTROL});        // 5: longer control token sharing a prefix
  p.push_back({kSpace + kSpace, 0, PieceType::USER_DEFINED});  // 6: two spaces
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    p.push_back({buf, 0, PieceType::BYTE});
  }
  float score = -1;
  for (const char* s : {"ab", kSpace.c_str()}) p.push_back({s, score--, PieceType::NORMAL});
  p.push_back({kSpace + "a", score--, PieceType::NORMAL});
  p.push_back({kSpace + "ab", score--, PieceType::NORMAL});
  for (char c = 'a'; c <= 'z'; ++c) p.push_back({std::string(1, c), score--, PieceType::NORMAL});
  return p;
}

Tokenizer handmade(bool add_dummy_prefix) {
  SpmModelSpec spec;
  spec.add_dummy_prefix = add_dummy_prefix;
  return Tokenizer::from_serialized_proto(vkg::serialize_spm_model_proto(handmade_pieces(), spec), "handmade");
}

// Minimal GGUF v3 writer (metadata only, no tensors) for from_gguf tests.
class GgufBuilder {
 public:
  void str(const std::string& key, const std::string& v) { kv(key, 8); s(v); }
  void u32(const std::string& key, uint32_t v) { kv(key, 4); raw(&v, 4); }
  void boolean(const std::string& key, bool v) { kv(key, 7); uint8_t b = v; raw(&b, 1); }
  void strings(const std::string& key, const std::vector<std::string>& v) {
    kv(key, 9); t(8); u64(v.size());
    for (const auto& x : v) s(x);
  }
  void floats(const std::string& key, const std::vector<float>& v) {
    kv(key, 9); t(6); u64(v.size());
    for (float x : v) raw(&x, 4);
  }
  void ints(const std::string& key, const std::vector<int32_t>& v) {
    kv(key, 9); t(5); u64(v.size());
    for (int32_t x : v) raw(&x, 4);
  }
  std::string write(const std::string& name) const {
    const std::string path =
        (std::filesystem::temp_directory_path() / (std::to_string(std::random_device{}()) + "_" + name)).string();
    std::ofstream f(path, std::ios::binary);
    f.write("GGUF", 4);
    const uint32_t version = 3;
    const uint64_t n_tensors = 0;
    f.write(reinterpret_cast<const char*>(&version), 4);
    f.write(reinterpret_cast<const char*>(&n_tensors), 8);
    f.write(reinterpret_cast<const char*>(&count_), 8);
    f.write(body_.data(), static_cast<std::streamsize>(body_.size()));
    return path;
  }

 private:
  void raw(const void* p, size_t n) { body_.append(static_cast<const char*>(p), n); }
  void u64(uint64_t v) { raw(&v, 8); }
  void t(uint32_t type) { raw(&type, 4); }
  void s(const std::string& v) { u64(v.size()); body_ += v; }
  void kv(const std::string& key, uint32_t type) { ++count_; s(key); t(type); }
  std::string body_;
  uint64_t count_ = 0;
};

// A GGUF vocabulary the way llama.cpp's converter writes Gemma's: <unk> typed CONTROL, a user-defined
// whitespace piece written with plain spaces.
GgufBuilder gemma_like_gguf_vocab(const std::string& model) {
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<int32_t> types;
  auto add = [&](const std::string& p, float sc, int ty) {
    tokens.push_back(p);
    scores.push_back(sc);
    types.push_back(ty);
  };
  add("<pad>", -1000, 3);
  add("<eos>", -1000, 3);
  add("<bos>", -1000, 3);
  add("<unk>", -1000, 3);
  add("<start_of_turn>", -1000, 3);  // 4
  add("   ", -1000, 4);               // 5: three spaces
  add("\n", -1000, 4);                // 6
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    add(buf, 0, 6);
  }
  float sc = -1;
  add("he", sc--, 1);
  add(kSpace + "he", sc--, 1);
  add(kSpace, sc--, 1);
  for (char c = 'a'; c <= 'z'; ++c) add(std::string(1, c), sc--, 1);
  GgufBuilder g;
  g.str("general.architecture", "gemma3");
  g.str("tokenizer.ggml.model", model);
  g.strings("tokenizer.ggml.tokens", tokens);
  g.floats("tokenizer.ggml.scores", scores);
  g.ints("tokenizer.ggml.token_type", types);
  g.u32("tokenizer.ggml.bos_token_id", 2);
  g.u32("tokenizer.ggml.eos_token_id", 1);
  g.u32("tokenizer.ggml.unknown_token_id", 3);
  g.u32("tokenizer.ggml.padding_token_id", 0);
  g.boolean("tokenizer.ggml.add_space_prefix", false);
  return g;
}

}  // namespace

TEST_SUITE("tokenizer") {

TEST_CASE("tiny model loads with Gemma-like special ids") {
  const Tokenizer& tok = tiny();
  CHECK(tok.vocab_size() == 400);
  CHECK(tok.bos_id() == 2);
  CHECK(tok.eos_id() == 1);
  CHECK(tok.piece(2) == "<bos>");
  CHECK(tok.piece(1) == "<eos>");
  CHECK(tok.find_token("<start_of_turn>") == 4);
  CHECK(tok.find_token("<end_of_turn>") == 5);
  CHECK(tok.find_token("<start_of_image>") == 6);
  CHECK(tok.find_token(kSpace + "dog").has_value());
  CHECK_FALSE(tok.find_token("no such piece").has_value());
  CHECK_FALSE(tok.find_token("").has_value());
  CHECK(tok.is_control(2));
  CHECK(tok.is_control(4));
  CHECK_FALSE(tok.is_control(6));  // user-defined, not control
  CHECK_FALSE(tok.is_control(-1));
  CHECK_FALSE(tok.is_control(400));
  CHECK(tok.is_byte(*tok.find_token("<0x41>")));
}

TEST_CASE("encode/decode round trip") {
  const Tokenizer& tok = tiny();
  const std::vector<std::string> texts = {
      "Hello, my dog is cute",
      "The quick brown fox jumps over the lazy dog.",
      "  leading and trailing spaces   ",
      "line one\nline two\n\n\nline five\n",
      "tabs\tand\r\ncarriage returns",
      "digits 1234567890 and 3.14159",
      "caf\xC3\xA9 na\xC3\xAFve \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E",                  // café naïve 日本語
      "emoji \xF0\x9F\x99\x82\xF0\x9F\x90\xB6 end",                                      // 🙂🐶
      "",
      " ",
      "x",
  };
  for (const std::string& t : texts) {
    CAPTURE(t);
    const std::vector<int> ids = tok.encode(t, false);
    CHECK(tok.decode(ids) == t);
    const std::vector<int> with_bos = tok.encode(t, true);
    REQUIRE(with_bos.size() == ids.size() + 1);
    CHECK(with_bos[0] == 2);
    CHECK(std::vector<int>(with_bos.begin() + 1, with_bos.end()) == ids);
    CHECK(tok.decode(with_bos) == t);  // control tokens decode to nothing
    for (int id : ids) CHECK(id != 2);
  }
  // Digits are split one per piece; unseen characters fall back to bytes (4 for the emoji).
  CHECK(tok.encode("12345", false).size() == 5);
  CHECK(tok.encode("\xF0\x9F\x99\x82", false).size() == 4);
}

TEST_CASE("BOS is prepended exactly once") {
  const Tokenizer& tok = tiny();
  CHECK(tok.encode("", true) == std::vector<int>{2});
  CHECK(tok.encode("", false).empty());
  const std::vector<int> a = tok.encode("<bos>Hello", true);
  const std::vector<int> b = tok.encode("Hello", true);
  CHECK(a == b);
  CHECK(tok.encode("<bos>Hello", false) == b);  // written BOS is kept when add_bos is off
  CHECK(tok.encode("<bos>", true) == std::vector<int>{2});
  // A BOS written later in the text is an ordinary special token.
  const std::vector<int> c = tok.encode("Hi<bos>", true);
  CHECK(c.front() == 2);
  CHECK(c.back() == 2);
  CHECK(std::count(c.begin(), c.end(), 2) == 2);
}

TEST_CASE("control token strings in the text become single ids") {
  const Tokenizer& tok = tiny();
  const std::string prompt = "<start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\n";
  const std::vector<int> ids = tok.encode(prompt, true);
  std::vector<int> expect = {2, 4};
  auto append = [&](const std::string& s) {
    auto v = tok.encode(s, false);
    expect.insert(expect.end(), v.begin(), v.end());
  };
  append("user\nHello");
  expect.push_back(5);
  append("\n");
  expect.push_back(4);
  append("model\n");
  CHECK(ids == expect);
  CHECK(std::count(ids.begin(), ids.end(), 4) == 2);
  CHECK(std::count(ids.begin(), ids.end(), 5) == 1);
  CHECK(tok.decode(ids) == "user\nHello\nmodel\n");
  // Other specials: eos, pad, unk.
  CHECK(tok.encode("<eos>", false) == std::vector<int>{1});
  CHECK(tok.encode("<pad><unk>", false) == std::vector<int>{0, 3});
  // User-defined symbols are matched by SentencePiece itself.
  CHECK(tok.encode("<start_of_image>", false) == std::vector<int>{6});
  // Lookalikes are not special.
  const std::vector<int> near = tok.encode("<start_of_turn", false);
  CHECK(std::find(near.begin(), near.end(), 4) == near.end());
  CHECK(tok.decode(near) == "<start_of_turn");
}

TEST_CASE("errors name the file and the problem") {
  const std::string bad = "/nonexistent/dir/tokenizer.model";
  try {
    (void)Tokenizer::from_model_file(bad);
    FAIL("expected an exception");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find(bad) != std::string::npos);
  }
  // A file that is not a SentencePiece model.
  const std::string junk = vkg::test::source_path("tests/unit/test_tokenizer.cpp");
  try {
    (void)Tokenizer::from_model_file(junk);
    FAIL("expected an exception");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find(junk) != std::string::npos);
  }
  CHECK_THROWS_AS((void)tiny().decode({1, 400}), std::runtime_error);
  CHECK_THROWS_AS((void)tiny().decode({-1}), std::runtime_error);
  CHECK_THROWS_AS((void)tiny().piece(400), std::runtime_error);
  TokenStreamDecoder dec(tiny());
  CHECK_THROWS_AS((void)dec.push(12345), std::runtime_error);
}

TEST_CASE("stream decoder: long runs of byte pieces (characters outside the vocabulary) equal decode") {
  // Each run is settled once its last character is whole (the decoder used to re-decode the whole run at
  // every token: quadratic, 13 s for 4000 byte pieces).
  const Tokenizer& tok = tiny();
  for (std::string text : {"Hi", ""}) {  // after a normal piece, and from the very first token
    for (int i = 0; i < 700; ++i) text += i % 3 ? "\xE2\x82\xAC" : "\xC3\xA9x";
    const std::vector<int> ids = tok.encode(text, false);
    REQUIRE(ids.size() > 1500);
    CHECK(stream_all(tok, ids) == tok.decode(ids));
    CHECK(tok.decode(ids) == text);
  }
}

TEST_CASE("stream decoder equals decode and never splits a character") {
  const Tokenizer& tok = tiny();
  for (const std::string t : {"Hello, my dog is cute", "emoji \xF0\x9F\x99\x82\xF0\x9F\x90\xB6 end \xE2\x82\xAC",
                              "  two  spaces\n\nand lines ", "\xE6\x97\xA5\xE6\x9C\xAC"}) {
    CAPTURE(t);
    const std::vector<int> ids = tok.encode("<start_of_turn>" + t + "<end_of_turn>", true);
    CHECK(stream_all(tok, ids) == tok.decode(ids));
    CHECK(stream_all(tok, ids) == t);
  }
  // An incomplete character is held back until its last byte arrives.
  const std::vector<int> euro = tok.encode("\xE2\x82\xAC", false);  // €: 3 byte pieces
  REQUIRE(euro.size() == 3);
  TokenStreamDecoder dec(tok);
  CHECK(dec.push(euro[0]).empty());
  CHECK(dec.push(euro[1]).empty());
  CHECK(dec.push(euro[2]) == "\xE2\x82\xAC");
  // A control token between byte pieces splits them into separate (here invalid) characters, as in decode().
  const int x = *tok.find_token("x");
  const std::vector<int> split = {x, *tok.find_token("<0xC2>"), 5, *tok.find_token("<0xAD>"), x};
  CHECK(stream_all(tok, split, false) == tok.decode(split));
  CHECK(tok.decode(split) == "x\xEF\xBF\xBD\xEF\xBF\xBDx");  // two U+FFFD
}

TEST_CASE("stream decoder on random id sequences") {
  std::mt19937 rng(1234);
  for (bool dummy_prefix : {false, true}) {
    const Tokenizer hand = handmade(dummy_prefix);
    for (const Tokenizer* tok : {&tiny(), &hand}) {
      CAPTURE(dummy_prefix);
      const int x = *tok->find_token("x");
      std::uniform_int_distribution<int> any(0, tok->vocab_size() - 1);
      // A pool without most byte pieces, so that spaces, controls and multi-byte characters meet often.
      std::vector<int> pool;
      for (int id = 0; id < tok->vocab_size(); ++id)
        if (!tok->is_byte(id)) pool.push_back(id);
      for (const char* b : {"<0x41>", "<0x80>", "<0xA9>", "<0xC3>", "<0xE2>", "<0x82>", "<0xAC>", "<0xF0>", "<0x9F>"})
        pool.push_back(*tok->find_token(b));
      std::uniform_int_distribution<size_t> pick(0, pool.size() - 1);
      for (int trial = 0; trial < 600; ++trial) {
        std::vector<int> ids;
        const int len = 1 + trial % 17;
        for (int k = 0; k < len; ++k) ids.push_back(trial % 2 ? any(rng) : pool[pick(rng)]);
        ids.push_back(x);  // ends on a normal piece, so nothing is held back
        CAPTURE(ids);
        CHECK(stream_all(*tok, ids, false) == tok->decode(ids));
      }
    }
  }
}

TEST_CASE("hand-built ModelProto: BPE merges, longest control match, user-defined spaces") {
  const Tokenizer tok = handmade(false);
  CHECK(tok.vocab_size() == 7 + 256 + 4 + 26);
  CHECK(tok.bos_id() == 2);
  CHECK(tok.eos_id() == 1);
  const int ab = *tok.find_token("ab");
  const int sp_ab = *tok.find_token(kSpace + "ab");
  CHECK(tok.encode("ab ab", false) == std::vector<int>{ab, sp_ab});
  CHECK(tok.decode({ab, sp_ab}) == "ab ab");
  // Longest control string wins: "<x>y" is one token, "<x>z" is "<x>" + "z".
  CHECK(tok.encode("<x>y", false) == std::vector<int>{5});
  CHECK(tok.encode("<x>z", false) == std::vector<int>{4, *tok.find_token("z")});
  // The user-defined two-space piece is matched in raw text.
  CHECK(tok.encode("  ", false) == std::vector<int>{6});
  CHECK(tok.decode({6}) == "  ");
  // Characters outside the vocabulary use byte fallback; round trip holds.
  const std::string t = "Zz 9 \xC3\xA9!";
  CHECK(tok.decode(tok.encode(t, true)) == t);

  // With add_dummy_prefix, a leading space is added when encoding and dropped when decoding.
  const Tokenizer dp = handmade(true);
  CHECK(dp.encode("ab", false) == std::vector<int>{*dp.find_token(kSpace + "ab")});
  CHECK(dp.decode(dp.encode("ab ab", false)) == "ab ab");
  // decode() drops leading spaces while its output is still empty; the stream decoder must agree.
  const int sp = *dp.find_token(kSpace), sa = *dp.find_token(kSpace + "a"), a = *dp.find_token("a");
  for (const std::vector<int>& ids : std::vector<std::vector<int>>{
           {sp, sa, sp}, {2, sp, sp, sa}, {a, sp, sa}, {a, sp, 2, sa}, {sp, 2, sp, a, sp, sa}}) {
    CAPTURE(ids);
    CHECK(stream_all(dp, ids) == dp.decode(ids));
  }
}

TEST_CASE("serialized proto reloads to the same tokenizer") {
  const Tokenizer& tok = tiny();
  const Tokenizer again = Tokenizer::from_serialized_proto(tok.serialized_proto(), "copy");
  CHECK(again.vocab_size() == tok.vocab_size());
  const std::string t = "The weather is nice today \xF0\x9F\x99\x82 42";
  CHECK(again.encode(t, true) == tok.encode(t, true));
}

TEST_CASE("from_gguf rebuilds a ModelProto from a GGUF vocabulary") {
  const std::string path = gemma_like_gguf_vocab("llama").write("vkgemma_test_tokenizer_vocab.gguf");
  const vkg::GgufFile gguf(path);
  const Tokenizer tok = Tokenizer::from_gguf(gguf);
  std::filesystem::remove(path);
  CHECK(tok.vocab_size() == 7 + 256 + 3 + 26);
  CHECK(tok.bos_id() == 2);
  CHECK(tok.eos_id() == 1);
  CHECK(tok.find_token(kSpace + kSpace + kSpace) == 5);  // spaces converted back to U+2581
  const int he = *tok.find_token("he"), sp_he = *tok.find_token(kSpace + "he");
  CHECK(tok.encode("<start_of_turn>he   he\n", true) == std::vector<int>{2, 4, he, 5, he, 6});
  CHECK(tok.encode("he he", false) == std::vector<int>{he, sp_he});  // no dummy prefix
  CHECK(tok.encode("<unk>", false) == std::vector<int>{3});
  const std::string t = "He said: \xE2\x82\xAC 42   \n";
  CHECK(tok.decode(tok.encode(t, true)) == t);
}

TEST_CASE("from_gguf rejects a non-SentencePiece vocabulary") {
  const std::string path = gemma_like_gguf_vocab("gpt2").write("vkgemma_test_tokenizer_gpt2.gguf");
  const vkg::GgufFile gguf(path);
  try {
    (void)Tokenizer::from_gguf(gguf);
    FAIL("expected an exception");
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    CHECK(msg.find(path) != std::string::npos);
    CHECK(msg.find("gpt2") != std::string::npos);
  }
  std::filesystem::remove(path);
}

}  // TEST_SUITE
