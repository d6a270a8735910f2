// Picks the next token from logits: greedy (temperature 0) or temperature + top-k + top-p with a seeded,
// platform-independent random generator.
#pragma once
#include <cstdint>
#include <random>
#include <vector>

namespace vkg {

struct SamplerParams {
  float temperature = 0.0f;  // <= 0: greedy
  int top_k = 0;             // 0: off
  float top_p = 1.0f;        // 1: off
  uint64_t seed = 0;
};

class Sampler {
 public:
  explicit Sampler(const SamplerParams& p);
  bool greedy() const { return p_.temperature <= 0.0f; }
  int top_k() const { return p_.top_k; }
  int sample(const std::vector<float>& logits);
  // Draws from candidates sorted as the top_k op gives them (largest logit first, the lower id first on
  // ties). When they are the top min(top_k, vocab) of the logits, the draw equals sample(logits) for the
  // same generator state: top-p and temperature only ever look at those candidates.
  int sample_sorted(const std::vector<int>& ids, const std::vector<float>& logits);
  static int argmax(const float* logits, size_t n);

 private:
  double uniform();  // [0, 1) from the raw 64-bit generator: identical on every platform
  SamplerParams p_;
  std::mt19937_64 rng_;
};

}  // namespace vkg
