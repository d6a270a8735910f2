// OpenAI function calling (`tools`, `tool_choice`, assistant `tool_calls`, `tool` messages) for Gemma 1-3, which
// have no tool tokens: as Google's function-calling guide for Gemma describes, the functions are declared in
// the prompt with the call syntax `[name(arg=value, ...), ...]`; a reply that is such a list of calls to declared
// functions (bare or in a ```tool_code block) is returned as tool_calls; earlier calls go back into the
// conversation as that text, and the results as ```tool_output blocks in a user turn.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace vkg::app {

struct ToolCall {
  std::string id;         // "call_..." (made by the server for a reply's calls)
  std::string name;
  std::string arguments;  // a JSON object's text, as OpenAI sends it
};

struct ToolUse {
  std::vector<nlohmann::json> functions;  // each {"name", "description"?, "parameters"?}
  std::string choice = "auto";            // "auto", "required", or "function" (only `forced` may be called)
  std::string forced;                     // the function tool_choice names
  bool active() const { return !functions.empty() && choice != "none"; }
};

// `tools` and `tool_choice` of a request; throws ApiError (400) naming the field.
ToolUse parse_tool_use(const nlohmann::json& body);

// The instructions and declarations for the prompt (before the first user message's text).
std::string tool_prompt(const ToolUse& use);

// Calls as the model writes them: [get_weather(city="Paris", days=3)].
std::string calls_text(const std::vector<ToolCall>& calls);

// The calls a reply makes, if it is nothing but a call list (whitespace and a ```tool_code fence allowed) whose
// functions are all declared; nullopt for any other text.
std::optional<std::vector<ToolCall>> parse_tool_calls(const std::string& reply, const ToolUse& use);

// Whether a reply that starts with `text` may still turn out to be a call list (a stream holds it back).
bool may_be_tool_calls(const std::string& text);

}  // namespace vkg::app
