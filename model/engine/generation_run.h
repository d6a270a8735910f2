// One request's generation taken step by step, so that whoever runs the steps decides how: Generator runs one
// request's steps in a row; BatchEngine runs several requests' decode steps as one batched step. A step
// appends input() to the request's sequence (the prompt's new tokens first, then each drawn token), gets
// the next token drawn from its logits, and hands it to advance(), which streams its text and applies the
// stop rules.
#pragma once
#include <chrono>
#include <memory>
#include <vector>

#include "model/engine/generator.h"
#include "model/engine/grammar_constraint.h"
#include "model/engine/thought_channel.h"

namespace vkg {

class GenerationRun {
 public:
  // Checks the prompt; when the sequence's cached tokens (`cached`, kept up to date by the run) are not a
  // strict prefix of it, empties the sequence. Throws std::runtime_error for an unusable prompt or params.
  GenerationRun(Session& session, int sequence, std::vector<int>& cached, std::unique_ptr<JsonTokens>& json_tokens,
                const Prompt& prompt, const GenerateParams& params, TextCallback on_text);

  bool finished() const { return finished_; }
  int sequence() const { return sequence_; }
  // What the next step appends: the prompt's tokens not yet in the cache (with the images of their runs), or
  // the token drawn last.
  const std::vector<int>& input() const { return input_; }
  const std::vector<std::vector<float>>& input_images() const { return input_images_; }
  bool prompting() const { return !drawn_; }  // the prompt is still (partly) in input()

  // Appends the first n prompt tokens of input() without drawing: a long prompt in chunks, so that others'
  // decode steps run between them. Cut where chunk_end() says.
  void append_part(size_t n);
  // Where a prompt chunk of at most `max_tokens` should end: never inside an image's run of soft tokens.
  size_t chunk_end(size_t max_tokens) const;

  // The step: begin_step(), then the backend's logits of the last input token to draw(), or, when
  // needs_logits() is false, a token drawn by Session::eval_sample with sampler(); then advance(token).
  void begin_step();
  bool needs_logits() const { return logprob_ != nullptr || json_ != nullptr || grammar_ != nullptr; }
  bool greedy() const { return !needs_logits() && sampler_.greedy(); }  // the backend's argmax is the token
  Sampler& sampler() { return sampler_; }
  int draw(const float* logits);
  void advance(int token);
  // The whole step for this run alone: the backend reads back only what drawing needs.
  void step_alone();

  // After finished(): the result (the held-back text flushed unless cancelled).
  GenerateResult finish();
  // A step failed: the sequence's cache is unknown, so it is emptied.
  void fail();
  // Ends the run before its next step, as cancelled (what is in the cache stays: a prefix of the prompt).
  void cancel();

 private:
  bool emit(const std::string& text);

  Session& session_;
  int sequence_;
  std::vector<int>& cached_;
  const GenerateParams& params_;
  TextCallback on_text_;
  std::vector<int> input_;
  std::vector<std::vector<float>> input_images_;
  Sampler sampler_;
  StopStringFilter stops_;
  ThoughtChannel channel_;
  TokenLogprob drawn_logprob_;
  TokenLogprob* logprob_ = nullptr;
  JsonPrefix json_text_;
  JsonPrefix* json_ = nullptr;
  JsonTokens* json_tokens_ = nullptr;
  std::unique_ptr<GrammarConstraint> grammar_;  // response_format json_schema, or a structural tag
  GenerateResult result_;
  bool drawn_ = false, finished_ = false;
  std::chrono::steady_clock::time_point t0_;
};

}  // namespace vkg
