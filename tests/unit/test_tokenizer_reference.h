// Differential checks of vkg::Tokenizer against sentencepiece's own SentencePieceProcessor loaded from the same
// vocabulary (its serialized ModelProto): the same ids for every text, the same text for every id sequence.
// Used by test_tokenizer_spm.cpp (hand-made vocabularies, the tiny model) and the real Gemma 3 vocabulary's test.
#pragma once
#include <doctest/doctest.h>
#include <sentencepiece_processor.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "model/tokenizer.h"

namespace vkg::test {

inline std::unique_ptr<sentencepiece::SentencePieceProcessor> sentencepiece_from(const std::string& proto) {
  auto sp = std::make_unique<sentencepiece::SentencePieceProcessor>();
  const auto status = sp->LoadFromSerializedProto(proto);
  REQUIRE_MESSAGE(status.ok(), status.ToString());
  return sp;
}

inline std::string hex_of(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    static const char* digits = "0123456789abcdef";
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

inline void append_utf8(std::string& s, uint32_t cp) {
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// A piece as a user would type it: U+2581 back to spaces.
inline std::string piece_text(const std::string& piece) {
  std::string text;
  for (size_t i = 0; i < piece.size(); ++i) {
    if (piece.compare(i, 3, "\xE2\x96\x81") == 0) {
      text += ' ';
      i += 2;
    } else {
      text += piece[i];
    }
  }
  return text;
}

// Texts that stress an encoder: code points from many scripts (emoji, CJK, combining marks, odd spaces),
// random bytes (malformed UTF-8, NULs), runs of whitespace, control and user-defined pieces written as text,
// strings of the vocabulary's own pieces glued together, and mixtures of these.
inline std::vector<std::string> stress_texts(const Tokenizer& tok, int count, uint32_t seed) {
  std::mt19937 rng(seed);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  static const uint32_t ranges[][2] = {
      {0x20, 0x7E},       {0x00, 0x1F},       {0xA0, 0xFF},       {0x100, 0x24F},   {0x300, 0x36F},
      {0x370, 0x4FF},     {0x590, 0x6FF},     {0x900, 0x97F},     {0x2000, 0x206F}, {0x2580, 0x2582},
      {0x3000, 0x30FF},   {0x4E00, 0x9FFF},   {0xAC00, 0xD7A3},   {0xE000, 0xE0FF}, {0xFFF0, 0xFFFF},
      {0x1F300, 0x1FAFF}, {0x10000, 0x10FFFF}};
  static const char* specials[] = {"<start_of_turn>", "<end_of_turn>", "<bos>", "<eos>", "<pad>", "<unk>",
                                   "<mask>", "<unused17>", "[multimodal]", "<start_of_image>", "<b>", "</table>",
                                   "<0x41>", "<x>y", "\xE2\x96\x81", "\xE2\x96\x81\xE2\x96\x81", "\t\t", "\n\n\n"};
  static const char* spaces[] = {" ", "  ", "\t", "\n", "\r\n", "\xE3\x80\x80", "    ", "\n\n"};
  auto code_points = [&] {
    std::string s;
    const auto& r = ranges[pick(std::size(ranges))];
    for (size_t n = 1 + pick(24); n > 0; --n) {
      uint32_t cp = r[0] + static_cast<uint32_t>(pick(r[1] - r[0] + 1));
      if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0x41;  // no surrogates: they have no UTF-8
      append_utf8(s, cp);
      if (pick(4) == 0) s += ' ';
    }
    return s;
  };
  auto bytes = [&] {
    std::string s;
    for (size_t n = 1 + pick(20); n > 0; --n) s += static_cast<char>(pick(256));
    return s;
  };
  auto whitespace = [&] {
    std::string s;
    for (size_t n = 1 + pick(8); n > 0; --n) {
      s += pick(2) ? std::string(1 + pick(40), " \t\n"[pick(3)]) : spaces[pick(std::size(spaces))];
      if (pick(2)) s += "word";
    }
    return s;
  };
  auto glued_pieces = [&] {
    std::string s;
    for (size_t n = 1 + pick(10); n > 0; --n) {
      const int id = static_cast<int>(pick(static_cast<size_t>(tok.vocab_size())));
      if (!tok.is_control(id) && !tok.is_byte(id)) s += piece_text(tok.piece(id));
    }
    return s;
  };
  auto special = [&] { return std::string(specials[pick(std::size(specials))]); };
  std::vector<std::string> texts;
  for (int i = 0; i < count; ++i) {
    std::string t;
    const size_t parts = i % 6 == 5 ? 2 + pick(5) : 1;
    for (size_t k = 0; k < parts; ++k) {
      switch (pick(5)) {
        case 0: t += code_points(); break;
        case 1: t += bytes(); break;
        case 2: t += whitespace(); break;
        case 3: t += glued_pieces(); break;
        default: t += special() + (pick(2) ? "Hello" : ""); break;
      }
    }
    texts.push_back(t);
  }
  return texts;
}

// Every text encodes (plain text: specials never parsed, as sentencepiece does) to sentencepiece's ids, or
// fails where sentencepiece fails; each result decodes to sentencepiece's text.
inline void check_same_encoding(const Tokenizer& tok, const sentencepiece::SentencePieceProcessor& sp,
                                const std::vector<std::string>& texts) {
  int differ = 0;
  for (const std::string& text : texts) {
    std::vector<int> expect;
    if (!sp.Encode(text, &expect).ok()) {
      CHECK_THROWS_AS((void)tok.encode(text, false, false), std::runtime_error);
      continue;
    }
    const std::vector<int> got = tok.encode(text, false, false);
    std::string expect_text;
    REQUIRE(sp.Decode(expect, &expect_text).ok());
    if (got == expect && tok.decode(got) == expect_text) continue;
    if (++differ <= 5) {  // the first few in full, then only the count
      CAPTURE(hex_of(text));
      CHECK(got == expect);
      CHECK(tok.decode(got) == expect_text);
    }
  }
  CHECK_MESSAGE(differ == 0, differ << " of " << texts.size() << " texts differ");
}

// Random id sequences (biased to byte, control and unknown pieces and to spaces) decode to sentencepiece's text.
inline void check_same_decoding(const Tokenizer& tok, const sentencepiece::SentencePieceProcessor& sp, int count,
                                uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<int> special;
  for (int id = 0; id < tok.vocab_size() && special.size() < 2000; ++id)
    if (tok.is_byte(id) || tok.is_control(id) || sp.IsUnknown(id) || tok.piece(id).rfind("\xE2\x96\x81", 0) == 0)
      special.push_back(id);
  int differ = 0;
  for (int i = 0; i < count; ++i) {
    std::vector<int> ids;
    for (size_t n = 1 + rng() % 16; n > 0; --n)
      ids.push_back(rng() % 2 ? special[rng() % special.size()] : static_cast<int>(rng() % static_cast<uint32_t>(tok.vocab_size())));
    std::string expect;
    REQUIRE(sp.Decode(ids, &expect).ok());
    if (tok.decode(ids) == expect) continue;
    if (++differ <= 5) {
      CAPTURE(ids);
      CHECK(hex_of(tok.decode(ids)) == hex_of(expect));
    }
  }
  CHECK_MESSAGE(differ == 0, differ << " of " << count << " id sequences decode differently");
}

}  // namespace vkg::test
