#include <algorithm>
#include <cmath>
#include <vector>

#include "runtime/cpu/kernels.h"
#include "runtime/cpu/op_kernel.h"

namespace vkg::cpu {

namespace {

// cos and sin of every (row, pair) angle for one set of positions and RoPE parameters: [rows][head_dim / 2].
struct RopeTable {
  RopeParams params;
  std::vector<int32_t> positions;
  std::vector<float> cos, sin;
  bool matches(const int32_t* pos, int64_t rows, const RopeParams& p) const {
    return params.head_dim == p.head_dim && params.theta == p.theta && params.freq_scale == p.freq_scale &&
           params.rotary_pairs == p.rotary_pairs &&
           positions.size() == static_cast<size_t>(rows) && std::equal(positions.begin(), positions.end(), pos);
  }
};

// The table for these positions and parameters. A step rotates q and k of every layer at the same positions
// with one of two bases (Gemma 3: local and global layers), so the last two tables are kept (per thread: each
// caller's own) and the fp64 sin/cos, once 1-2 % of a prompt, are computed twice per step instead of per call.
const RopeTable& rope_table(const int32_t* positions, int64_t rows, const RopeParams& p, ThreadPool& pool) {
  thread_local RopeTable tables[2];
  thread_local int oldest = 0;
  for (const RopeTable& t : tables)
    if (t.matches(positions, rows, p)) return t;
  RopeTable& t = tables[oldest];
  oldest ^= 1;
  const int half = p.head_dim / 2;
  // Pairs (i, i + d/2) rotate by angle pos * freq_scale * inv_freq[i]; the angle product is fp32 as in HF.
  // Pairs past rotary_pairs have frequency 0: cos 1, sin 0, they pass through exactly.
  const std::vector<float> inv_freq = rope_inv_freqs(p);
  t.params = p;
  t.positions.assign(positions, positions + rows);
  t.cos.resize(static_cast<size_t>(rows * half));
  t.sin.resize(t.cos.size());
  pool.parallel_for(rows, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float pos = static_cast<float>(positions[r]) * p.freq_scale;
      for (int i = 0; i < half; ++i) {
        const float angle = pos * inv_freq[i];
        t.cos[r * half + i] = static_cast<float>(std::cos(double(angle)));
        t.sin[r * half + i] = static_cast<float>(std::sin(double(angle)));
      }
    }
  });
  return t;
}

}  // namespace

void rope(const float* x, int64_t rows, int64_t cols, const int32_t* positions, const RopeParams& p, float* out,
          ThreadPool& pool) {
  const int half = p.head_dim / 2;
  const RopeTable& table = rope_table(positions, rows, p, pool);
  pool.parallel_for(rows, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* cos_t = table.cos.data() + r * half;
      const float* sin_t = table.sin.data() + r * half;
      for (int64_t h = 0; h < cols; h += p.head_dim) {
        const float* v = x + r * cols + h;
        float* o = out + r * cols + h;
        for (int i = 0; i < half; ++i) {
          const float a = v[i], b = v[i + half];
          o[i] = a * cos_t[i] - b * sin_t[i];
          o[i + half] = b * cos_t[i] + a * sin_t[i];
        }
      }
    }
  });
}

void rms_norm_rope(const float* x, int64_t rows, int64_t cols, const float* w, const int32_t* positions,
                   const RmsNormRopeParams& p, float* out, ThreadPool& pool) {
  rms_norm(x, rows, cols, w, p.rope.head_dim, p.eps, out, pool);
  rope(out, rows, cols, positions, p.rope, out, pool);  // each pair is read before it is written
}

namespace {
// The rows that `make` writes into a scratch buffer, then each stored at its ring slot (kv_store). The scratch
// is kept per thread: these run once per layer in every decode step.
template <class Make>
void store_rows(int64_t rows, int64_t cols, const int32_t* positions, float* cache, const KvRings& rings, Make make) {
  thread_local std::vector<float> scratch;
  scratch.resize(static_cast<size_t>(rows * cols));
  make(scratch.data());
  kv_store(scratch.data(), rows, cols, positions, cache, rings);
}
}  // namespace

void rope_store(const float* x, int64_t rows, int64_t cols, const int32_t* positions, const RopeParams& p,
                float* cache, const KvRings& rings, ThreadPool& pool) {
  store_rows(rows, cols, positions, cache, rings,
             [&](float* out) { rope(x, rows, cols, positions, p, out, pool); });
}

void rms_norm_rope_store(const float* x, int64_t rows, int64_t cols, const float* w, const int32_t* positions,
                         const RmsNormRopeParams& p, float* cache, const KvRings& rings, ThreadPool& pool) {
  store_rows(rows, cols, positions, cache, rings,
             [&](float* out) { rms_norm_rope(x, rows, cols, w, positions, p, out, pool); });
}

void run_op(const RopeParams& p, const CpuNode& n) {
  rope(n.in(0), n.desc(0).rows(), n.desc(0).cols(), n.ints(1), p, n.out(), n.pool());
}

void run_op(const RmsNormRopeParams& p, const CpuNode& n) {
  rms_norm_rope(n.in(0), n.desc(0).rows(), n.desc(0).cols(), n.in(1), n.ints(2), p, n.out(), n.pool());
}

}  // namespace vkg::cpu
