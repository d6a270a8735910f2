// Where a Tokenizer's vocabulary comes from: a GGUF's tokenizer.ggml.* arrays, a tokenizer.model (ModelProto),
// or Gemma 4's tokenizer.json. Each becomes the same flat SpmVocabulary.
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "model/bpe_merges.h"
#include "model/gguf.h"
#include "model/tokenizer.h"

namespace vkg {

namespace {

const std::string kSpaceSymbol = "\xE2\x96\x81";  // U+2581

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
  return s;
}

// Converters write non-special added tokens with plain spaces; SentencePiece's pieces have U+2581.
void push_piece(SpmPieces& p, std::string_view piece, PieceType type) {
  if (type == PieceType::USER_DEFINED && piece.find(' ') != std::string_view::npos)
    p.pieces.push_back(replace_all(std::string(piece), " ", kSpaceSymbol));
  else
    p.pieces.push_back(piece);
  p.types.push_back(type);
}

SpmVocabulary vocabulary_from_gguf(const GgufFile& gguf) {
  const std::string where = "tokenizer in " + gguf.path();
  auto fail = [&](const std::string& what) -> std::runtime_error { return std::runtime_error(where + ": " + what); };

  if (!gguf.has("tokenizer.ggml.model")) throw fail("missing key tokenizer.ggml.model");
  const std::string& model = gguf.get_string("tokenizer.ggml.model");
  if (model != "llama" && model != "gemma4")
    throw fail("tokenizer.ggml.model is \"" + model +
               "\"; supported: \"llama\" (SentencePiece) and \"gemma4\" (BPE with merges)");
  if (!gguf.has("tokenizer.ggml.tokens")) throw fail("missing key tokenizer.ggml.tokens");
  if (!gguf.has("tokenizer.ggml.scores")) throw fail("missing key tokenizer.ggml.scores");
  const std::vector<std::string_view>& tokens = gguf.get_string_views("tokenizer.ggml.tokens");
  SpmPieces p;
  p.scores = gguf.get_float_array("tokenizer.ggml.scores");
  static const std::vector<int64_t> kNoTypes;
  const std::vector<int64_t>& types =
      gguf.has("tokenizer.ggml.token_type") ? gguf.get_int_array("tokenizer.ggml.token_type") : kNoTypes;
  const size_t n = tokens.size();
  if (n == 0) throw fail("tokenizer.ggml.tokens is empty");
  if (p.scores.size() != n)
    throw fail("tokenizer.ggml.scores has " + std::to_string(p.scores.size()) + " entries but there are " +
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
  spec.unk_piece = tokens[size_t(spec.unk_id)];
  spec.bos_piece = tokens[size_t(spec.bos_id)];
  spec.eos_piece = tokens[size_t(spec.eos_id)];
  spec.pad_piece = spec.pad_id >= 0 ? std::string(tokens[size_t(spec.pad_id)]) : "<pad>";
  if (gguf.has("tokenizer.ggml.add_space_prefix")) {
    spec.add_dummy_prefix = gguf.get_bool("tokenizer.ggml.add_space_prefix");
  } else {
    // llama.cpp's default is true, but Gemma conversions never add a space prefix.
    const bool gemma = gguf.has("general.architecture") &&
                       gguf.get_string("general.architecture").rfind("gemma", 0) == 0;
    spec.add_dummy_prefix = !gemma;
  }

  size_t bytes = 0;
  for (std::string_view t : tokens) bytes += t.size();
  p.pieces.reserve(n, bytes + bytes / 16);  // slack for user-defined pieces whose spaces become U+2581
  p.types.reserve(n);
  bool have_unknown = false;
  bool have_byte = false;
  for (size_t i = 0; i < n; ++i) {
    const int64_t t = types.empty() ? 1 : types[i];
    if (t < 1 || t > 6)
      throw fail("token " + std::to_string(i) + " has token_type " + std::to_string(t) + " (expected 1..6)");
    if (tokens[i].empty()) throw fail("token " + std::to_string(i) + " is an empty string");
    const auto type = static_cast<PieceType>(t);
    push_piece(p, tokens[i], type);
    have_unknown |= type == PieceType::UNKNOWN;
    have_byte |= type == PieceType::BYTE;
  }
  // HF marks <unk> as a special (CONTROL) token; SentencePiece needs exactly one UNKNOWN piece.
  if (!have_unknown) p.types[size_t(spec.unk_id)] = PieceType::UNKNOWN;
  spec.byte_fallback = have_byte;
  return SpmVocabulary(std::move(p), spec, gguf.path());
}

}  // namespace

std::string spm_model_proto_from_gguf(const GgufFile& gguf) { return serialize_spm_model_proto(vocabulary_from_gguf(gguf)); }

Tokenizer Tokenizer::from_serialized_proto(const std::string& proto, const std::string& origin) {
  SpmProto m = parse_spm_model_proto(proto, origin);
  return Tokenizer(SpmVocabulary(std::move(m.pieces), m.spec, origin), origin);
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
  Tokenizer tok(vocabulary_from_gguf(gguf), gguf.path());
  if (gguf.get_string("tokenizer.ggml.model") == "gemma4") {
    if (!gguf.has("tokenizer.ggml.merges"))
      throw std::runtime_error("tokenizer in " + gguf.path() + ": a gemma4 vocabulary needs tokenizer.ggml.merges");
    tok.bpe_ = std::make_shared<BpeMerges>(gguf.get_string_views("tokenizer.ggml.tokens"),
                                           gguf.get_string_views("tokenizer.ggml.merges"), tok.vocab_->unk_id(),
                                           "tokenizer in " + gguf.path());
    for (int id = 0; id < tok.vocab_size(); ++id)
      if (tok.vocab_->type(id) == PieceType::USER_DEFINED) tok.user_defined_.push_back(id);
    tok.init_specials();
  }
  // The GGUF ids are authoritative (sentencepiece's rule gives -1 when e.g. the BOS piece is not CONTROL).
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
    by_id[id.get<int64_t>()] = {piece, byte_piece_value(piece) >= 0 ? PieceType::BYTE : PieceType::NORMAL};
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
  // tokens: the strings by id as the file has them (BpeMerges' vocabulary); p: the SentencePiece pieces.
  std::vector<std::string_view> tokens;
  SpmPieces p;
  for (const auto& [id, entry] : by_id) {
    if (id != static_cast<int64_t>(tokens.size())) throw fail("token ids are not 0.." + std::to_string(by_id.size() - 1));
    if (entry.first.empty()) throw fail("token " + std::to_string(id) + " is empty");
    const PieceType type = entry.first == unk ? PieceType::UNKNOWN : entry.second;
    tokens.push_back(entry.first);
    push_piece(p, entry.first, type);
    p.scores.push_back(0);
  }
  std::vector<std::string> merge_store;
  for (const json& e : m["merges"]) {
    if (e.is_string()) merge_store.push_back(e.get<std::string>());
    else if (e.is_array() && e.size() == 2 && e[0].is_string() && e[1].is_string())
      merge_store.push_back(e[0].get<std::string>() + " " + e[1].get<std::string>());
    else throw fail("a merge is neither \"a b\" nor [\"a\", \"b\"]");
  }
  auto id_of = [&](const std::string& piece, int def) {
    for (size_t i = 0; i < tokens.size(); ++i)
      if (tokens[i] == piece) return static_cast<int>(i);
    return def;
  };
  SpmModelSpec spec;
  spec.bos_id = id_of("<bos>", 2);
  spec.eos_id = id_of("<eos>", 1);
  spec.pad_id = id_of("<pad>", -1);
  spec.unk_id = id_of(unk, 3);
  for (int id : {spec.bos_id, spec.eos_id, spec.unk_id})
    if (id < 0 || id >= static_cast<int>(tokens.size())) throw fail("the vocabulary has no <bos>, <eos> or <unk>");
  p.types[size_t(spec.unk_id)] = PieceType::UNKNOWN;
  spec.unk_piece = tokens[size_t(spec.unk_id)];
  spec.bos_piece = tokens[size_t(spec.bos_id)];
  spec.eos_piece = tokens[size_t(spec.eos_id)];
  if (spec.pad_id >= 0) spec.pad_piece = tokens[size_t(spec.pad_id)];
  spec.byte_fallback = m.value("byte_fallback", true);
  std::vector<int> user_defined;
  for (size_t i = 0; i < p.types.size(); ++i)
    if (p.types[i] == PieceType::USER_DEFINED) user_defined.push_back(static_cast<int>(i));
  Tokenizer tok(SpmVocabulary(std::move(p), spec, path), path);
  tok.bpe_ = std::make_shared<BpeMerges>(tokens, std::vector<std::string_view>(merge_store.begin(), merge_store.end()),
                                         spec.unk_id, "tokenizer " + path);
  tok.user_defined_ = std::move(user_defined);
  tok.init_specials();
  tok.bos_id_ = spec.bos_id;
  tok.eos_id_ = spec.eos_id;
  return tok;
}

}  // namespace vkg
