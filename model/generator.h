// The generation loop the server and the C API share: evaluate a prompt, sample until a stop condition,
// stream the text as it settles. Keeps track of the tokens in the KV cache so that a prompt extending them
// (the next turn of a chat) evaluates only its new tokens.
#pragma once
#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "model/sampler.h"
#include "model/session.h"
#include "model/tokenizer.h"

namespace vkg {

enum class FinishReason {
  stop,          // eos, <end_of_turn> or a stop string
  length,        // max_tokens reached
  context_full,  // no room left in the context
  cancelled,     // the callback asked to stop
};
const char* finish_reason_name(FinishReason r);  // "stop", "length", "context_full", "cancelled"

struct GenerateParams {
  int max_tokens = 64;
  SamplerParams sampling;
  std::vector<std::string> stop;  // text that ends generation (not included in the output)
  const std::atomic<bool>* cancel = nullptr;  // set from another thread: stop after the current token
};

struct GenerateResult {
  std::string text;
  int prompt_tokens = 0;
  int reused_tokens = 0;  // prompt tokens whose keys and values were already in the cache
  int completion_tokens = 0;
  FinishReason finish = FinishReason::stop;
};

// Receives each settled piece of text (complete UTF-8, never part of a stop string); returns false to cancel.
using TextCallback = std::function<bool(const std::string& text)>;

class Generator {
 public:
  explicit Generator(Session& session);

  // Throws std::runtime_error when the prompt is empty or longer than the context.
  GenerateResult generate(const std::vector<int>& prompt, const GenerateParams& params, const TextCallback& on_text);
  // Forgets the cache (the next prompt is evaluated from the start).
  void reset();

 private:
  int feed(const std::vector<int>& tokens, Sampler& sampler);

  Session& session_;
  std::vector<int> cached_;  // the tokens whose keys and values are in the session's cache, in order
};

// Splits text at stop strings while streaming: push() returns what can be emitted now, holding back a tail
// that may still become a stop string. found() once a stop string has appeared (the text before it was
// returned, the rest is dropped).
class StopStringFilter {
 public:
  explicit StopStringFilter(std::vector<std::string> stops);
  std::string push(const std::string& text);
  std::string flush();  // the held-back tail, at the end of generation
  bool found() const { return found_; }

 private:
  std::vector<std::string> stops_;
  std::string pending_;
  bool found_ = false;
};

}  // namespace vkg
