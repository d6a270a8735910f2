#include "model/tokenizer.h"

#include <sentencepiece_processor.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "model/bpe_merges.h"
#include "model/gguf.h"

namespace vkg {

namespace {

// ---- Minimal protobuf wire-format writer -------------------------------------------------------

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
    tag(field, 0);
    varint(static_cast<uint64_t>(v));
  }
  void bool_field(int field, bool v) { int_field(field, v ? 1 : 0); }
  void bytes_field(int field, const std::string& s) {
    tag(field, 2);
    varint(s.size());
    out_ += s;
  }
  void float_field(int field, float f) {
    tag(field, 5);
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
  }
  const std::string& str() const { return out_; }

 private:
  std::string out_;
};

// Field numbers from sentencepiece_model.proto.
namespace pf {
// ModelProto
constexpr int kPieces = 1, kTrainerSpec = 2, kNormalizerSpec = 3;
// ModelProto.SentencePiece
constexpr int kPiece = 1, kScore = 2, kType = 3;
// TrainerSpec
constexpr int kModelType = 3, kVocabSize = 4, kSplitDigits = 25, kByteFallback = 35, kUnkId = 40, kBosId = 41,
              kEosId = 42, kPadId = 43, kUnkPiece = 45, kBosPiece = 46, kEosPiece = 47, kPadPiece = 48;
constexpr int kModelTypeBpe = 2;
// NormalizerSpec
constexpr int kName = 1, kAddDummyPrefix = 3, kRemoveExtraWhitespaces = 4, kEscapeWhitespaces = 5;
}  // namespace pf

const std::string kSpaceSymbol = "\xE2\x96\x81";  // U+2581

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
  return s;
}

// Value of a byte-fallback piece "<0xAB>", or -1.
int byte_piece_value(const std::string& p) {
  if (p.size() != 6 || p[0] != '<' || p[1] != '0' || p[2] != 'x' || p[5] != '>') return -1;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  int hi = hex(p[3]), lo = hex(p[4]);
  return (hi < 0 || lo < 0) ? -1 : hi * 16 + lo;
}

// sentencepiece cannot index an empty (or missing) piece string: its trie builder throws an exception that
// escapes as std::terminate. So the serialized ModelProto's pieces (field 1, each a message whose field 1
// is the piece) are checked first with a small wire-format walk; anything malformed is left to
// sentencepiece's own parser, which rejects it cleanly.
bool read_varint(const std::string& b, size_t& pos, size_t end, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && pos < end; shift += 7) {
    const uint8_t byte = static_cast<uint8_t>(b[pos++]);
    v |= uint64_t(byte & 0x7F) << shift;
    if (!(byte & 0x80)) return true;
  }
  return false;
}

// Calls on_field(field, begin, end) for each length-delimited field of b[pos, end); false if malformed.
template <typename F>
bool walk_fields(const std::string& b, size_t pos, size_t end, F on_field) {
  while (pos < end) {
    uint64_t key = 0, v = 0;
    if (!read_varint(b, pos, end, key)) return false;
    switch (key & 7) {
      case 0: if (!read_varint(b, pos, end, v)) return false; break;
      case 1: if (end - pos < 8) return false; pos += 8; break;
      case 5: if (end - pos < 4) return false; pos += 4; break;
      case 2:
        if (!read_varint(b, pos, end, v) || v > end - pos) return false;
        on_field(key >> 3, pos, pos + v);
        pos += v;
        break;
      default: return false;  // groups: not in sentencepiece_model.proto
    }
  }
  return true;
}

void check_pieces(const std::string& proto, const std::string& origin) {
  size_t index = 0;
  walk_fields(proto, 0, proto.size(), [&](uint64_t field, size_t begin, size_t end) {
    if (field != 1) return;
    std::string_view piece;
    const bool ok = walk_fields(proto, begin, end, [&](uint64_t f, size_t b, size_t e) {
      if (f == 1) piece = std::string_view(proto).substr(b, e - b);
    });
    // Its trie keys are NUL-terminated: a piece with a NUL byte is as bad as an empty one.
    if (ok && (piece.empty() || piece.find('\0') != std::string_view::npos))
      throw std::runtime_error("tokenizer from " + origin + ": piece " + std::to_string(index) +
                               (piece.empty() ? " is an empty string" : " contains a NUL byte"));
    ++index;
  });
}

}  // namespace

