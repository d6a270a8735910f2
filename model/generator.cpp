#include "model/generator.h"

#include <algorithm>
#include <stdexcept>

namespace vkg {

const char* finish_reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::stop: return "stop";
    case FinishReason::length: return "length";
    case FinishReason::context_full: return "context_full";
    case FinishReason::cancelled: return "cancelled";
  }
  return "?";
}

StopStringFilter::StopStringFilter(std::vector<std::string> stops) : stops_(std::move(stops)) {
  std::erase_if(stops_, [](const std::string& s) { return s.empty(); });
}

std::string StopStringFilter::push(const std::string& text) {
  if (found_) return "";
  pending_ += text;
  size_t first = std::string::npos;
  for (const std::string& s : stops_) first = std::min(first, pending_.find(s));
  if (first != std::string::npos) {
    found_ = true;
    std::string out = pending_.substr(0, first);
    pending_.clear();
    return out;
  }
  // Hold back the longest tail of pending_ that is the start of some stop string.
  size_t hold = 0;
  for (const std::string& s : stops_)
    for (size_t n = std::min(s.size() - 1, pending_.size()); n > hold; --n)
      if (pending_.compare(pending_.size() - n, n, s, 0, n) == 0) {
        hold = n;
        break;
      }
  std::string out = pending_.substr(0, pending_.size() - hold);
  pending_.erase(0, pending_.size() - hold);
  return out;
}

std::string StopStringFilter::flush() {
  std::string out = found_ ? "" : pending_;
  pending_.clear();
  return out;
}

Generator::Generator(Session& session) : session_(session) {}

void Generator::reset() {
  session_.reset();
  cached_.clear();
}

// Appends tokens to the cache and returns the next token.
int Generator::feed(const std::vector<int>& tokens, Sampler& sampler) {
  const int next = session_.eval_sample(tokens, sampler);
  cached_.insert(cached_.end(), tokens.begin(), tokens.end());
  return next;
}

GenerateResult Generator::generate(const std::vector<int>& prompt, const GenerateParams& params,
                                   const TextCallback& on_text) {
  if (prompt.empty()) throw std::runtime_error("the prompt is empty");
  const int context = session_.context();
  if (static_cast<int64_t>(prompt.size()) > context)
    throw std::runtime_error("the prompt has " + std::to_string(prompt.size()) + " tokens, more than the context of " +
                             std::to_string(context));
  GenerateResult result;
  result.prompt_tokens = static_cast<int>(prompt.size());

  // Reuse the cache only when it holds a strict prefix of this prompt: the cache is never rewound (sliding
  // layers keep a ring, whose older entries are already overwritten).
  const bool extends = cached_.size() < prompt.size() && session_.position() == static_cast<int>(cached_.size()) &&
                       std::equal(cached_.begin(), cached_.end(), prompt.begin());
  if (!extends) reset();
  result.reused_tokens = static_cast<int>(cached_.size());
  const std::vector<int> fresh(prompt.begin() + static_cast<std::ptrdiff_t>(cached_.size()), prompt.end());

  const GemmaConfig& c = session_.model().config();
  Sampler sampler(params.sampling);
  TokenStreamDecoder decoder(session_.model().tokenizer());
  StopStringFilter stops(params.stop);
  auto emit = [&](const std::string& text) {
    if (text.empty()) return true;
    result.text += text;
    return on_text ? on_text(text) : true;
  };

  try {
    int next = feed(fresh, sampler);
    result.finish = FinishReason::length;
    while (result.completion_tokens < params.max_tokens) {
      if (next == c.eos_id || next == c.end_of_turn_id) {
        result.finish = FinishReason::stop;
        break;
      }
      ++result.completion_tokens;
      if (!emit(stops.push(decoder.push(next))) || (params.cancel && *params.cancel)) {
        result.finish = FinishReason::cancelled;
        break;
      }
      if (stops.found()) {
        result.finish = FinishReason::stop;
        break;
      }
      if (result.completion_tokens == params.max_tokens) break;
      if (session_.position() >= context) {
        result.finish = FinishReason::context_full;
        break;
      }
      next = feed({next}, sampler);
    }
  } catch (...) {
    cached_.clear();  // the cache's contents are unknown after a failed step
    session_.reset();
    throw;
  }
  if (result.finish != FinishReason::cancelled) emit(stops.flush());
  return result;
}

}  // namespace vkg
