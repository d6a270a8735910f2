// SentencePiece's ModelProto (sentencepiece_model.proto) in protobuf wire format: read from a tokenizer.model
// into a vocabulary, and written from one (for tools and tests that hand a vocabulary to sentencepiece).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "model/spm_vocabulary.h"

namespace vkg {

// A BPE ModelProto with an identity normalizer: the pieces, and the spec's trainer and normalizer settings.
std::string serialize_spm_model_proto(const std::vector<SpmPiece>& pieces, const SpmModelSpec& spec);
std::string serialize_spm_model_proto(const SpmVocabulary& vocab);

struct SpmProto {
  SpmPieces pieces;
  SpmModelSpec spec;
};

// Reads what encoding and decoding need, with the proto's defaults where a field is absent. Throws
// std::runtime_error naming `origin` for malformed protobuf and for what spm_encode does not implement:
// another model type than BPE, a normalization table (precompiled_charsmap), whitespace as a suffix.
SpmProto parse_spm_model_proto(std::string_view bytes, const std::string& origin);

}  // namespace vkg
