// The sampling a model's publisher recommends, used where the user gives none: a Hugging Face directory's
// generation_config.json (do_sample, temperature, top_k, top_p, min_p, repetition_penalty), a GGUF's
// general.sampling.* keys (llama.cpp's: temp, top_k, top_p, min_p, penalty_repeat, penalty_last_n), else
// Gemma's published defaults: temperature 1.0, top-k 64, top-p 0.95.
#pragma once
#include <string>

#include "model/model.h"
#include "model/sampler.h"

namespace vkg {

struct SamplingDefaults {
  SamplerParams params;
  std::string source;  // "generation_config.json", "GGUF general.sampling", "Gemma's defaults"
};

// Throws naming the file when generation_config.json exists but is malformed.
SamplingDefaults sampling_defaults(const Model& model);

}  // namespace vkg