std::string serialize_spm_model_proto(const std::vector<SpmPiece>& pieces, const SpmModelSpec& spec) {
  ProtoWriter model;
  for (const SpmPiece& p : pieces) {
    ProtoWriter sp;
    sp.bytes_field(pf::kPiece, p.piece);
    sp.float_field(pf::kScore, p.score);
    sp.int_field(pf::kType, static_cast<int>(p.type));
    model.bytes_field(pf::kPieces, sp.str());
  }
  ProtoWriter trainer;
  trainer.int_field(pf::kModelType, pf::kModelTypeBpe);
  trainer.int_field(pf::kVocabSize, static_cast<int64_t>(pieces.size()));
  trainer.bool_field(pf::kSplitDigits, spec.split_digits);
  trainer.bool_field(pf::kByteFallback, spec.byte_fallback);
  trainer.int_field(pf::kUnkId, spec.unk_id);
  trainer.int_field(pf::kBosId, spec.bos_id);
  trainer.int_field(pf::kEosId, spec.eos_id);
  trainer.int_field(pf::kPadId, spec.pad_id);
  trainer.bytes_field(pf::kUnkPiece, spec.unk_piece);
  trainer.bytes_field(pf::kBosPiece, spec.bos_piece);
  trainer.bytes_field(pf::kEosPiece, spec.eos_piece);
  trainer.bytes_field(pf::kPadPiece, spec.pad_piece);
  model.bytes_field(pf::kTrainerSpec, trainer.str());
  ProtoWriter normalizer;
  normalizer.bytes_field(pf::kName, "identity");
  normalizer.bool_field(pf::kAddDummyPrefix, spec.add_dummy_prefix);
  normalizer.bool_field(pf::kRemoveExtraWhitespaces, false);
  normalizer.bool_field(pf::kEscapeWhitespaces, true);
  model.bytes_field(pf::kNormalizerSpec, normalizer.str());
  return model.str();
}

std::string spm_model_proto_from_gguf(const GgufFile& gguf) {
  const std::string where = "tokenizer in " + gguf.path();
  auto fail = [&](const std::string& what) -> std::runtime_error { return std::runtime_error(where + ": " + what); };

  if (!gguf.has("tokenizer.ggml.model")) throw fail("missing key tokenizer.ggml.model");
  const std::string& model = gguf.get_string("tokenizer.ggml.model");
  if (model != "llama" && model != "gemma4")
    throw fail("tokenizer.ggml.model is \"" + model +
               "\"; supported: \"llama\" (SentencePiece) and \"gemma4\" (BPE with merges)");
  if (!gguf.has("tokenizer.ggml.tokens")) throw fail("missing key tokenizer.ggml.tokens");
  if (!gguf.has("tokenizer.ggml.scores")) throw fail("missing key tokenizer.ggml.scores");
  const std::vector<std::string> tokens = gguf.get_string_array("tokenizer.ggml.tokens");
  const std::vector<float> scores = gguf.get_float_array("tokenizer.ggml.scores");
  std::vector<int64_t> types;
  if (gguf.has("tokenizer.ggml.token_type")) types = gguf.get_int_array("tokenizer.ggml.token_type");
  const size_t n = tokens.size();
  if (n == 0) throw fail("tokenizer.ggml.tokens is empty");
  if (scores.size() != n)
    throw fail("tokenizer.ggml.scores has " + std::to_string(scores.size()) + " entries but there are " +
               std::to_string(n) + " tokens");
  if (!types.empty() && types.size() != n)
    throw fail("tokenizer.ggml.token_type has " + std::to_string(types.size()) + " entries but there are " +
               std::to_string(n) + " tokens");

  auto id_key = [&](const char* key, int64_t def) -> int {
    std::optional<uint64_t> v = gguf.find_uint(key);
    int64_t id = v ? static_cast<int64_t>(*v) : def;
    if (id < 0 || static_cast<size_t>(id) >= n)
      throw fail(std::string(key) + " = " + std::to_string(id) + " is outside the vocabulary of " +
                 std::to_string(n) + " tokens");
    return static_cast<int>(id);
  };
  SpmModelSpec spec;
  spec.bos_id = id_key("tokenizer.ggml.bos_token_id", 2);
  spec.eos_id = id_key("tokenizer.ggml.eos_token_id", 1);
  spec.unk_id = id_key("tokenizer.ggml.unknown_token_id", 3);
  spec.pad_id = gguf.find_uint("tokenizer.ggml.padding_token_id") ? id_key("tokenizer.ggml.padding_token_id", 0) : -1;
  spec.unk_piece = tokens[spec.unk_id];
  spec.bos_piece = tokens[spec.bos_id];
  spec.eos_piece = tokens[spec.eos_id];
  spec.pad_piece = spec.pad_id >= 0 ? tokens[spec.pad_id] : "<pad>";
  if (gguf.has("tokenizer.ggml.add_space_prefix")) {
    spec.add_dummy_prefix = gguf.get_bool("tokenizer.ggml.add_space_prefix");
  } else {
    // llama.cpp's default is true, but Gemma conversions never add a space prefix.
    const bool gemma = gguf.has("general.architecture") &&
                       gguf.get_string("general.architecture").rfind("gemma", 0) == 0;
    spec.add_dummy_prefix = !gemma;
  }

  std::vector<SpmPiece> pieces(n);
  bool have_unknown = false;
  bool have_byte = false;
  for (size_t i = 0; i < n; ++i) {
    int64_t t = types.empty() ? 1 : types[i];
    if (t < 1 || t > 6)
      throw fail("token " + std::to_string(i) + " has token_type " + std::to_string(t) + " (expected 1..6)");
    if (tokens[i].empty()) throw fail("token " + std::to_string(i) + " is an empty string");
    SpmPiece& p = pieces[i];
    p.type = static_cast<PieceType>(t);
    p.score = scores[i];
    // The converter wrote non-special added tokens with plain spaces; SentencePiece wants U+2581.
    p.piece = p.type == PieceType::USER_DEFINED ? replace_all(tokens[i], " ", kSpaceSymbol) : tokens[i];
    have_unknown |= p.type == PieceType::UNKNOWN;
    have_byte |= p.type == PieceType::BYTE;
  }
  // HF marks <unk> as a special (CONTROL) token; SentencePiece needs exactly one UNKNOWN piece.
  if (!have_unknown) pieces[spec.unk_id].type = PieceType::UNKNOWN;
  spec.byte_fallback = have_byte;
  return serialize_spm_model_proto(pieces, spec);
}

