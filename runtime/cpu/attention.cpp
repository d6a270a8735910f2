#include <algorithm>
#include <cmath>
#include <vector>

#include "runtime/cpu/fp32_math.h"
#include "runtime/cpu/kernels.h"

namespace vkg::cpu {

// For each new token t at position p and query head h (kv head h / (n_head / n_kv_head)):
//   s_j = scale * q.k_j for keys j in [lo, e], e = key_end[t] (= p when causal), lo = p - window + 1
//   (sliding) or 0; optional softcap;
//   out = sum_j softmax(s)_j v_j. Key j lives in ring slot j % capacity. Scores and softmax in fp32; the
//   exponential and the soft-cap's tanh are fp32_math.h's, not libm's, so that every platform gets the same bits.
void attention(const float* q, int64_t rows, const float* k_cache, const float* v_cache, int64_t capacity,
               const int32_t* positions, const int32_t* key_end, const AttentionParams& p, float* out,
               ThreadPool& pool) {
  const int64_t hd = p.head_dim, q_cols = int64_t(p.n_head) * hd, kv_cols = int64_t(p.n_kv_head) * hd;
  const int group = p.n_head / p.n_kv_head;
  pool.parallel_for(rows * p.n_head, [&](int64_t begin, int64_t end) {
    std::vector<float> scores;
    for (int64_t item = begin; item < end; ++item) {
      const int64_t t = item / p.n_head, h = item % p.n_head, g = h / group;
      const int64_t pos = positions[t], end = key_end[t];
      const int64_t lo = p.window > 0 ? std::max<int64_t>(0, pos - p.window + 1) : 0;
      const float* qv = q + t * q_cols + h * hd;
      scores.resize(static_cast<size_t>(std::max<int64_t>(0, end - lo + 1)));
      float max_s = -INFINITY;
      for (int64_t j = lo; j <= end; ++j) {
        const float* kv = k_cache + (j % capacity) * kv_cols + g * hd;
        float s = dot_f32(qv, kv, hd) * p.scale;
        if (p.softcap > 0) s = p.softcap * tanh_f32(s / p.softcap);
        scores[j - lo] = s;
        max_s = std::max(max_s, s);
      }
      float sum = 0;
      for (float& s : scores) sum += (s = exp_f32(s - max_s));
      float* o = out + t * q_cols + h * hd;
      std::fill(o, o + hd, 0.0f);
      for (int64_t j = lo; j <= end; ++j) {
        const float w = scores[j - lo] / sum;
        const float* vv = v_cache + (j % capacity) * kv_cols + g * hd;
        for (int64_t d = 0; d < hd; ++d) o[d] += w * vv[d];
      }
    }
  });
}

}  // namespace vkg::cpu
