#include "model/engine/thought_channel.h"

#include <algorithm>

#include "model/chat_template.h"

namespace vkg {

ThoughtChannel::ThoughtChannel(const Tokenizer& tok) : text_(tok), thought_(tok) {
  open_ = tok.find_token("<|channel>").value_or(-2);
  close_ = tok.find_token("<channel|>").value_or(-2);
  auto shown = [&](const char* piece) {
    if (std::optional<int> id = tok.find_token(piece); id && tok.is_control(*id)) tool_tokens_.push_back(*id);
  };
  for (const char* piece : kGemma4ToolTokens) shown(piece);
  shown(kGemma4Quote);
  tok_ = &tok;
}

ThoughtChannel::Piece ThoughtChannel::push(int id) {
  Piece p;
  if (id == open_ || id == close_) {
    inside_ = id == open_;
    named_ = false;
    name_.clear();
    return p;
  }
  if (!inside_) {
    p.text = text_.push(id);
    if (std::find(tool_tokens_.begin(), tool_tokens_.end(), id) != tool_tokens_.end()) p.text += tok_->piece(id);
    return p;
  }
  std::string t = thought_.push(id);
  if (!named_) {
    name_ += t;
    const size_t nl = name_.find('\n');
    if (nl == std::string::npos) return p;
    named_ = true;
    t = name_.substr(nl + 1);
  }
  p.thought = t;
  return p;
}

}  // namespace vkg
