// Gemma's turn template (gemma-models.md 4.2): <start_of_turn>user\n{text}<end_of_turn>\n<start_of_turn>model\n
// Gemma has no system turn: a system prompt is folded into the first user turn as "{system}\n\n{user}".
#pragma once
#include <string>
#include <vector>

namespace vkg {

// The text to append for one user turn. `first`: the conversation's first turn (BOS is added by the
// tokenizer, not here). Otherwise the text starts by closing the model's previous reply: the sampled
// <end_of_turn> that ended it was never fed back, so "<end_of_turn>\n" comes first.
std::string gemma_user_turn(const std::string& user, const std::string& system, bool first);

struct ChatMessage {
  std::string role;  // "system" (first message only), "user", "assistant" (or "model")
  std::string content;
};

// A whole conversation as Gemma 3's own chat template renders it (without BOS, which the tokenizer adds),
// ending with the opened model turn: a leading system message becomes "{system}\n\n" before the first user
// turn, contents are trimmed, assistant turns are "model" turns. Throws unless the roles after the system
// message alternate user/assistant starting with user.
std::string gemma_chat_prompt(const std::vector<ChatMessage>& messages);

}  // namespace vkg
