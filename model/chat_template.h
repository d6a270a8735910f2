// Gemma's turn template (gemma-models.md 4.2): <start_of_turn>user\n{text}<end_of_turn>\n<start_of_turn>model\n
// Gemma has no system turn: a system prompt is folded into the first user turn as "{system}\n\n{user}".
#pragma once
#include <string>

namespace vkg {

// The text to append for one user turn. `first`: the conversation's first turn (BOS is added by the
// tokenizer, not here). Otherwise the text starts by closing the model's previous reply: the sampled
// <end_of_turn> that ended it was never fed back, so "<end_of_turn>\n" comes first.
std::string gemma_user_turn(const std::string& user, const std::string& system, bool first);

}  // namespace vkg
