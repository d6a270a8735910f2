// Picks the next token from logits: greedy (temperature 0) or repetition penalty + top-k + top-p + min-p +
// temperature with a seeded, platform-independent random generator.
#pragma once
#include <cstdint>
#include <deque>
#include <random>
#include <vector>

namespace vkg {

struct SamplerParams {
  float temperature = 0.0f;  // <= 0: greedy
  int top_k = 0;             // 0: off
  float top_p = 1.0f;        // 1: off
  uint64_t seed = 0;
  float min_p = 0.0f;        // 0: off; else keep tokens with p >= min_p * the largest p (llama.cpp's min-p)
  float repeat_penalty = 1.0f;  // 1: off; llama.cpp's: a seen token's logit / penalty (> 0) or * penalty (< 0)
  int repeat_last_n = 64;       // the tokens the penalty looks back over (prompt included)
};

class Sampler {
 public:
  explicit Sampler(const SamplerParams& p);
  // The argmax of the raw logits (no penalty to apply).
  bool greedy() const { return p_.temperature <= 0.0f && p_.repeat_penalty == 1.0f; }
  int top_k() const { return p_.top_k; }
  // Candidates a device's top-k must return so that the top_k after the penalty is among them: penalties only
  // lower logits, so top_k plus the distinct penalized tokens suffice. 0: no top-k (the whole row).
  int candidates_needed() const;
  // A token of the sequence (prompt or generated): the repetition penalty looks back over these.
  void accept(int id);
  int sample(const std::vector<float>& logits);
  // Draws from candidates sorted as the top_k op gives them (largest logit first, the lower id first on
  // ties). When they are the top min(top_k, vocab) of the logits, the draw equals sample(logits) for the
  // same generator state: top-p and temperature only ever look at those candidates.
  int sample_sorted(const std::vector<int>& ids, const std::vector<float>& logits);
  static int argmax(const float* logits, size_t n);
  // The ids of the k largest logits, largest first and the lower id first on ties (the top_k op's order).
  static std::vector<int> top_ids(const std::vector<float>& logits, size_t k);

 private:
  double uniform();  // [0, 1) from the raw 64-bit generator: identical on every platform
  float penalized(int id, float logit) const;
  int draw(const std::vector<int>& ids, const std::vector<float>& logits);
  bool seen(int id) const;
  SamplerParams p_;
  std::mt19937_64 rng_;
  std::deque<int> recent_;  // the last repeat_last_n accepted tokens
};

}  // namespace vkg
