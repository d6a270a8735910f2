// SentencePiece's BPE encoding and decoding for models without a normalization table (Gemma 1-3), on an
// SpmVocabulary: the ids and the text sentencepiece 0.1.97 gives, reimplemented from its rules
// (normalizer.cc, bpe_model.cc, sentencepiece_processor.cc):
// - normalize: a user-defined piece is kept whole; every other well-formed UTF-8 character is kept and each
//   byte of a malformed one becomes U+FFFD; spaces become U+2581; the spec's dummy prefix and whitespace
//   trimming are applied;
// - split into characters, user-defined pieces whole (frozen: never merged);
// - repeatedly merge the adjacent pair whose concatenation is the highest-scoring piece (ties: leftmost),
//   UNUSED pieces included, then split pieces that are UNUSED back into the pair they were merged from;
// - a piece that is no token is its bytes (<0xNN>) with byte fallback, else one unknown id per run.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "model/spm_vocabulary.h"

namespace vkg {

// Appends the ids of `text` to out. Throws std::runtime_error naming `origin` where sentencepiece's Encode
// fails (a character that is itself a CONTROL piece).
void spm_encode(const SpmVocabulary& vocab, std::string_view text, std::vector<int>& out, const std::string& origin);

// The text of ids (each must be inside the vocabulary): control pieces are empty, U+2581 is a space, runs of
// byte pieces are UTF-8 with U+FFFD for each byte of a malformed character.
std::string spm_decode(const SpmVocabulary& vocab, const std::vector<int>& ids);

}  // namespace vkg
