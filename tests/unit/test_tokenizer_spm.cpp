// Our SentencePiece BPE (model/spm_bpe.cpp) against sentencepiece itself on the same vocabularies: the tiny
// trained model, and hand-made ones that reach the rules Gemma 3's vocabulary never needs (UNUSED pieces merged
// and split back, equal scores, a dummy prefix, whitespace trimming, unknown runs without byte fallback, a
// single-character CONTROL piece).
#include <doctest/doctest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "model/tokenizer.h"
#include "tests/test_paths.h"
#include "tests/unit/test_tokenizer_reference.h"

using vkg::PieceType;
using vkg::SpmModelSpec;
using vkg::SpmPiece;
using vkg::Tokenizer;

namespace {

const std::string kSpace = "\xE2\x96\x81";

// Letters a-e, merges among them with equal scores here and there, UNUSED pieces in the middle of merge chains.
std::vector<SpmPiece> merge_maze(bool byte_pieces, bool control_char) {
  std::vector<SpmPiece> p = {{"<pad>", 0, PieceType::CONTROL}, {"<eos>", 0, PieceType::CONTROL},
                             {"<bos>", 0, PieceType::CONTROL}, {"<unk>", 0, PieceType::UNKNOWN},
                             {"<x>", 0, PieceType::CONTROL},   {kSpace + kSpace, 0, PieceType::USER_DEFINED},
                             {"<ud>", 0, PieceType::USER_DEFINED}};
  if (control_char) p.push_back({"q", 0, PieceType::CONTROL});  // a character that is a control piece
  if (byte_pieces)
    for (int b = 0; b < 256; ++b) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "<0x%02X>", b);
      p.push_back({buf, 0, PieceType::BYTE});
    }
  const std::vector<std::pair<std::string, float>> normal = {
      {"ab", -1},      {"bc", -1},   {"cd", -2},         {"abc", -1.5f},   {"bcd", -1.5f}, {"de", -2},
      {kSpace + "a", -1}, {kSpace + "ab", -3}, {"aa", -4}, {"aaa", -4},    {"abcd", -5},   {"ea", -2},
      {kSpace, -6},    {"a", -7},    {"b", -7},          {"c", -7},        {"d", -8},      {"e", -8},
      {"\xC3\xA9", -9}, {"eab", -2.5f}, {"cda", -3}};
  for (const auto& [s, score] : normal) p.push_back({s, score, PieceType::NORMAL});
  // Merged into, then split back: "bca" (from "bc" + "a"), "dd", "aab" and "ee" are UNUSED.
  for (const char* s : {"bca", "dd", "aab", "ee"}) p.push_back({s, -0.5f, PieceType::UNUSED});
  p.push_back({"bcaa", -0.2f, PieceType::NORMAL});  // reachable only through the UNUSED "bca"
  p.push_back({"dde", -0.3f, PieceType::NORMAL});
  return p;
}

std::vector<std::string> maze_texts(int count, uint32_t seed) {
  std::mt19937 rng(seed);
  static const char* atoms[] = {"a", "b", "c", "d", "e", " ", "  ", "x", "\xC3\xA9", "\n", "<ud>", "q", "\xE2\x82\xAC", "\xFF"};
  std::vector<std::string> texts = {"", " ", "   ", "a", " a ", "bcaa", "abcd", "ddde", "aaaa", "  ab  cd  "};
  for (int i = 0; i < count; ++i) {
    std::string t;
    for (size_t n = rng() % 20; n > 0; --n) t += atoms[rng() % std::size(atoms)];
    texts.push_back(t);
  }
  return texts;
}

}  // namespace

