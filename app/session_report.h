// The lines `run -v`, `chat -v` and `info -m` print about a loaded model: what was loaded and where its
// memory is, by part.
#pragma once
#include <string>

#include "model/session.h"

namespace vkg::app {

// "loaded PATH (Gemma 3 270m, 235 MiB of weights) in 0.20 s; backend cpu, context 32768 tokens"
std::string load_line(const Session& session, double load_seconds);

// "memory: weights 235.0 MiB (mapped file), repacked 230.1 MiB, KV cache 9.0 MiB (209 MiB at the full
// context), activations 24.8 MiB; process resident 480.2 MiB, peak 518.0 MiB"
std::string memory_line(const Session& session);

}  // namespace vkg::app
