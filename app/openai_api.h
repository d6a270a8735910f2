// The OpenAI-compatible request and response shapes that `vkgemma serve` speaks, as plain functions over
// JSON: parsing checks every field it uses and throws ApiError (HTTP 400) naming the field; unknown fields
// are ignored, as OpenAI's own server does for fields it does not know.
#pragma once
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/tool_calls.h"
#include "model/chat_template.h"
#include "model/engine/generator.h"
#include "model/tokenizer.h"

namespace vkg::app {

inline constexpr int kMaxImagesPerRequest = 8;

struct ApiError : std::runtime_error {
  ApiError(int status, const std::string& message, const std::string& param = "")
      : std::runtime_error(message), status(status), param(param) {}
  int status;
  std::string param;
};

struct CompletionRequest {
  bool chat = false;                  // /v1/chat/completions (else /v1/completions)
  std::vector<ChatMessage> messages;  // chat
  // The bytes of each image_url part (data: URLs, base64-decoded), in order; ChatMessage::images says whose.
  std::vector<std::string> images;
  std::string prompt;                 // completions
  std::vector<int> prompt_tokens;     // completions given as token ids (then prompt is empty)
  GenerateParams params;
  bool seeded = false;  // a seed was given; otherwise the server picks one
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  // Log-probabilities asked for (params.logprobs >= 0): chat "logprobs": true with "top_logprobs" 0-20;
  // completions "logprobs": 0-5 (their legacy shape).
  bool logprobs = false;
  // Gemma 4's thinking ("think": true): on in the prompt, and its thought returned as reasoning_content (the
  // field llama.cpp's and DeepSeek's servers use); off, the thought never reaches the reply.
  bool think = false;
  ToolUse tools;  // chat: the declared functions and tool_choice (their calls and results are in `messages`)
  ChatFormat format = ChatFormat::gemma;  // the model's, which the messages are written for
  PromptPieces tool_declarations;         // Gemma 4: the declarations for its system turn (chat_prompt's tools)
};

// `default_max_tokens` applies when the request names none (OpenAI: no limit; we stop at the context);
// `sampling` for the sampling fields it does not give (the model's defaults: model/sampling_defaults.h); a chat's
// messages are written for `format` (the model's chat format: its function-calling syntax, its roles).
CompletionRequest parse_completion_request(const std::string& body, bool chat, int default_max_tokens,
                                           const SamplerParams& sampling = {1.0f, 0, 1.0f},
                                           ChatFormat format = ChatFormat::gemma);

// The error object OpenAI clients understand: {"error": {"message", "type", "param", "code"}}.
nlohmann::json error_json(const std::string& message, const std::string& type, const std::string& param = "");

struct ResponseIds {
  std::string id;     // "chatcmpl-N" / "cmpl-N"
  int64_t created;    // Unix seconds
  std::string model;  // the served model's name
};

const char* openai_finish_reason(FinishReason r);  // "stop" or "length"
nlohmann::json usage_json(const GenerateResult& r);
// The "logprobs" of a choice for these tokens: chat {"content": [{token, logprob, bytes, top_logprobs}]},
// completions {tokens, token_logprobs, top_logprobs, text_offset}. `offset`: where the first token's text
// starts in the choice's text; advanced past these tokens (a stream's chunks continue from it).
nlohmann::json logprobs_json(const Tokenizer& tok, bool chat, const std::vector<TokenLogprob>& lps, size_t& offset);
// `tok` given when the request asked for logprobs (else the field is null); `calls`: the reply is these tool
// calls (message.tool_calls, finish_reason "tool_calls", no content).
nlohmann::json completion_json(const ResponseIds& ids, bool chat, const GenerateResult& r, const Tokenizer* tok = nullptr,
                               const std::vector<ToolCall>* calls = nullptr);
// The streamed chunk of a reply's tool calls (delta.tool_calls), with finish_reason "tool_calls".
nlohmann::json tool_calls_chunk_json(const ResponseIds& ids, const std::vector<ToolCall>& calls);
// One streamed chunk: a piece of text, or (finish given) the last chunk with its finish_reason; `logprobs`
// the choice's logprobs for the tokens of this chunk (or null).
nlohmann::json chunk_json(const ResponseIds& ids, bool chat, const std::string& text, const char* finish = nullptr,
                          bool first = false, const nlohmann::json& logprobs = nullptr);
// A streamed chunk of the thought (chat): delta.reasoning_content.
nlohmann::json thought_chunk_json(const ResponseIds& ids, const std::string& text);

}  // namespace vkg::app
