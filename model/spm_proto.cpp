#include "model/spm_proto.h"

#include <cstring>
#include <stdexcept>
#include <tuple>

namespace vkg {

namespace {

// Field numbers from sentencepiece_model.proto.
namespace pf {
// ModelProto
constexpr int kPieces = 1, kTrainerSpec = 2, kNormalizerSpec = 3, kDenormalizerSpec = 5;
// ModelProto.SentencePiece
constexpr int kPiece = 1, kScore = 2, kType = 3;
// TrainerSpec
constexpr int kModelType = 3, kVocabSize = 4, kTreatWhitespaceAsSuffix = 24, kSplitDigits = 25, kByteFallback = 35,
              kUnkId = 40, kBosId = 41, kEosId = 42, kPadId = 43, kUnkSurface = 44, kUnkPiece = 45, kBosPiece = 46,
              kEosPiece = 47, kPadPiece = 48;
constexpr int kModelTypeUnigram = 1, kModelTypeBpe = 2;
// NormalizerSpec
constexpr int kName = 1, kPrecompiledCharsmap = 2, kAddDummyPrefix = 3, kRemoveExtraWhitespaces = 4,
              kEscapeWhitespaces = 5;
}  // namespace pf

// Wire types.
constexpr int kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5;

class ProtoWriter {
 public:
  void varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void tag(int field, int wire_type) { varint((static_cast<uint64_t>(field) << 3) | static_cast<uint64_t>(wire_type)); }
  // int32/enum/bool fields: negative values are sign-extended to 64 bits (10-byte varint).
  void int_field(int field, int64_t v) {
    tag(field, kVarint);
    varint(static_cast<uint64_t>(v));
  }
  void bool_field(int field, bool v) { int_field(field, v ? 1 : 0); }
  void bytes_field(int field, std::string_view s) {
    tag(field, kLengthDelimited);
    varint(s.size());
    out_ += s;
  }
  void float_field(int field, float f) {
    tag(field, kFixed32);
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
  }
  const std::string& str() const { return out_; }

 private:
  std::string out_;
};

// The ModelProto of n pieces, piece(i) giving (string, score, type).
template <typename PieceAt>
std::string serialize(size_t n, PieceAt piece, const SpmModelSpec& spec) {
  ProtoWriter model;
  for (size_t i = 0; i < n; ++i) {
    const auto [str, score, type] = piece(i);
    ProtoWriter sp;
    sp.bytes_field(pf::kPiece, str);
    sp.float_field(pf::kScore, score);
    sp.int_field(pf::kType, static_cast<int>(type));
    model.bytes_field(pf::kPieces, sp.str());
  }
  ProtoWriter trainer;
  trainer.int_field(pf::kModelType, pf::kModelTypeBpe);
  trainer.int_field(pf::kVocabSize, static_cast<int64_t>(n));
  trainer.bool_field(pf::kSplitDigits, spec.split_digits);
  trainer.bool_field(pf::kByteFallback, spec.byte_fallback);
  trainer.int_field(pf::kUnkId, spec.unk_id);
  trainer.int_field(pf::kBosId, spec.bos_id);
  trainer.int_field(pf::kEosId, spec.eos_id);
  trainer.int_field(pf::kPadId, spec.pad_id);
  trainer.bytes_field(pf::kUnkSurface, spec.unk_surface);
  trainer.bytes_field(pf::kUnkPiece, spec.unk_piece);
  trainer.bytes_field(pf::kBosPiece, spec.bos_piece);
  trainer.bytes_field(pf::kEosPiece, spec.eos_piece);
  trainer.bytes_field(pf::kPadPiece, spec.pad_piece);
  model.bytes_field(pf::kTrainerSpec, trainer.str());
  ProtoWriter normalizer;
  normalizer.bytes_field(pf::kName, "identity");
  normalizer.bool_field(pf::kAddDummyPrefix, spec.add_dummy_prefix);
  normalizer.bool_field(pf::kRemoveExtraWhitespaces, spec.remove_extra_whitespaces);
  normalizer.bool_field(pf::kEscapeWhitespaces, spec.escape_whitespaces);
  model.bytes_field(pf::kNormalizerSpec, normalizer.str());
  return model.str();
}

struct Field {
  int number = 0;
  int wire = 0;
  uint64_t value = 0;     // varint, or the bits of a fixed32/fixed64
  std::string_view data;  // length-delimited
};

// The fields of one message, in order; a malformed one throws, naming its byte offset in the whole proto.
class ProtoReader {
 public:
  ProtoReader(std::string_view message, std::string_view whole, const std::string& origin)
      : msg_(message), whole_(whole), origin_(origin) {}

