// Gemma tokenizer on top of libsentencepiece. A GGUF vocabulary is turned back into a serialized
// sentencepiece ModelProto (see docs gemma-models.md 4.3); a tokenizer.model file is loaded directly.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace vkg {

class GgufFile;

// SentencePiece piece types (same numbering as GGUF tokenizer.ggml.token_type).
enum class PieceType : int { NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6 };

struct SpmPiece {
  std::string piece;
  float score = 0;
  PieceType type = PieceType::NORMAL;
};

// What goes into the rebuilt ModelProto besides the pieces.
struct SpmModelSpec {
  bool byte_fallback = true;
  bool split_digits = true;
  bool add_dummy_prefix = false;
  int unk_id = 3, bos_id = 2, eos_id = 1, pad_id = 0;
  std::string unk_piece = "<unk>", bos_piece = "<bos>", eos_piece = "<eos>", pad_piece = "<pad>";
};

// Serializes a sentencepiece.ModelProto (BPE, identity normalizer) in protobuf wire format.
std::string serialize_spm_model_proto(const std::vector<SpmPiece>& pieces, const SpmModelSpec& spec);

// The ModelProto that Tokenizer::from_gguf loads (exposed for tests and tools).
std::string spm_model_proto_from_gguf(const GgufFile& gguf);

class BpeMerges;

class Tokenizer {
 public:
  // Throws std::runtime_error naming the file and what was wrong.
  static Tokenizer from_gguf(const GgufFile& gguf);
  static Tokenizer from_model_file(const std::string& path);
  // A Hugging Face tokenizer.json of a byte-fallback BPE with merges (Gemma 4's).
  static Tokenizer from_hf_json(const std::string& path);
  // `origin` names the source in error messages.
  static Tokenizer from_serialized_proto(const std::string& proto, const std::string& origin);

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // Control/unknown token strings written in the text (e.g. "<start_of_turn>") become their single id, unless
  // `specials` is false (text a user typed: never control tokens). With add_bos, BOS is prepended unless the
  // text already starts with the BOS token string.
  std::vector<int> encode(const std::string& text, bool add_bos, bool specials = true) const;
  // Control tokens decode to nothing; throws on an id outside the vocabulary.
  std::string decode(const std::vector<int>& ids) const;
  std::string piece(int id) const;  // raw piece text (U+2581 for spaces); throws on a bad id

  int vocab_size() const;
  int bos_id() const { return bos_id_; }
  int eos_id() const { return eos_id_; }
  std::optional<int> find_token(const std::string& piece) const;
  bool is_control(int id) const;
  bool is_byte(int id) const;
  // The serialized ModelProto this tokenizer was loaded from.
  const std::string& serialized_proto() const { return proto_; }

 private:
  Tokenizer();
  void init_specials();
  void check_id(int id) const;

  std::unique_ptr<sentencepiece::SentencePieceProcessor> sp_;
  // Gemma 4: plain text is encoded by ranked merges (the pieces, bytes and decoding stay sentencepiece's).
  std::shared_ptr<const BpeMerges> bpe_;
  // ... and its rendered markers (<|channel>, tool calls: user-defined pieces, which merges never produce from
  // text) are matched in text like control tokens.
  std::vector<int> user_defined_;
  std::string origin_;
  std::string proto_;
  int bos_id_ = -1;
  int eos_id_ = -1;
  // Special token strings matched in raw text: string -> id, and the distinct lengths, longest first.
  std::unordered_map<std::string, int> specials_;
  std::vector<size_t> special_lengths_;
  uint8_t special_first_byte_[256] = {};
};

// Turns generated ids into text one token at a time; the concatenation of everything push() returned
// equals decode() of all ids pushed, except that an incomplete trailing UTF-8 character (split over
// byte-fallback tokens) is held back until it is complete.
class TokenStreamDecoder {
 public:
  explicit TokenStreamDecoder(const Tokenizer& tok);
  std::string push(int id);

 private:
  size_t valid_char_at_end() const;

  const Tokenizer& tok_;
  std::vector<int> window_;  // [anchor token(s)] + ids not yet settled
  bool has_anchor_ = false;
  size_t anchor_len_ = 0;   // decoded length of the anchor
  size_t emitted_ = 0;      // bytes of decode(window_) beyond the anchor already returned
};

}  // namespace vkg
