// Gemma's turn templates. Gemma 1-3 (gemma-models.md 4.2): <start_of_turn>user\n{text}<end_of_turn>\n
// <start_of_turn>model\n, no system turn (a system prompt is folded into the first user turn as
// "{system}\n\n{user}"). Gemma 4 (gemma4.md 4): <|turn>user\n{text}<turn|>\n<|turn>model\n, a system turn of its
// own, thinking switched on by <|think|> in the system turn and off by an empty thought channel after the
// opened model turn. The checkpoints' Jinja templates are not run: these are their renderings.
#pragma once
#include <string>
#include <vector>

#include "model/config.h"
#include "model/tokenizer.h"

namespace vkg {

enum class ChatFormat { gemma, gemma4 };
// The checkpoint's own template decides where it has one (its turn markers: <|turn> or <start_of_turn>; the
// Jinja itself is not run), else the generation.
ChatFormat chat_format(Generation g, const std::string& checkpoint_template = "");

// A rendered prompt: template text (its control tokens parsed) and what users wrote (never control tokens).
struct PromptPiece {
  std::string text;
  bool user = false;
};
using PromptPieces = std::vector<PromptPiece>;
std::string join_text(const PromptPieces& pieces);
// The pieces' tokens, as the joined text's (Tokenizer::encode_parts): control tokens only from template text.
std::vector<int> encode_pieces(const Tokenizer& tok, const PromptPieces& pieces, bool add_bos);

// One user turn in `format` (see gemma_user_turn); think: Gemma 4's thinking on (the first turn's system turn
// says so), else its empty thought channel follows the opened model turn.
PromptPieces chat_user_turn(ChatFormat format, const std::string& user, const std::string& system, bool first,
                            bool think = false, int images = 0);

// The text to append for one user turn. `first`: the conversation's first turn (BOS is added by the
// tokenizer, not here). Otherwise the text starts by closing the model's previous reply: the sampled
// <end_of_turn> that ended it was never fed back, so "<end_of_turn>\n" comes first.
std::string gemma_user_turn(const std::string& user, const std::string& system, bool first);

// Gemma 4's function-calling tokens (gemma4.md 4), which only its template and the model write: a reply shows
// them as their text whether the vocabulary marks them control tokens (tokenizer.json) or user-defined ones
// (llama.cpp's GGUF), so that its calls can be read; they are never JSON text, and a grammar allows them only
// where it names them by id (grammar_constraint.h), as the thought channel's markers.
inline constexpr const char* kGemma4ToolTokens[] = {"<|tool_call>", "<tool_call|>", "<|tool_response>",
                                                    "<tool_response|>", "<|tool>", "<tool|>"};
inline constexpr const char* kGemma4ChannelTokens[] = {"<|channel>", "<channel|>"};
// The delimiter of strings in Gemma 4's calls: text to a grammar (its "gemma" style spells strings with it).
inline constexpr const char* kGemma4Quote = "<|\"|>";

// Where an image goes in a Gemma 3 prompt (expanded by model/image_prompt.h into the image's tokens).
inline constexpr const char* kImageMarker = "<start_of_image>";

struct ChatMessage {
  std::string role;  // "system" (first message only), "user", "assistant" (or "model"); Gemma 4: "tool" too
  std::string content;
  int images = 0;    // images of a user message (Gemma 3): a <start_of_image> marker each, before its text
  // Gemma 4's function calling, already written in its template's syntax by the caller (app/tool_calls_gemma4.cpp):
  // an assistant message's calls (<|tool_call>call:NAME{...}<tool_call|> each) and a "tool" message's result
  // (<|tool_response>response:NAME{value:...}<tool_response|>), which goes into the model turn of the calls.
  PromptPieces tool_calls = {};
  PromptPieces tool_result = {};
};

// A whole conversation as Gemma 3's own chat template renders it (without BOS, which the tokenizer adds),
// ending with the opened model turn: a leading system message becomes "{system}\n\n" before the first user
// turn, contents are trimmed, assistant turns are "model" turns. Throws unless the roles after the system
// message alternate user/assistant starting with user.
std::string gemma_chat_prompt(const std::vector<ChatMessage>& messages);
// The same in `format`; Gemma 4 keeps a leading system message as its own turn. Gemma 4 as its checkpoints'
// template (assets/templates/gemma4_chat_template.jinja) renders tools: the function declarations `tools`
// (<|tool>declaration:...<tool|> each, written by the caller) at the end of the system turn; an assistant
// message's calls, then the results of the "tool" messages after it, in the same model turn, which stays open
// after results without text (the model goes on there: no generation prompt follows them; a later assistant
// message continues that turn).
PromptPieces chat_prompt(ChatFormat format, const std::vector<ChatMessage>& messages, bool think = false,
                         const PromptPieces& tools = {});

}  // namespace vkg