  bool next(Field& f) {
    if (pos_ >= msg_.size()) return false;
    const uint64_t key = varint();
    f.number = static_cast<int>(key >> 3);
    f.wire = static_cast<int>(key & 7);
    if (key >> 3 == 0 || key >> 3 > 0x1FFFFFFF) fail("a field number of 0 or beyond 2^29");
    switch (f.wire) {
      case kVarint: f.value = varint(); break;
      case kFixed64: f.value = fixed(8); break;
      case kFixed32: f.value = fixed(4); break;
      case kLengthDelimited: {
        const uint64_t n = varint();
        if (n > msg_.size() - pos_) fail("a field longer than its message");
        f.data = msg_.substr(pos_, n);
        pos_ += n;
        break;
      }
      default: fail("wire type " + std::to_string(f.wire) + " (groups are not in sentencepiece_model.proto)");
    }
    return true;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    const size_t at = static_cast<size_t>(msg_.data() - whole_.data()) + pos_;
    throw std::runtime_error("tokenizer from " + origin_ + ": not a SentencePiece model: malformed protobuf at byte " +
                             std::to_string(at) + " (" + what + ")");
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (pos_ >= msg_.size()) fail("a truncated varint");
      const auto byte = static_cast<uint8_t>(msg_[pos_++]);
      if (shift < 64) v |= uint64_t(byte & 0x7F) << shift;
      if (!(byte & 0x80)) return v;
    }
    fail("a varint of more than 10 bytes");
  }
  uint64_t fixed(size_t n) {
    if (msg_.size() - pos_ < n) fail("a truncated fixed-size field");
    uint64_t v = 0;
    std::memcpy(&v, msg_.data() + pos_, n);  // little-endian, as protobuf writes it
    pos_ += n;
    return v;
  }

  std::string_view msg_, whole_;
  const std::string& origin_;
  size_t pos_ = 0;
};

// Calls on(field) for each field of a message. Callers take a field only with the wire type its number has in
// the schema: protobuf keeps any other as an unknown field, which sentencepiece never reads.
template <typename On>
void for_each_field(std::string_view message, std::string_view whole, const std::string& origin, On on) {
  ProtoReader r(message, whole, origin);
  Field f;
  while (r.next(f)) on(f);
}

}  // namespace

std::string serialize_spm_model_proto(const std::vector<SpmPiece>& pieces, const SpmModelSpec& spec) {
  return serialize(
      pieces.size(), [&](size_t i) { return std::tuple<std::string_view, float, PieceType>(pieces[i].piece, pieces[i].score, pieces[i].type); },
      spec);
}

std::string serialize_spm_model_proto(const SpmVocabulary& vocab) {
  return serialize(
      static_cast<size_t>(vocab.size()),
      [&](size_t i) {
        const int id = static_cast<int>(i);
        return std::tuple<std::string_view, float, PieceType>(vocab.piece(id), vocab.score(id), vocab.type(id));
      },
      vocab.spec());
}

