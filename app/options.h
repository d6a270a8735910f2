// Options several commands share: sampling and session (backend, device, threads, context).
#pragma once
#include <string>

#include "app/args.h"
#include "model/sampler.h"
#include "model/session.h"

namespace vkg::app {

// --quant q8_0|q4_0, --mmproj FILE.
LoadOptions load_options(const Args& args);
// Sampling from the flags (--temp, --top-k, --top-p, --min-p, --repeat-penalty, --repeat-last-n, --seed); a flag
// not given keeps `defaults` (the model's: model/sampling_defaults.h). Throws for a value out of range.
SamplerParams sampler_params(const Args& args, const SamplerParams& defaults);
// "greedy", or the values, for the user.
std::string describe_sampling(const SamplerParams& p);
// --backend (default auto), --device, --threads, --ctx, --max-memory.
SessionOptions session_options(const Args& args);

}  // namespace vkg::app
