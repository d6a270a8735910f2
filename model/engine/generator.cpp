#include "model/engine/generator.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "model/engine/thought_channel.h"

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

Generator::Generator(Session& session) : session_(session) {}

void Generator::reset() {
  session_.reset();
  cached_.clear();
}

namespace {

// log-softmax of `logits` at `id` (in double: a 262k-entry sum), and the top_n most likely entries.
TokenLogprob token_logprob(const std::vector<float>& logits, int id, int top_n) {
  const float most = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (float l : logits) sum += std::exp(double(l) - most);
  const double lse = most + std::log(sum);
  TokenLogprob lp;
  lp.id = id;
  lp.logprob = static_cast<float>(logits[size_t(id)] - lse);
  for (int i : Sampler::top_ids(logits, size_t(std::max(top_n, 0))))
    lp.top.emplace_back(i, static_cast<float>(logits[size_t(i)] - lse));
  return lp;
}

}  // namespace

// Appends tokens to the cache and returns the next token (the sampler sees them first: its repetition penalty).
int Generator::feed(const std::vector<int>& tokens, Sampler& sampler, const std::vector<std::vector<float>>& images,
                    TokenLogprob* logprob, int top_n, JsonPrefix* json) {
  for (int t : tokens) sampler.accept(t);
  int next;
  if (logprob || json) {
    const std::vector<float> logits = session_.eval(tokens, false, images);
    if (json) {
      const GemmaConfig& c = session_.model().config();
      next = json_tokens_->pick(*json, logits, sampler, c.end_of_turn_id >= 0 ? c.end_of_turn_id : c.eos_id);
      json_tokens_->accept(*json, next);
    } else {
      next = sampler.sample(logits);
    }
    if (logprob) *logprob = token_logprob(logits, next, top_n);
  } else {
    next = session_.eval_sample(tokens, sampler, images);
  }
  cached_.insert(cached_.end(), tokens.begin(), tokens.end());
  return next;
}

int Generator::image_runs(const std::vector<int>& tokens) const {
  const VisionConfig* v = session_.model().vision();
  if (!v) return 0;
  int runs = 0;
  for (size_t i = 0; i < tokens.size(); ++i) runs += tokens[i] == v->soft_id && (i == 0 || tokens[i - 1] != v->soft_id);
  return runs;
}

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

GenerateResult Generator::generate(const Prompt& prompt_in, const GenerateParams& params, const TextCallback& on_text) {
  const std::vector<int>& prompt = prompt_in.tokens;
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
  // The images of the runs in the cached part are in the cache already.
  const size_t cached_images = static_cast<size_t>(image_runs(cached_));
  const int prompt_images = image_runs(prompt);
  if (prompt_images != static_cast<int>(prompt_in.images.size()))
    throw std::runtime_error("the prompt has " + std::to_string(prompt_images) + " image(s), " +
                             std::to_string(prompt_in.images.size()) + " given");
  const std::vector<std::vector<float>> fresh_images(prompt_in.images.begin() + static_cast<std::ptrdiff_t>(cached_images),
                                                     prompt_in.images.end());

  const GemmaConfig& c = session_.model().config();
  Sampler sampler(params.sampling);
  for (int t : cached_) sampler.accept(t);  // the prompt's cached part (feed() accepts the rest)
  StopStringFilter stops(params.stop);
  auto emit = [&](const std::string& text) {
    if (text.empty()) return true;
    result.text += text;
    return on_text ? on_text(text) : true;
  };
  // Gemma 4's thought channel: its tokens are decoded apart and never reach the text or the stop strings.
  ThoughtChannel channel(session_.model().tokenizer());

  if (params.logprobs > GenerateParams::kMaxLogprobs)
    throw std::runtime_error("logprobs: at most " + std::to_string(GenerateParams::kMaxLogprobs) +
                             " alternatives, got " + std::to_string(params.logprobs));
  TokenLogprob drawn;  // the logprob of `next`, when asked for
  TokenLogprob* const lp = params.logprobs >= 0 ? &drawn : nullptr;
  JsonPrefix json_text;  // response_format json_object: the reply so far
  JsonPrefix* const json = params.json_object ? &json_text : nullptr;
  if (json && !json_tokens_) json_tokens_ = std::make_unique<JsonTokens>(session_.model().tokenizer());

  try {
    auto t0 = std::chrono::steady_clock::now();
    int next = feed(fresh, sampler, fresh_images, lp, params.logprobs, json);
    result.prompt_seconds = seconds_since(t0);
    t0 = std::chrono::steady_clock::now();
    result.finish = FinishReason::length;
    while (result.completion_tokens < params.max_tokens) {
      if (next == c.eos_id || next == c.end_of_turn_id) {
        result.finish = FinishReason::stop;
        break;
      }
      ++result.completion_tokens;
      if (lp) {
        result.logprobs.push_back(drawn);
        if (params.on_logprob) params.on_logprob(drawn);
      }
      const ThoughtChannel::Piece piece = channel.push(next);
      bool go_on = emit(stops.push(piece.text));
      if (!piece.thought.empty()) {
        result.thought += piece.thought;
        if (params.on_thought) go_on = params.on_thought(piece.thought) && go_on;
      }
      if (!go_on || (params.cancel && *params.cancel)) {
        result.finish = FinishReason::cancelled;
        break;
      }
      if (stops.found()) {
        result.finish = FinishReason::stop;
        break;
      }
      if (result.completion_tokens == params.max_tokens) break;
      if (session_.position() + params.reserve >= context) {
        result.finish = FinishReason::context_full;
        break;
      }
      next = feed({next}, sampler, {}, lp, params.logprobs, json);
    }
    result.generation_seconds = seconds_since(t0);
  } catch (...) {
    cached_.clear();  // the cache's contents are unknown after a failed step
    session_.reset();
    throw;
  }
  if (result.finish != FinishReason::cancelled) emit(stops.flush());
  return result;
}

}  // namespace vkg