// ---- Tokenizer ----------------------------------------------------------------------------------

Tokenizer::Tokenizer() : sp_(std::make_unique<sentencepiece::SentencePieceProcessor>()) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::from_serialized_proto(const std::string& proto, const std::string& origin) {
  check_pieces(proto, origin);
  Tokenizer tok;
  tok.origin_ = origin;
  const auto status = tok.sp_->LoadFromSerializedProto(proto);
  if (!status.ok())
    throw std::runtime_error("tokenizer from " + origin + ": sentencepiece could not load the model: " +
                             status.ToString());
  tok.proto_ = proto;
  tok.init_specials();
  return tok;
}

Tokenizer Tokenizer::from_model_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("tokenizer model " + path + ": cannot open file");
  std::ostringstream ss;
  ss << f.rdbuf();
  if (!f.good() && !f.eof()) throw std::runtime_error("tokenizer model " + path + ": read error");
  std::string data = ss.str();
  if (data.empty()) throw std::runtime_error("tokenizer model " + path + ": file is empty");
  return from_serialized_proto(data, path);
}

Tokenizer Tokenizer::from_gguf(const GgufFile& gguf) {
  Tokenizer tok = from_serialized_proto(spm_model_proto_from_gguf(gguf), gguf.path());
  if (gguf.get_string("tokenizer.ggml.model") == "gemma4") {
    if (!gguf.has("tokenizer.ggml.merges"))
      throw std::runtime_error("tokenizer in " + gguf.path() + ": a gemma4 vocabulary needs tokenizer.ggml.merges");
    tok.bpe_ = std::make_shared<BpeMerges>(gguf.get_string_array("tokenizer.ggml.tokens"),
                                           gguf.get_string_array("tokenizer.ggml.merges"), tok.sp_->unk_id(),
                                           "tokenizer in " + gguf.path());
    const std::vector<int64_t> types = gguf.get_int_array("tokenizer.ggml.token_type");
    for (size_t i = 0; i < types.size(); ++i)
      if (types[i] == static_cast<int64_t>(PieceType::USER_DEFINED)) tok.user_defined_.push_back(static_cast<int>(i));
    tok.init_specials();
  }
  // The GGUF ids are authoritative (sentencepiece reports -1 when e.g. the BOS piece is not CONTROL).
  if (auto v = gguf.find_uint("tokenizer.ggml.bos_token_id")) tok.bos_id_ = static_cast<int>(*v);
  if (auto v = gguf.find_uint("tokenizer.ggml.eos_token_id")) tok.eos_id_ = static_cast<int>(*v);
  return tok;
}

