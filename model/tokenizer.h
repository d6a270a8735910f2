// Gemma's tokenizer. Gemma 1-3: SentencePiece BPE over a flat vocabulary (spm_vocabulary.h) read from a GGUF's
// tokenizer.ggml.* arrays or a tokenizer.model, encoded and decoded as sentencepiece does (spm_bpe.h) without
// building its ModelProto and maps (150 ms and 40 MB for Gemma 3's 262,144 pieces). Gemma 4: the same vocabulary,
// plain text encoded by ranked merges (bpe_merges.h).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/spm_proto.h"
#include "model/spm_vocabulary.h"

namespace vkg {

class GgufFile;

// The ModelProto of a GGUF's vocabulary: what sentencepiece loads to tokenize as Tokenizer::from_gguf does
// (for tools and tests).
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
  // Text in parts, each parsed for control tokens or not (`specials`, as above), encoded as their joined text
  // would be: the plain text between two control tokens is one run whatever parts it spans, so a prompt
  // rendered in pieces (template text and what users wrote) gets the tokens of the whole rendered text.
  struct TextPart {
    std::string_view text;
    bool specials = true;
  };
  std::vector<int> encode_parts(const std::vector<TextPart>& parts, bool add_bos) const;
  // Control tokens decode to nothing; throws on an id outside the vocabulary.
  std::string decode(const std::vector<int>& ids) const;
  std::string piece(int id) const;  // raw piece text (U+2581 for spaces); throws on a bad id

  int vocab_size() const;
  int bos_id() const { return bos_id_; }
  int eos_id() const { return eos_id_; }
  std::optional<int> find_token(const std::string& piece) const;
  bool is_control(int id) const;
  bool is_byte(int id) const;
  // The vocabulary as a serialized ModelProto: sentencepiece loads it to tokenize the same way.
  std::string serialized_proto() const;

 private:
  Tokenizer(SpmVocabulary vocab, std::string origin);
  void init_specials();
  void check_id(int id) const;

  // On the heap: specials_ holds views of its piece bytes, which a move of the Tokenizer must not move.
  std::unique_ptr<const SpmVocabulary> vocab_;
  // Gemma 4: plain text is encoded by ranked merges (the pieces, bytes and decoding stay the vocabulary's).
  std::shared_ptr<const BpeMerges> bpe_;
  // ... and its rendered markers (<|channel>, tool calls: user-defined pieces, which merges never produce from
  // text) are matched in text like control tokens.
  std::vector<int> user_defined_;
  std::string origin_;
  int bos_id_ = -1;
  int eos_id_ = -1;
  // Special token strings matched in raw text: string (a view of the vocabulary's piece) -> id, and the
  // distinct lengths, longest first.
  std::unordered_map<std::string_view, int> specials_;
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