SpmProto parse_spm_model_proto(std::string_view bytes, const std::string& origin) {
  SpmProto m;
  m.pieces.pieces.reserve(0, bytes.size());  // an upper bound; untouched capacity costs no memory
  SpmModelSpec& s = m.spec;
  // sentencepiece_model.proto's defaults, where SpmModelSpec has Gemma's.
  s.byte_fallback = false;
  s.split_digits = false;
  s.add_dummy_prefix = s.remove_extra_whitespaces = s.escape_whitespaces = true;
  s.unk_id = 0, s.bos_id = 1, s.eos_id = 2, s.pad_id = -1;
  s.unk_piece = s.bos_piece = s.eos_piece = s.pad_piece = "";
  int model_type = pf::kModelTypeUnigram;
  bool suffix_whitespace = false, charsmap = false;
  auto unsupported = [&](const std::string& what) {
    return std::runtime_error("tokenizer from " + origin + ": " + what +
                              " is not supported (Gemma's SentencePiece models are BPE with no normalization table)");
  };
  auto as_int32 = [](uint64_t v) { return static_cast<int>(static_cast<int32_t>(static_cast<uint32_t>(v))); };

  for_each_field(bytes, bytes, origin, [&](const Field& top) {
    if (top.wire != kLengthDelimited) return;
    if (top.number == pf::kPieces) {
      std::string_view piece;
      float score = 0;
      PieceType type = PieceType::NORMAL;
      for_each_field(top.data, bytes, origin, [&](const Field& f) {
        if (f.number == pf::kPiece && f.wire == kLengthDelimited) piece = f.data;
        if (f.number == pf::kScore && f.wire == kFixed32) {
          const auto bits = static_cast<uint32_t>(f.value);
          std::memcpy(&score, &bits, 4);
        }
        // An enum value outside the schema is an unknown field to protobuf: the type stays as it was.
        if (f.number == pf::kType && f.wire == kVarint && f.value >= 1 && f.value <= 6)
          type = static_cast<PieceType>(f.value);
      });
      m.pieces.pieces.push_back(piece);
      m.pieces.scores.push_back(score);
      m.pieces.types.push_back(type);
    } else if (top.number == pf::kTrainerSpec) {
      for_each_field(top.data, bytes, origin, [&](const Field& f) {
        if (f.wire == kVarint) {
          switch (f.number) {
            case pf::kModelType: if (f.value >= 1 && f.value <= 4) model_type = static_cast<int>(f.value); break;
            case pf::kTreatWhitespaceAsSuffix: suffix_whitespace = f.value != 0; break;
            case pf::kSplitDigits: s.split_digits = f.value != 0; break;
            case pf::kByteFallback: s.byte_fallback = f.value != 0; break;
            case pf::kUnkId: s.unk_id = as_int32(f.value); break;
            case pf::kBosId: s.bos_id = as_int32(f.value); break;
            case pf::kEosId: s.eos_id = as_int32(f.value); break;
            case pf::kPadId: s.pad_id = as_int32(f.value); break;
            default: break;
          }
        } else if (f.wire == kLengthDelimited) {
          switch (f.number) {
            case pf::kUnkSurface: s.unk_surface = f.data; break;
            case pf::kUnkPiece: s.unk_piece = f.data; break;
            case pf::kBosPiece: s.bos_piece = f.data; break;
            case pf::kEosPiece: s.eos_piece = f.data; break;
            case pf::kPadPiece: s.pad_piece = f.data; break;
            default: break;
          }
        }
      });
    } else if (top.number == pf::kNormalizerSpec || top.number == pf::kDenormalizerSpec) {
      const bool normalizer = top.number == pf::kNormalizerSpec;
      for_each_field(top.data, bytes, origin, [&](const Field& f) {
        if (f.number == pf::kPrecompiledCharsmap && f.wire == kLengthDelimited && !f.data.empty()) charsmap = true;
        if (!normalizer || f.wire != kVarint) return;
        if (f.number == pf::kAddDummyPrefix) s.add_dummy_prefix = f.value != 0;
        if (f.number == pf::kRemoveExtraWhitespaces) s.remove_extra_whitespaces = f.value != 0;
        if (f.number == pf::kEscapeWhitespaces) s.escape_whitespaces = f.value != 0;
      });
    }
  });
  // sentencepiece names the special pieces by these strings; an empty one means its default.
  if (s.unk_piece.empty()) s.unk_piece = "<unk>";
  if (s.bos_piece.empty()) s.bos_piece = "<s>";
  if (s.eos_piece.empty()) s.eos_piece = "</s>";
  if (s.pad_piece.empty()) s.pad_piece = "<pad>";
  if (model_type != pf::kModelTypeBpe)
    throw unsupported("model type " + std::to_string(model_type) + " (" +
                      (model_type == pf::kModelTypeUnigram ? "unigram" : model_type == 3 ? "word" : "char") + ")");
  if (charsmap) throw unsupported("a normalization table (precompiled_charsmap)");
  if (suffix_whitespace) throw unsupported("treat_whitespace_as_suffix");
  return m;
}

}  // namespace vkg
