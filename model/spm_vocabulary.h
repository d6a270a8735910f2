// A SentencePiece vocabulary held flat: every piece's bytes in one buffer, scores, types, and the lookups
// sentencepiece's BPE model uses (model_interface.cc: pieces by string, user-defined pieces by longest prefix,
// byte pieces). It accepts what sentencepiece's loader accepts and rejects what it rejects.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/piece_lookup.h"

namespace vkg {

// SentencePiece piece types (same numbering as GGUF tokenizer.ggml.token_type).
enum class PieceType : uint8_t { NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6 };

struct SpmPiece {
  std::string piece;
  float score = 0;
  PieceType type = PieceType::NORMAL;
};

// The settings of a ModelProto besides its pieces: what encoding and decoding read (normalizer flags, byte
// fallback, the special pieces' names, the unknown piece's decoded text) and what a written proto records.
struct SpmModelSpec {
  bool byte_fallback = true;
  bool split_digits = true;  // a trainer setting, recorded only: digits are single pieces in the vocabulary
  bool add_dummy_prefix = false;
  bool remove_extra_whitespaces = false;
  bool escape_whitespaces = true;
  int unk_id = 3, bos_id = 2, eos_id = 1, pad_id = 0;
  std::string unk_piece = "<unk>", bos_piece = "<bos>", eos_piece = "<eos>", pad_piece = "<pad>";
  std::string unk_surface = " \xE2\x81\x87 ";  // what decoding writes for the unknown piece (U+2047)
};

// A vocabulary by id, as a loader fills it (reserve first: the pieces are copied once, from the file's bytes)
// and hands it to SpmVocabulary.
struct SpmPieces {
  FlatStrings pieces;
  std::vector<float> scores;
  std::vector<PieceType> types;
};

class SpmVocabulary {
 public:
  // Throws std::runtime_error naming `origin` where sentencepiece would refuse the model (an empty piece or one
  // with a NUL byte, a piece twice, no or two UNKNOWN pieces, byte pieces that are not <0x00>..<0xFF> or, with
  // byte fallback, not all 256 of them).
  SpmVocabulary(SpmPieces pieces, const SpmModelSpec& spec, const std::string& origin);

  int size() const { return static_cast<int>(types_.size()); }
  std::string_view piece(int id) const { return strings_[static_cast<size_t>(id)]; }
  float score(int id) const { return scores_[static_cast<size_t>(id)]; }
  PieceType type(int id) const { return types_[static_cast<size_t>(id)]; }
  const SpmModelSpec& spec() const { return spec_; }

  // sentencepiece's PieceToId: CONTROL, UNKNOWN and BYTE pieces first, then the others; -1 when none.
  int find(std::string_view piece) const;
  // Only NORMAL, USER_DEFINED and UNUSED pieces: what BPE may merge into.
  int find_mergeable(std::string_view piece) const { return mergeable_.find(piece, strings_); }
  // The id decoding treats `id` as: the piece's sentencepiece id (a CONTROL piece, where a NORMAL one has
  // the same string).
  int decode_id(int id) const;
  int unk_id() const { return unk_id_; }
  int byte_id(uint8_t b) const { return byte_ids_[b]; }  // -1 without byte pieces
  // The longest USER_DEFINED piece at the start of text (0 if none): such pieces are never split or merged.
  size_t match_user_defined(std::string_view text) const { return user_defined_.longest_prefix(text); }
  // sentencepiece's bos_id()/eos_id(): the spec's piece when it is a CONTROL piece, else -1.
  int spec_control_id(const std::string& piece) const;

 private:
  SpmModelSpec spec_;
  FlatStrings strings_;
  std::vector<float> scores_;
  std::vector<PieceType> types_;
  PieceIndex reserved_;   // CONTROL, UNKNOWN, BYTE
  PieceIndex mergeable_;  // NORMAL, USER_DEFINED, UNUSED
  std::unordered_map<int, int> shadowed_;  // a mergeable id -> the reserved id with the same string (rare)
  PrefixTrie user_defined_;
  int unk_id_ = -1;
  int byte_ids_[256];
};

// Value of a byte piece "<0xAB>" (upper-case hex, as sentencepiece writes them), or -1.
int byte_piece_value(std::string_view piece);

}  // namespace vkg
