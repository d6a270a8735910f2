#include "model/engine/generator.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "model/engine/generation_run.h"

namespace vkg {

const char* finish_reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::stop: return "stop";
    case FinishReason::length: return "length";
    case FinishReason::context_full: return "context_full";
    case FinishReason::cancelled: return "cancelled";
  }
  return "?";
}

Generator::Generator(Session& session, int sequence) : session_(session), sequence_(sequence) {
  session_.select(sequence_);  // checks it
}

void Generator::reset() {
  session_.select(sequence_);
  session_.reset();
  cached_.clear();
}

GenerateResult Generator::generate(const Prompt& prompt, const GenerateParams& params, const TextCallback& on_text) {
  GenerationRun run(session_, sequence_, cached_, json_tokens_, prompt, params, on_text);
  try {
    while (!run.finished()) run.step_alone();
  } catch (...) {
    run.fail();
    throw;
  }
  return run.finish();
}

}  // namespace vkg
