#include "model/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace vkg {

Sampler::Sampler(const SamplerParams& p) : p_(p), rng_(p.seed) {
  if (p.top_k < 0) throw std::runtime_error("top-k must be >= 0, got " + std::to_string(p.top_k));
  if (!(p.top_p > 0.0f && p.top_p <= 1.0f)) throw std::runtime_error("top-p must be in (0, 1], got " + std::to_string(p.top_p));
}

int Sampler::argmax(const float* logits, size_t n) {
  return static_cast<int>(std::max_element(logits, logits + n) - logits);
}

double Sampler::uniform() { return static_cast<double>(rng_() >> 11) * (1.0 / 9007199254740992.0); }

// Order as llama.cpp's common chain: top-k, then top-p over the softmax at the given temperature, then a draw.
int Sampler::sample(const std::vector<float>& logits) {
  if (logits.empty()) throw std::runtime_error("sampler: empty logits");
  if (p_.temperature <= 0.0f) return argmax(logits.data(), logits.size());
  for (size_t i = 0; i < logits.size(); ++i)
    if (std::isnan(logits[i])) throw std::runtime_error("sampler: logit " + std::to_string(i) + " is NaN");

  std::vector<int> ids(logits.size());
  std::iota(ids.begin(), ids.end(), 0);
  size_t k = p_.top_k > 0 ? std::min<size_t>(static_cast<size_t>(p_.top_k), ids.size()) : ids.size();
  auto by_logit = [&](int a, int b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); };
  std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(k), ids.end(), by_logit);
  ids.resize(k);
  std::vector<float> top(k);
  for (size_t i = 0; i < k; ++i) top[i] = logits[size_t(ids[i])];
  return sample_sorted(ids, top);
}

int Sampler::sample_sorted(const std::vector<int>& ids, const std::vector<float>& logits) {
  if (ids.empty() || ids.size() != logits.size())
    throw std::runtime_error("sampler: " + std::to_string(ids.size()) + " candidate ids for " +
                             std::to_string(logits.size()) + " logits");
  if (p_.temperature <= 0.0f) return ids[0];
  for (size_t i = 0; i < logits.size(); ++i)
    if (std::isnan(logits[i])) throw std::runtime_error("sampler: the logit of token " + std::to_string(ids[i]) + " is NaN");
  if (std::isinf(logits[0]))
    throw std::runtime_error("sampler: the largest logit (token " + std::to_string(ids[0]) + ") is infinite");
  const size_t k = p_.top_k > 0 ? std::min<size_t>(static_cast<size_t>(p_.top_k), ids.size()) : ids.size();
  std::vector<double> probs(k);
  const double max_l = logits[0];
  double sum = 0;
  for (size_t i = 0; i < k; ++i) sum += probs[i] = std::exp((logits[i] - max_l) / p_.temperature);
  // top-p: keep the smallest prefix whose mass reaches p (at least one token).
  size_t keep = k;
  if (p_.top_p < 1.0f) {
    double cum = 0;
    for (size_t i = 0; i < k; ++i) {
      cum += probs[i] / sum;
      if (cum >= p_.top_p) {
        keep = i + 1;
        break;
      }
    }
  }
  double kept = 0;
  for (size_t i = 0; i < keep; ++i) kept += probs[i];
  double r = uniform() * kept;
  for (size_t i = 0; i < keep; ++i) {
    r -= probs[i];
    if (r < 0) return ids[i];
  }
  return ids[keep - 1];
}

}  // namespace vkg
