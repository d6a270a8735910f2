// Options several commands share: sampling and session (backend, device, threads, context).
#pragma once
#include "app/args.h"
#include "model/sampler.h"
#include "model/session.h"

namespace vkg::app {

// --quant q8_0|q4_0, --mmproj FILE.
LoadOptions load_options(const Args& args);
// --temp, --top-k, --top-p, --seed.
SamplerParams sampler_params(const Args& args);
// --backend (default auto), --device, --threads, --ctx, --max-memory.
SessionOptions session_options(const Args& args);

}  // namespace vkg::app
