// Gemma 4's tokenizer: byte-fallback BPE with ranked merges (llama.cpp's "gemma4" vocabulary, from the
// checkpoint's tokenizer.json), where Gemma 1-3 had SentencePiece scores. Spaces become U+2581 first; the
// text is split only into runs of newlines and runs of other characters; within a run, the adjacent pair with
// the lowest merge rank is merged until none is left (transformers' BPE); a symbol that is no token is written
// as its bytes (<0xNN>). Special tokens are matched by Tokenizer before this runs.
#pragma once
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace vkg {

class BpeMerges {
 public:
  // tokens: the vocabulary by id; merges: "left right" per rank (rank 0 first). Throws naming `origin` for a
  // merge whose halves or result are not tokens.
  BpeMerges(const std::vector<std::string_view>& tokens, const std::vector<std::string_view>& merges, int unk_id,
            const std::string& origin);
  std::vector<int> encode(std::string_view text) const;

 private:
  void encode_run(const std::string& run, std::vector<int>& out) const;
  int lookup(const std::string& s) const;

  std::unordered_map<std::string, int> ids_;
  std::unordered_map<std::string, int> ranks_;  // "left right" -> rank
  int byte_ids_[256];
  int unk_id_;
};

}  // namespace vkg
