#include "model/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace vkg {

Sampler::Sampler(const SamplerParams& p) : p_(p), rng_(p.seed) {
  if (!(p.temperature >= 0.0f && std::isfinite(p.temperature)))
    throw std::runtime_error("temperature must be a finite number >= 0 (0 is greedy), got " + std::to_string(p.temperature));
  if (p.top_k < 0) throw std::runtime_error("top-k must be >= 0, got " + std::to_string(p.top_k));
  if (!(p.top_p > 0.0f && p.top_p <= 1.0f)) throw std::runtime_error("top-p must be in (0, 1], got " + std::to_string(p.top_p));
  if (!(p.min_p >= 0.0f && p.min_p <= 1.0f)) throw std::runtime_error("min-p must be in [0, 1], got " + std::to_string(p.min_p));
  if (!(p.repeat_penalty > 0.0f && std::isfinite(p.repeat_penalty))) throw std::runtime_error("repeat penalty must be > 0, got " + std::to_string(p.repeat_penalty));
  if (p.repeat_last_n < 0) throw std::runtime_error("repeat-last-n must be >= 0, got " + std::to_string(p.repeat_last_n));
}

void Sampler::accept(int id) {
  if (p_.repeat_penalty == 1.0f || p_.repeat_last_n == 0) return;
  recent_.push_back(id);
  if (recent_.size() > static_cast<size_t>(p_.repeat_last_n)) recent_.pop_front();
}

bool Sampler::seen(int id) const { return std::find(recent_.begin(), recent_.end(), id) != recent_.end(); }

float Sampler::penalized(int id, float logit) const {
  if (p_.repeat_penalty == 1.0f || !seen(id)) return logit;
  return logit > 0 ? logit / p_.repeat_penalty : logit * p_.repeat_penalty;
}

int Sampler::candidates_needed() const {
  if (p_.top_k <= 0) return 0;
  std::vector<int> distinct(recent_.begin(), recent_.end());
  std::sort(distinct.begin(), distinct.end());
  return p_.top_k + static_cast<int>(std::unique(distinct.begin(), distinct.end()) - distinct.begin());
}

int Sampler::argmax(const float* logits, size_t n) {
  return static_cast<int>(std::max_element(logits, logits + n) - logits);
}

std::vector<int> Sampler::top_ids(const std::vector<float>& logits, size_t k) {
  std::vector<int> ids(logits.size());
  std::iota(ids.begin(), ids.end(), 0);
  k = std::min(k, ids.size());
  auto by_logit = [&](int a, int b) {
    return logits[size_t(a)] > logits[size_t(b)] || (logits[size_t(a)] == logits[size_t(b)] && a < b);
  };
  std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(k), ids.end(), by_logit);
  ids.resize(k);
  return ids;
}

double Sampler::uniform() { return static_cast<double>(rng_() >> 11) * (1.0 / 9007199254740992.0); }

// Order as llama.cpp's common chain: the repetition penalty, top-k, then top-p and min-p over the softmax at the
// given temperature, then a draw.
int Sampler::sample(const std::vector<float>& raw) {
  if (raw.empty()) throw std::runtime_error("sampler: empty logits");
  if (greedy()) return argmax(raw.data(), raw.size());
  for (size_t i = 0; i < raw.size(); ++i)
    if (std::isnan(raw[i])) throw std::runtime_error("sampler: logit " + std::to_string(i) + " is NaN");
  std::vector<float> penalized_copy;
  if (!recent_.empty()) {
    penalized_copy = raw;
    for (int id : recent_)
      if (id >= 0 && static_cast<size_t>(id) < raw.size()) penalized_copy[size_t(id)] = penalized(id, raw[size_t(id)]);
  }
  const std::vector<float>& logits = recent_.empty() ? raw : penalized_copy;

  const size_t k = p_.top_k > 0 ? std::min<size_t>(static_cast<size_t>(p_.top_k), logits.size()) : logits.size();
  const std::vector<int> ids = top_ids(logits, k);
  std::vector<float> top(k);
  for (size_t i = 0; i < k; ++i) top[i] = logits[size_t(ids[i])];
  return draw(ids, top);
}

int Sampler::sample_sorted(const std::vector<int>& ids_in, const std::vector<float>& logits_in) {
  if (ids_in.empty() || ids_in.size() != logits_in.size())
    throw std::runtime_error("sampler: " + std::to_string(ids_in.size()) + " candidate ids for " +
                             std::to_string(logits_in.size()) + " logits");
  if (greedy()) return ids_in[0];
  if (recent_.empty()) return draw(ids_in, logits_in);
  // The penalty, then the candidates in order again (largest first, the lower id first on ties).
  std::vector<float> penalized_logits(logits_in.size());
  for (size_t i = 0; i < ids_in.size(); ++i) penalized_logits[i] = penalized(ids_in[i], logits_in[i]);
  std::vector<size_t> order(ids_in.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return penalized_logits[a] > penalized_logits[b] || (penalized_logits[a] == penalized_logits[b] && ids_in[a] < ids_in[b]);
  });
  std::vector<int> ids;
  std::vector<float> logits;
  for (size_t i : order) ids.push_back(ids_in[i]), logits.push_back(penalized_logits[i]);
  return draw(ids, logits);
}

// Candidates already penalized and sorted (largest first): top-k, top-p and min-p at the temperature, a draw.
int Sampler::draw(const std::vector<int>& ids, const std::vector<float>& logits) {
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
  // min-p: drop what is below min_p times the most likely token's probability (always keeps that one).
  if (p_.min_p > 0.0f)
    while (keep > 1 && probs[keep - 1] < p_.min_p * probs[0]) --keep;
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
