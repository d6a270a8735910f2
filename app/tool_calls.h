// OpenAI function calling (`tools`, `tool_choice`, assistant `tool_calls`, `tool` messages) in the syntax of the
// model's chat format, behind one interface (ToolSyntax, chosen by tool_syntax(format)):
//
// - Gemma 1-3 have no tool tokens: as Google's function-calling guide for Gemma describes, the functions are
//   declared in the prompt with the call syntax `[name(arg=value, ...), ...]`; a reply that is such a list of
//   calls to declared functions (bare or in a ```tool_code block) is returned as tool_calls; earlier calls go back
//   into the conversation as that text, and the results as ```tool_output blocks in a user turn (this file).
// - Gemma 4 has tool tokens and its own syntax (app/tool_calls_gemma4.cpp): declarations <|tool>declaration:...
//   <tool|> in the system turn, calls <|tool_call>call:NAME{key:value,...}<tool_call|> with strings between
//   <|"|> tokens, results <|tool_response>response:NAME{value:...}<tool_response|> in the model's turn.
//
// tool_choice "required" or a named function is enforced, not only asked for: constraint() is an xgrammar
// structural tag (model/engine/grammar_constraint.h) that allows only a list of calls of the declared functions
// (or of the named one), their arguments held to each function's JSON-schema `parameters`.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "model/chat_template.h"
#include "model/tokenizer.h"

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
  // The reply must be calls (tool_choice "required" or a named function): held to them by a grammar.
  bool enforced() const { return active() && choice != "auto"; }
};

// `tools` and `tool_choice` of a request; throws ApiError (400) naming the field.
ToolUse parse_tool_use(const nlohmann::json& body);

// A chat message as the request gives it: the model's message (role, text, images) and what function calling
// adds to it, before a syntax writes that into the prompt.
struct RequestMessage {
  ChatMessage message;
  std::vector<ToolCall> calls;     // an assistant's tool_calls
  std::string tool_call_id, name;  // a tool message: the call it answers (and the function's name, if given)
};

class ToolSyntax {
 public:
  virtual ~ToolSyntax() = default;
  // The messages for chat_prompt, with the calls and results written in this syntax, and the declarations
  // (when `use` is active) where the format wants them: Gemma 1-3 before the first message's text, Gemma 4 in
  // `declarations` for its system turn. Throws ApiError (400) for a call whose arguments are not a JSON object.
  virtual std::vector<ChatMessage> render(const std::vector<RequestMessage>& in, const ToolUse& use,
                                          PromptPieces& declarations) const = 0;
  // The calls a reply makes, if it is nothing but calls (whitespace around them allowed) of declared functions
  // (of the named one for a named tool_choice); nullopt for any other text.
  virtual std::optional<std::vector<ToolCall>> parse(const std::string& reply, const ToolUse& use) const = 0;
  // Whether a reply that starts with `text` may still turn out to be calls (a stream holds it back).
  virtual bool may_be_calls(const std::string& text) const = 0;
  // Whether the reply `text` is finished: the turn ends there (Gemma 1-3: a whole call list).
  virtual bool complete(const std::string& text, const ToolUse& use) const = 0;
  // The xgrammar structural tag (JSON) that allows only calls, for use.enforced(): one or more calls of any
  // declared function ("required"), or one call of the named function; `think`: Gemma 4's thought may come
  // first. Token ids come from `tok`.
  virtual std::string constraint(const ToolUse& use, const Tokenizer& tok, bool think) const = 0;
  // Tokens that end a reply, besides the end of turn (Gemma 4: <|tool_response>, where the model hands over).
  virtual std::vector<int> end_ids(const Tokenizer& tok) const = 0;
};

// Gemma 1-3's syntax, or Gemma 4's.
const ToolSyntax& tool_syntax(ChatFormat format);

// Gemma 1-3's pieces, for tests and the syntax above: the instructions and declarations for the prompt; calls as
// the model writes them ([get_weather(city="Paris", days=3)]); a reply's calls.
std::string tool_prompt(const ToolUse& use);
std::string calls_text(const std::vector<ToolCall>& calls);
std::optional<std::vector<ToolCall>> parse_tool_calls(const std::string& reply, const ToolUse& use);
bool may_be_tool_calls(const std::string& text);

}  // namespace vkg::app
