// The generation engine every front end uses (run, chat, the server, the C API): evaluate a prompt (with
// images), sample until a stop rule, stream the text as it settles, cancel on request. Keeps track of the
// tokens in the KV cache so that a prompt extending them (the next turn of a chat) evaluates only its new
// tokens.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "model/engine/stop_strings.h"
#include "model/engine/json_tokens.h"
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

// What to evaluate: token ids, and the embeddings (Session::encode_image) of every image whose run of soft
// tokens the ids hold, in order. Images of runs already in the cache are not read (they may be empty).
struct Prompt {
  std::vector<int> tokens;
  std::vector<std::vector<float>> images;
};

// A generated token's log-probability under the model: log-softmax of its logits (temperature 1, before
// any truncation by top-k/top-p), with the most likely tokens (most likely first, lower id first on ties).
struct TokenLogprob {
  int id = 0;
  float logprob = 0;
  std::vector<std::pair<int, float>> top;
};

struct GenerateParams {
  int max_tokens = 64;
  // >= 0: each generated token's TokenLogprob with this many alternatives (at most kMaxLogprobs); -1: none.
  // Costs a read of the whole logits row per token.
  int logprobs = -1;
  static constexpr int kMaxLogprobs = 20;
  std::function<void(const TokenLogprob&)> on_logprob;  // each one as its token is generated
  SamplerParams sampling;
  std::vector<std::string> stop;  // text that ends generation (not included in the output)
  const std::atomic<bool>* cancel = nullptr;  // set from another thread: stop after the current token
  int reserve = 0;  // context positions kept free after the reply (chat: the closing <end_of_turn>)
  // Gemma 4's thought channel (<|channel>thought\n ... <channel|>) is never part of the text: it goes to
  // GenerateResult::thought and, when set, streams here (chat --think, the server's reasoning_content).
  std::function<bool(const std::string& text)> on_thought;
  // response_format "json_object": the reply is one JSON object (json_tokens.h), the turn ending after it.
  // Reads the whole logits row per token.
  bool json_object = false;
  // When set and true for the reply so far, the reply is complete: the turn ends there (finish stop), e.g. once
  // it is a whole list of tool calls (the server's tools).
  std::function<bool(const std::string& text)> complete;
  // response_format "json_schema": when not empty, the schema (JSON text) the reply is held to by xgrammar's
  // token masks (grammar_constraint.h), the turn ending once the document is complete. Reads the whole logits
  // row per token.
  std::string json_schema;
  // When not empty, an xgrammar structural tag (JSON text) the reply is held to as a schema is: the server's
  // tool_choice "required" or named function (app/tool_calls.h), tool tokens named by id.
  std::string structural_tag;
  // Tokens that end the reply besides eos and the end of turn (finish stop, not part of the text): Gemma 4's
  // <|tool_response>, where the model hands over to the tools it called.
  std::vector<int> end_ids;
};

struct GenerateResult {
  std::string text;
  std::string thought;  // Gemma 4: the thought channel's text (its "thought" header line dropped)
  int prompt_tokens = 0;
  int reused_tokens = 0;  // prompt tokens whose keys and values were already in the cache
  int completion_tokens = 0;
  FinishReason finish = FinishReason::stop;
  double prompt_seconds = 0, generation_seconds = 0;  // evaluating the new prompt tokens; the tokens after
  std::vector<TokenLogprob> logprobs;  // with GenerateParams::logprobs >= 0: one per generated token
};

// Receives each settled piece of text (complete UTF-8, never part of a stop string); returns false to cancel.
using TextCallback = std::function<bool(const std::string& text)>;

class Generator {
 public:
  // Generates in `sequence` of the session (Session::select).
  explicit Generator(Session& session, int sequence = 0);
  // Throws std::runtime_error when the prompt is empty or longer than the context.
  GenerateResult generate(const Prompt& prompt, const GenerateParams& params, const TextCallback& on_text);
  GenerateResult generate(const std::vector<int>& prompt, const GenerateParams& params, const TextCallback& on_text) {
    return generate(Prompt{prompt, {}}, params, on_text);
  }
  // Forgets the cache (the next prompt is evaluated from the start).
  void reset();
  // The tokens whose keys and values are in the session's cache, in order: a prompt that starts with them
  // evaluates only the rest.
  const std::vector<int>& cached_tokens() const { return cached_; }
  Session& session() { return session_; }

 private:
  friend class BatchEngine;  // runs its requests' steps itself (batch_engine.h)

  Session& session_;
  int sequence_ = 0;
  std::vector<int> cached_;
  std::unique_ptr<JsonTokens> json_tokens_;  // made at the first json_object request
};

}  // namespace vkg