TEST_SUITE("tokenizer") {

TEST_CASE("the tiny trained model encodes and decodes as sentencepiece does") {
  const std::string path = vkg::test::source_path("assets/tiny_tokenizer.model");
  const Tokenizer tok = Tokenizer::from_model_file(path);
  sentencepiece::SentencePieceProcessor sp;
  REQUIRE(sp.Load(path).ok());
  vkg::test::check_same_encoding(tok, sp, vkg::test::stress_texts(tok, 3000, 7));
  vkg::test::check_same_decoding(tok, sp, 3000, 8);
}

TEST_CASE("hand-made vocabularies: every rule as sentencepiece applies it") {
  for (int variant = 0; variant < 16; ++variant) {
    SpmModelSpec spec;
    spec.byte_fallback = variant & 1;
    spec.add_dummy_prefix = variant & 2;
    spec.remove_extra_whitespaces = variant & 4;
    const bool control_char = variant & 8;
    CAPTURE(variant);
    const std::string proto = vkg::serialize_spm_model_proto(merge_maze(spec.byte_fallback, control_char), spec);
    const Tokenizer tok = Tokenizer::from_serialized_proto(proto, "maze");
    const auto sp = vkg::test::sentencepiece_from(proto);
    vkg::test::check_same_encoding(tok, *sp, maze_texts(1500, 100 + variant));
    vkg::test::check_same_decoding(tok, *sp, 800, 200 + variant);
  }
}

TEST_CASE("an UNUSED piece is merged through and split back") {
  SpmModelSpec spec;
  spec.byte_fallback = false;
  const std::string proto = vkg::serialize_spm_model_proto(merge_maze(false, false), spec);
  const Tokenizer tok = Tokenizer::from_serialized_proto(proto, "maze");
  // "bca" is UNUSED: "bc" + "a" merge into it, and then into the NORMAL "bcaa"; alone it splits back.
  CHECK(tok.encode("bcaa", false) == std::vector<int>{*tok.find_token("bcaa")});
  CHECK(tok.encode("bca", false) == std::vector<int>{*tok.find_token("bc"), *tok.find_token("a")});
  // Without byte fallback, a run of unknown characters is one unknown id.
  CHECK(tok.encode("xxx", false) == std::vector<int>{3});
  CHECK(tok.decode({3}) == " \xE2\x81\x87 ");
}

TEST_CASE("ModelProtos we do not implement are refused, naming the file") {
  // A unigram model: a second TrainerSpec (field 2, merged into the first) with model_type (field 3) = 1.
  std::string proto = vkg::serialize_spm_model_proto(merge_maze(false, false), SpmModelSpec{});
  proto += std::string("\x12\x02\x18\x01", 4);
  CHECK_THROWS_WITH_AS((void)Tokenizer::from_serialized_proto(proto, "uni.model"),
                       doctest::Contains("uni.model: model type 1 (unigram) is not supported"), std::runtime_error);
  CHECK_THROWS_WITH_AS((void)Tokenizer::from_serialized_proto(std::string("\x0a\x05\x0a\x01", 4), "cut.model"),
                       doctest::Contains("cut.model: not a SentencePiece model: malformed protobuf"), std::runtime_error);
}

TEST_CASE("vocabularies sentencepiece refuses are refused") {
  auto proto_of = [](std::vector<SpmPiece> pieces, bool byte_fallback) {
    SpmModelSpec spec;
    spec.byte_fallback = byte_fallback;
    return vkg::serialize_spm_model_proto(pieces, spec);
  };
  // sentencepiece refuses it too (an empty piece or a NUL byte would abort it, so those are not tried there).
  auto refused = [&](std::vector<SpmPiece> pieces, bool byte_fallback, const char* why, bool ask_sentencepiece = true) {
    CAPTURE(why);
    const std::string proto = proto_of(pieces, byte_fallback);
    CHECK_THROWS_WITH((void)Tokenizer::from_serialized_proto(proto, "bad"), doctest::Contains(why));
    sentencepiece::SentencePieceProcessor sp;
    if (ask_sentencepiece) CHECK_FALSE(sp.LoadFromSerializedProto(proto).ok());
  };
  const SpmPiece unk{"<unk>", 0, PieceType::UNKNOWN}, a{"a", 0, PieceType::NORMAL};
  refused({unk, a, a}, false, "piece 2 'a' is already piece 1");
  refused({a}, false, "no piece has type UNKNOWN");
  refused({unk, {"<unk2>", 0, PieceType::UNKNOWN}}, false, "are both UNKNOWN");
  refused({unk, {"<0x41>", 0, PieceType::BYTE}}, false, "without byte fallback");
  refused({unk, {"<0x4g>", 0, PieceType::BYTE}}, true, "is not <0x00>..<0xFF>");
  refused({unk, {"<0x41>", 0, PieceType::BYTE}}, true, "without the byte piece <0x00>");
  refused({unk, {"", 0, PieceType::NORMAL}}, false, "piece 1 is an empty string", false);
  refused({unk, {std::string("a\0b", 3), 0, PieceType::USER_DEFINED}}, false, "piece 1 contains a NUL byte", false);
  // The same string as a CONTROL and a NORMAL piece is allowed; decoding the NORMAL id sees the CONTROL one.
  const std::string both = proto_of({unk, {"<c>", 0, PieceType::CONTROL}, {"<c>", 0, PieceType::NORMAL}, a}, false);
  const Tokenizer tok = Tokenizer::from_serialized_proto(both, "both");
  const auto sp = vkg::test::sentencepiece_from(both);
  std::string expect;
  REQUIRE(sp->Decode(std::vector<int>{2, 3}, &expect).ok());
  CHECK(expect == "a");
  CHECK(tok.decode({2, 3}) == expect);
  CHECK(tok.find_token("<c>") == 1);
}

}  // TEST_SUITE
