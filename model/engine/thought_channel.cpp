#include "model/engine/thought_channel.h"

namespace vkg {

ThoughtChannel::ThoughtChannel(const Tokenizer& tok) : text_(tok), thought_(tok) {
  open_ = tok.find_token("<|channel>").value_or(-2);
  close_ = tok.find_token("<channel|>").value_or(-2);
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
