#include "model/spm_vocabulary.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <stdexcept>

namespace vkg {

int byte_piece_value(std::string_view p) {
  if (p.size() != 6 || p.substr(0, 3) != "<0x" || p[5] != '>') return -1;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  const int hi = hex(p[3]), lo = hex(p[4]);
  return (hi < 0 || lo < 0) ? -1 : hi * 16 + lo;
}

namespace {

bool reserved_type(PieceType t) {
  return t == PieceType::CONTROL || t == PieceType::UNKNOWN || t == PieceType::BYTE;
}

// A piece as it may appear in an error message (vocabularies hold control bytes and invalid UTF-8).
std::string printable(std::string_view p) {
  std::string out;
  for (char c : p.substr(0, 64)) {
    if (static_cast<unsigned char>(c) < 0x20) {
      static const char* hex = "0123456789ABCDEF";
      out += "\\x";
      out += hex[static_cast<unsigned char>(c) >> 4];
      out += hex[c & 15];
    } else {
      out += c;
    }
  }
  return p.size() > 64 ? out + "..." : out;
}

}  // namespace

SpmVocabulary::SpmVocabulary(SpmPieces in, const SpmModelSpec& spec, const std::string& origin)
    : spec_(spec), strings_(std::move(in.pieces)), scores_(std::move(in.scores)), types_(std::move(in.types)) {
  auto fail = [&](const std::string& what) { return std::runtime_error("tokenizer from " + origin + ": " + what); };
  const size_t n = strings_.size();
  if (scores_.size() != n || types_.size() != n)
    throw fail("pieces, scores and types differ in number (" + std::to_string(n) + ", " +
               std::to_string(scores_.size()) + ", " + std::to_string(types_.size()) + ")");
  if (n > static_cast<size_t>(INT32_MAX)) throw fail("more than 2^31 pieces");
  const size_t reserved = static_cast<size_t>(std::count_if(types_.begin(), types_.end(), reserved_type));
  reserved_.reserve(reserved);
  mergeable_.reserve(n - reserved);
  std::fill(std::begin(byte_ids_), std::end(byte_ids_), -1);
  const bool has_nul = std::memchr(strings_.all().data(), 0, strings_.all().size()) != nullptr;  // one scan, not n

  // Each insert fetches the slot of the one kAhead later: the index is larger than the caches and the pieces
  // land in it at random.
  constexpr size_t kAhead = 16;
  uint32_t ahead[kAhead];
  auto index_of = [&](size_t i) -> PieceIndex& { return reserved_type(types_[i]) ? reserved_ : mergeable_; };
  auto hash_ahead = [&](size_t i) {
    if (i >= n) return;
    ahead[i % kAhead] = PieceIndex::hash(strings_[i]);
    index_of(i).prefetch(ahead[i % kAhead]);
  };
  for (size_t i = 0; i < kAhead; ++i) hash_ahead(i);
  for (size_t i = 0; i < n; ++i) {
    const std::string_view p = strings_[i];
    const PieceType t = types_[i];
    const int id = static_cast<int>(i);
    const uint32_t hash = ahead[i % kAhead];
    hash_ahead(i + kAhead);
    // sentencepiece indexes user-defined pieces in a trie of NUL-terminated keys: an empty piece, or one with
    // a NUL byte, cannot be matched (its trie builder aborts the process on an empty key).
    if (p.empty()) throw fail("piece " + std::to_string(i) + " is an empty string");
    if (has_nul && std::memchr(p.data(), 0, p.size())) throw fail("piece " + std::to_string(i) + " contains a NUL byte");
    const int before = index_of(i).insert(id, hash, strings_);
    if (before >= 0)
      throw fail("piece " + std::to_string(i) + " '" + printable(p) + "' is already piece " + std::to_string(before));
    if (t == PieceType::USER_DEFINED) user_defined_.insert(p);
    if (t == PieceType::UNKNOWN) {
      if (unk_id_ >= 0)
        throw fail("pieces " + std::to_string(unk_id_) + " and " + std::to_string(i) + " are both UNKNOWN");
      unk_id_ = id;
    }
    if (t == PieceType::BYTE) {
      if (!spec_.byte_fallback) throw fail("byte piece '" + printable(p) + "' in a model without byte fallback");
      const int b = byte_piece_value(p);
      if (b < 0) throw fail("byte piece " + std::to_string(i) + " '" + printable(p) + "' is not <0x00>..<0xFF>");
      byte_ids_[b] = id;
    }
  }
  if (unk_id_ < 0) throw fail("no piece has type UNKNOWN");
  if (spec_.byte_fallback)
    for (int b = 0; b < 256; ++b)
      if (byte_ids_[b] < 0)
        throw fail("byte fallback without the byte piece <0x" + std::string(1, "0123456789ABCDEF"[b >> 4]) +
                   "0123456789ABCDEF"[b & 15] + ">");

  // A string that is both a reserved and a mergeable piece: sentencepiece's PieceToId answers the reserved
  // one, which is what decoding sees for either id. Looked up from the few reserved pieces.
  for (size_t i = 0; i < n; ++i)
    if (reserved_type(types_[i]))
      if (const int m = mergeable_.find(strings_[i], strings_); m >= 0) shadowed_.emplace(m, static_cast<int>(i));
}

int SpmVocabulary::find(std::string_view piece) const {
  const int r = reserved_.find(piece, strings_);
  return r >= 0 ? r : mergeable_.find(piece, strings_);
}

int SpmVocabulary::decode_id(int id) const {
  if (shadowed_.empty()) return id;
  const auto it = shadowed_.find(id);
  return it == shadowed_.end() ? id : it->second;
}

int SpmVocabulary::spec_control_id(const std::string& piece) const {
  const int id = find(piece);
  return id >= 0 && type(id) == PieceType::CONTROL ? id : -1;
}

}  // namespace vkg