Tokenizer Tokenizer::from_hf_json(const std::string& path) {
  using nlohmann::json;
  auto fail = [&](const std::string& what) { return std::runtime_error("tokenizer " + path + ": " + what); };
  std::ifstream f(path, std::ios::binary);
  if (!f) throw fail("cannot open file");
  json j;
  try {
    j = json::parse(f);
  } catch (const json::exception& e) {
    throw fail(std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_object() || !j.contains("model") || !j["model"].is_object()) throw fail("no 'model' object");
  const json& m = j["model"];
  if (m.value("type", std::string()) != "BPE" || !m.contains("vocab") || !m["vocab"].is_object() ||
      !m.contains("merges") || !m["merges"].is_array())
    throw fail("model is not a BPE with vocab and merges (Gemma 4's tokenizer.json is)");
  std::map<int64_t, std::pair<std::string, PieceType>> by_id;
  for (const auto& [piece, id] : m["vocab"].items()) {
    if (!id.is_number_integer()) throw fail("vocab entry '" + piece + "' has no integer id");
    by_id[id.get<int64_t>()] = {piece, piece.size() == 6 && piece.rfind("<0x", 0) == 0 && piece.back() == '>' &&
                                               byte_piece_value(piece) >= 0
                                           ? PieceType::BYTE
                                           : PieceType::NORMAL};
  }
  if (j.contains("added_tokens") && j["added_tokens"].is_array())
    for (const json& a : j["added_tokens"]) {
      if (!a.is_object() || !a.contains("id") || !a["id"].is_number_integer() || !a.contains("content") ||
          !a["content"].is_string())
        throw fail("an added_tokens entry has no id or content");
      const bool special = a.value("special", false);
      by_id[a["id"].get<int64_t>()] = {a["content"].get<std::string>(), special ? PieceType::CONTROL : PieceType::USER_DEFINED};
    }
  const std::string unk = m.contains("unk_token") && m["unk_token"].is_string() ? m["unk_token"].get<std::string>() : "<unk>";
  std::vector<SpmPiece> pieces;
  std::vector<std::string> tokens;
  for (const auto& [id, entry] : by_id) {
    if (id != static_cast<int64_t>(pieces.size())) throw fail("token ids are not 0.." + std::to_string(by_id.size() - 1));
    SpmPiece p;
    p.piece = entry.first;
    p.type = entry.first == unk ? PieceType::UNKNOWN : entry.second;
    if (p.piece.empty()) throw fail("token " + std::to_string(id) + " is empty");
    tokens.push_back(p.piece);
    if (p.type == PieceType::USER_DEFINED) p.piece = replace_all(p.piece, " ", kSpaceSymbol);
    pieces.push_back(p);
  }
  std::vector<std::string> merges;
  for (const json& e : m["merges"]) {
    if (e.is_string()) merges.push_back(e.get<std::string>());
    else if (e.is_array() && e.size() == 2 && e[0].is_string() && e[1].is_string())
      merges.push_back(e[0].get<std::string>() + " " + e[1].get<std::string>());
    else throw fail("a merge is neither \"a b\" nor [\"a\", \"b\"]");
  }
  auto id_of = [&](const char* piece, int def) {
    for (size_t i = 0; i < tokens.size(); ++i)
      if (tokens[i] == piece) return static_cast<int>(i);
    return def;
  };
  SpmModelSpec spec;
  spec.bos_id = id_of("<bos>", 2);
  spec.eos_id = id_of("<eos>", 1);
  spec.pad_id = id_of("<pad>", -1);
  spec.unk_id = id_of(unk.c_str(), 3);
  for (int id : {spec.bos_id, spec.eos_id, spec.unk_id})
    if (id < 0 || id >= static_cast<int>(tokens.size())) throw fail("the vocabulary has no <bos>, <eos> or <unk>");
  pieces[size_t(spec.unk_id)].type = PieceType::UNKNOWN;
  spec.unk_piece = tokens[size_t(spec.unk_id)];
  spec.bos_piece = tokens[size_t(spec.bos_id)];
  spec.eos_piece = tokens[size_t(spec.eos_id)];
  if (spec.pad_id >= 0) spec.pad_piece = tokens[size_t(spec.pad_id)];
  spec.byte_fallback = m.value("byte_fallback", true);
  Tokenizer tok = from_serialized_proto(serialize_spm_model_proto(pieces, spec), path);
  tok.bpe_ = std::make_shared<BpeMerges>(tokens, merges, spec.unk_id, "tokenizer " + path);
  for (size_t i = 0; i < pieces.size(); ++i)
    if (pieces[i].type == PieceType::USER_DEFINED) tok.user_defined_.push_back(static_cast<int>(i));
  tok.init_specials();
  tok.bos_id_ = spec.bos_id;
  tok.eos_id_ = spec.eos_id;
  return tok;
}

void Tokenizer::init_specials() {
  bos_id_ = sp_->bos_id();
  eos_id_ = sp_->eos_id();
  specials_.clear();
  special_lengths_.clear();
  std::memset(special_first_byte_, 0, sizeof special_first_byte_);
  const int n = sp_->GetPieceSize();
  for (int id = 0; id < n; ++id) {
    const bool listed = std::find(user_defined_.begin(), user_defined_.end(), id) != user_defined_.end();
    if (!sp_->IsControl(id) && !sp_->IsUnknown(id) && !listed) continue;
    const std::string& p = sp_->IdToPiece(id);
    if (p.empty()) continue;
    if (specials_.emplace(p, id).second) {
      special_first_byte_[static_cast<uint8_t>(p[0])] = 1;
      if (std::find(special_lengths_.begin(), special_lengths_.end(), p.size()) == special_lengths_.end())
        special_lengths_.push_back(p.size());
    }
  }
  std::sort(special_lengths_.rbegin(), special_lengths_.rend());
}

void Tokenizer::check_id(int id) const {
  if (id < 0 || id >= sp_->GetPieceSize())
    throw std::runtime_error("tokenizer from " + origin_ + ": token id " + std::to_string(id) +
                             " is outside the vocabulary of " + std::to_string(sp_->GetPieceSize()) + " tokens");
}

std::vector<int> Tokenizer::encode(const std::string& text, bool add_bos, bool specials) const {
  std::vector<int> out;
  if (add_bos && bos_id_ >= 0) out.push_back(bos_id_);
  auto encode_plain = [&](size_t begin, size_t end) {
    if (begin >= end) return;
    if (bpe_) {
      const std::vector<int> ids = bpe_->encode(std::string_view(text).substr(begin, end - begin));
      out.insert(out.end(), ids.begin(), ids.end());
      return;
    }
    std::vector<int> ids;
    const auto status = sp_->Encode(std::string_view(text).substr(begin, end - begin), &ids);
    if (!status.ok())
      throw std::runtime_error("tokenizer from " + origin_ + ": encode failed: " + status.ToString());
    out.insert(out.end(), ids.begin(), ids.end());
  };
  size_t plain_begin = 0;
  size_t i = 0;
  while (i < text.size()) {
    int match_id = -1;
    size_t match_len = 0;
    if (specials && special_first_byte_[static_cast<uint8_t>(text[i])]) {
      for (size_t len : special_lengths_) {  // longest first
        if (len > text.size() - i) continue;
        auto it = specials_.find(text.substr(i, len));
        if (it != specials_.end()) {
          match_id = it->second;
          match_len = len;
          break;
        }
      }
    }
    if (match_id < 0) {
      ++i;
      continue;
    }
    encode_plain(plain_begin, i);
    // A BOS written at the very start of the text is not doubled by add_bos.
    if (!(match_id == bos_id_ && add_bos && i == 0)) out.push_back(match_id);
    i += match_len;
    plain_begin = i;
  }
  encode_plain(plain_begin, text.size());
  return out;
}

std::string Tokenizer::decode(const std::vector<int>& ids) const {
  for (int id : ids) check_id(id);
  std::string text;
  const auto status = sp_->Decode(ids, &text);
  if (!status.ok()) throw std::runtime_error("tokenizer from " + origin_ + ": decode failed: " + status.ToString());
  return text;
}

std::string Tokenizer::piece(int id) const {
  check_id(id);
  return sp_->IdToPiece(id);
}

int Tokenizer::vocab_size() const { return sp_->GetPieceSize(); }

std::optional<int> Tokenizer::find_token(const std::string& piece) const {
  if (piece.empty()) return std::nullopt;
  const int id = sp_->PieceToId(piece);
  if (id < 0 || id >= sp_->GetPieceSize() || sp_->IdToPiece(id) != piece) return std::nullopt;
  return id;
}

bool Tokenizer::is_control(int id) const {
  return id >= 0 && id < sp_->GetPieceSize() && sp_->IsControl(id);
}

bool Tokenizer::is_byte(int id) const { return id >= 0 && id < sp_->GetPieceSize() && sp_->IsByte(id); }

// ---- TokenStreamDecoder -------------------------------------------------------------------------
//
// decode() of a sequence only depends on its neighbourhood: byte-fallback pieces are joined into UTF-8
// runs, and (for models with add_dummy_prefix) the leading space of the first piece is dropped. So
// once a normal piece with non-empty text has been seen, it becomes the "anchor": the window restarts
// with just that piece, and the text after it is decode(window) minus the anchor's own text.

TokenStreamDecoder::TokenStreamDecoder(const Tokenizer& tok) : tok_(tok) {}

std::string TokenStreamDecoder::push(int id) {
  tok_.decode({id});  // validates the id (throws on a bad one)
  // A control token is invisible and, once the anchor has text, changes nothing, unless it separates two
  // runs of byte pieces (decode() joins only adjacent byte pieces into characters).
  if (has_anchor_ && tok_.is_control(id) && !tok_.is_byte(window_.back())) return {};
  window_.push_back(id);

  // Hold back an incomplete UTF-8 character at the end of a trailing run of byte pieces.
  size_t run_start = window_.size();
  while (run_start > 0 && tok_.is_byte(window_[run_start - 1])) --run_start;
  size_t hold = 0;
  for (size_t k = 1; k <= 4 && k <= window_.size() - run_start; ++k) {
    const int b = byte_piece_value(tok_.piece(window_[window_.size() - k]));
    if (b < 0) break;
    if ((b & 0xC0) == 0x80) continue;  // continuation byte: look further back
    const size_t need = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
    if (k < need) hold = k;
    break;
  }

  const std::vector<int> settled(window_.begin(), window_.end() - static_cast<std::ptrdiff_t>(hold));
  const std::string text = tok_.decode(settled);
  const std::string body = text.size() > anchor_len_ ? text.substr(anchor_len_) : std::string();
  std::string out = body.size() > emitted_ ? body.substr(emitted_) : std::string();
  emitted_ = std::max(emitted_, body.size());

  if (hold == 0 && !tok_.is_byte(id) && !tok_.is_control(id)) {
    const std::string own = tok_.decode({id});
    if (!own.empty()) {
      window_.assign(1, id);
      anchor_len_ = own.size();
      emitted_ = 0;
      has_anchor_ = true;
    }
  } else if (hold == 0 && tok_.is_byte(id)) {
    // A run of byte pieces that ends on a whole, valid character: that character's pieces become the
    // anchor, so a long run costs linear time instead of re-decoding the whole run at every token.
    if (const size_t n = valid_char_at_end(); n > 0) {
      window_.erase(window_.begin(), window_.end() - static_cast<std::ptrdiff_t>(n));
      anchor_len_ = tok_.decode(window_).size();
      emitted_ = 0;
      has_anchor_ = true;
    }
  }
  return out;
}

// How many byte pieces at the end of the window spell one valid UTF-8 character (0 if they do not).
size_t TokenStreamDecoder::valid_char_at_end() const {
  for (size_t k = 1; k <= 4 && k <= window_.size() && tok_.is_byte(window_[window_.size() - k]); ++k) {
    const int b = byte_piece_value(tok_.piece(window_[window_.size() - k]));
    if (b < 0) break;
    if ((b & 0xC0) == 0x80) continue;  // continuation: the lead byte is further back
    const size_t need = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 && b >= 0xC2 ? 2 : (b & 0xF0) == 0xE0 ? 3
                                                                          : (b & 0xF8) == 0xF0 && b <= 0xF4 ? 4 : 0;
    return need == k ? k : 0;
  }
  return 0;
}

}  // namespace vkg
