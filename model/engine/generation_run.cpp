#include "model/engine/generation_run.h"

#include "model/image_prompt.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace vkg {

namespace {

// Runs of image soft tokens in `tokens` (each is one image); none without a vision tower.
int image_runs(const Session& session, const std::vector<int>& tokens) {
  const VisionConfig* v = session.model().vision();
  return v ? image_runs(tokens, *v) : 0;
}

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

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

GenerationRun::GenerationRun(Session& session, int sequence, std::vector<int>& cached,
                             std::unique_ptr<JsonTokens>& json_tokens, const Prompt& prompt_in,
                             const GenerateParams& params, TextCallback on_text)
    : session_(session),
      sequence_(sequence),
      cached_(cached),
      params_(params),
      on_text_(std::move(on_text)),
      sampler_(params.sampling),
      stops_(params.stop),
      channel_(session.model().tokenizer()) {
  const std::vector<int>& prompt = prompt_in.tokens;
  if (prompt.empty()) throw std::runtime_error("the prompt is empty");
  const int context = session_.context();
  if (static_cast<int64_t>(prompt.size()) > context)
    throw std::runtime_error("the prompt has " + std::to_string(prompt.size()) + " tokens, more than the context of " +
                             std::to_string(context));
  if (params.logprobs > GenerateParams::kMaxLogprobs)
    throw std::runtime_error("logprobs: at most " + std::to_string(GenerateParams::kMaxLogprobs) +
                             " alternatives, got " + std::to_string(params.logprobs));
  const int prompt_images = image_runs(session_, prompt);
  if (prompt_images != static_cast<int>(prompt_in.images.size()))
    throw std::runtime_error("the prompt has " + std::to_string(prompt_images) + " image(s), " +
                             std::to_string(prompt_in.images.size()) + " given");
  result_.prompt_tokens = static_cast<int>(prompt.size());

  // Reuse the cache only when it holds a strict prefix of this prompt: the cache is never rewound (sliding
  // layers keep a ring, whose older entries are already overwritten).
  session_.select(sequence_);
  const bool extends = cached_.size() < prompt.size() && session_.position() == static_cast<int>(cached_.size()) &&
                       std::equal(cached_.begin(), cached_.end(), prompt.begin());
  if (!extends) {
    session_.reset();
    cached_.clear();
  }
  result_.reused_tokens = static_cast<int>(cached_.size());
  input_.assign(prompt.begin() + static_cast<std::ptrdiff_t>(cached_.size()), prompt.end());
  // The images of the runs in the cached part are in the cache already.
  const size_t cached_images = static_cast<size_t>(image_runs(session_, cached_));
  input_images_.assign(prompt_in.images.begin() + static_cast<std::ptrdiff_t>(cached_images), prompt_in.images.end());
  for (int t : cached_) sampler_.accept(t);  // the prompt's cached part (begin_step accepts the rest)

  if (params.logprobs >= 0) logprob_ = &drawn_logprob_;
  if (int(params.json_object) + int(!params.json_schema.empty()) + int(!params.structural_tag.empty()) > 1)
    throw std::runtime_error("one constraint per reply: json_object, a json_schema or a structural tag");
  const bool grammar = !params.json_schema.empty() || !params.structural_tag.empty();
  if (params.json_object || grammar) {
    if (!json_tokens) json_tokens = std::make_unique<JsonTokens>(session_.model().tokenizer());
    json_tokens_ = json_tokens.get();
  }
  if (params.json_object) json_ = &json_text_;
  if (grammar) {
    const GemmaConfig& c = session_.model().config();
    std::vector<int> end_ids;
    for (int id : {c.end_of_turn_id, c.eos_id})
      if (id >= 0) end_ids.push_back(id);
    GrammarVocabulary& vocabulary = json_tokens_->grammar_vocabulary(end_ids, c.vocab_size);
    grammar_ = params.json_schema.empty()
                   ? std::make_unique<GrammarConstraint>(vocabulary, params.structural_tag, GrammarKind::structural_tag)
                   : std::make_unique<GrammarConstraint>(vocabulary, params.json_schema);
  }
  result_.finish = FinishReason::length;
  t0_ = std::chrono::steady_clock::now();
}

size_t GenerationRun::chunk_end(size_t max_tokens) const {
  size_t n = std::min(max_tokens, input_.size());
  const VisionConfig* v = session_.model().vision();
  if (!v || n == input_.size()) return n;
  // Inside a run that goes on past the cut: cut before the run, or take the whole run when it starts the chunk.
  if (input_[n - 1] != v->soft_id || input_[n] != v->soft_id) return n;
  size_t start = n - 1;
  while (start > 0 && input_[start - 1] == v->soft_id) --start;
  if (start > 0) return start;
  size_t end = n;
  while (end < input_.size() && input_[end] == v->soft_id) ++end;
  return end;
}

void GenerationRun::append_part(size_t n) {
  if (drawn_ || n == 0 || n >= input_.size())
    throw std::logic_error("append_part: " + std::to_string(n) + " of " + std::to_string(input_.size()) +
                           " prompt tokens");
  const std::vector<int> part(input_.begin(), input_.begin() + static_cast<std::ptrdiff_t>(n));
  const size_t images = static_cast<size_t>(image_runs(session_, part));
  const std::vector<std::vector<float>> part_images(input_images_.begin(),
                                                    input_images_.begin() + static_cast<std::ptrdiff_t>(images));
  session_.select(sequence_);
  session_.append(part, part_images);
  for (int t : part) sampler_.accept(t);
  cached_.insert(cached_.end(), part.begin(), part.end());
  input_.erase(input_.begin(), input_.begin() + static_cast<std::ptrdiff_t>(n));
  input_images_.erase(input_images_.begin(), input_images_.begin() + static_cast<std::ptrdiff_t>(images));
}

void GenerationRun::begin_step() {
  session_.select(sequence_);
  for (int t : input_) sampler_.accept(t);
}

int GenerationRun::draw(const float* logits) {
  const std::vector<float> row(logits, logits + session_.model().config().vocab_size);
  const GemmaConfig& c = session_.model().config();
  const int end_id = c.end_of_turn_id >= 0 ? c.end_of_turn_id : c.eos_id;
  int next;
  if (json_) {
    next = json_tokens_->pick(*json_, row, sampler_, end_id);
    json_tokens_->accept(*json_, next);
  } else if (grammar_) {
    // A complete document ends the turn; until then the sampler draws among the tokens the grammar allows
    // (the row's copy masked: logprobs stay the model's).
    if (grammar_->complete()) {
      next = end_id;
    } else {
      std::vector<float> masked = row;
      grammar_->mask(masked);
      next = sampler_.sample(masked);
    }
    grammar_->accept(next);
  } else {
    next = sampler_.sample(row);
  }
  if (logprob_) *logprob_ = token_logprob(row, next, params_.logprobs);
  return next;
}

bool GenerationRun::emit(const std::string& text) {
  if (text.empty()) return true;
  result_.text += text;
  return on_text_ ? on_text_(text) : true;
}

void GenerationRun::advance(int next) {
  cached_.insert(cached_.end(), input_.begin(), input_.end());
  input_.clear();
  input_images_.clear();
  if (!drawn_) {
    drawn_ = true;
    result_.prompt_seconds = seconds_since(t0_);
    t0_ = std::chrono::steady_clock::now();
  }
  const GemmaConfig& c = session_.model().config();
  auto done = [&](FinishReason why) {
    result_.finish = why;
    result_.generation_seconds = seconds_since(t0_);
    finished_ = true;
  };
  if (result_.completion_tokens >= params_.max_tokens) return done(FinishReason::length);
  if (next == c.eos_id || next == c.end_of_turn_id ||
      std::find(params_.end_ids.begin(), params_.end_ids.end(), next) != params_.end_ids.end())
    return done(FinishReason::stop);
  ++result_.completion_tokens;
  if (logprob_) {
    result_.logprobs.push_back(*logprob_);
    if (params_.on_logprob) params_.on_logprob(*logprob_);
  }
  const ThoughtChannel::Piece piece = channel_.push(next);
  bool go_on = emit(stops_.push(piece.text));
  if (!piece.thought.empty()) {
    result_.thought += piece.thought;
    if (params_.on_thought) go_on = params_.on_thought(piece.thought) && go_on;
  }
  if (!go_on || (params_.cancel && *params_.cancel)) return done(FinishReason::cancelled);
  if (stops_.found() || (params_.complete && params_.complete(result_.text))) return done(FinishReason::stop);
  if (result_.completion_tokens == params_.max_tokens) return done(FinishReason::length);
  session_.select(sequence_);
  if (session_.position() + params_.reserve >= session_.context()) return done(FinishReason::context_full);
  input_ = {next};
}

void GenerationRun::step_alone() {
  begin_step();
  // The whole logits row when the run needs it (logprobs, json_object, json_schema); else the backend draws or
  // reads back only the sampler's candidates.
  const int next = needs_logits() ? draw(session_.eval(input_, false, input_images_).data())
                                  : session_.eval_sample(input_, sampler_, input_images_);
  advance(next);
}

GenerateResult GenerationRun::finish() {
  if (result_.finish != FinishReason::cancelled) emit(stops_.flush());
  return std::move(result_);
}

void GenerationRun::cancel() {
  result_.finish = FinishReason::cancelled;
  finished_ = true;
}

void GenerationRun::fail() {
  cached_.clear();
  session_.select(sequence_);
  session_.reset();
  finished_ = true;
}

}  // namespace vkg
