// Grouped-query attention on the CPU, vectorized with Highway and dispatched at run time like the matmul
// kernels. The query heads that share a KV head are computed together, so each key and value row is loaded
// once for up to 4 heads (Gemma's groups are 1 to 8 heads), and the value sums of 2 x 8 output dims x 4 heads
// stay in registers while the keys stream past.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "runtime/cpu/ops/attention.cpp"
#include <hwy/foreach_target.h>  // must come before highway.h
#include <hwy/highway.h>

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "runtime/cpu/fp32_math.h"
#include "runtime/cpu/kernels.h"
#include "runtime/cpu/op_kernel.h"

HWY_BEFORE_NAMESPACE();
namespace vkg {
namespace cpu {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using DF = hn::CappedTag<float, 8>;

#include "runtime/cpu/fp32_math-inl.h"  // ExpF32InPlace (once per SIMD target)
#include "runtime/cpu/lane_sums-inl.h"  // SumsOfLanes (once per SIMD target)

// Key j + 1's ring slot from key j's: stepped, as a division per key cost as much as the key's FMAs.
HWY_INLINE int64_t NextSlot(int64_t slot, int64_t capacity) { return slot + 1 == capacity ? 0 : slot + 1; }

// s = softmax(s) in fp32, the exponential exp_f32's (fp32_math-inl.h: the same bits on every platform), several
// lanes at a time. No visible key (all -inf): zeros.
HWY_INLINE void SoftmaxInPlace(float* s, int64_t n) {
  float max_s = -INFINITY;
  for (int64_t j = 0; j < n; ++j) max_s = std::max(max_s, s[j]);
  if (max_s == -INFINITY) {
    std::fill(s, s + n, 0.0f);
    return;
  }
  for (int64_t j = 0; j < n; ++j) s[j] -= max_s;
  ExpF32InPlace(s, n);
  float sum = 0;
  for (int64_t j = 0; j < n; ++j) sum += s[j];
  for (int64_t j = 0; j < n; ++j) s[j] /= sum;
}

// Where one (token, heads) item reads and writes: H query heads of head_dim hd sharing one KV head.
struct HeadsItem {
  const float* q;  // H query rows, hd apart
  float* out;      // H output rows, hd apart
  const float* k_cache;
  const float* v_cache;
  int64_t kv_stride;  // floats between a ring's slots (its sequence's rows)
  int64_t capacity;   // ring slots
  int64_t lo, end;    // keys [lo, end]
};

// scores[h][j - lo] = scale * q_h . k_j, soft-capped; two accumulators per head hide the FMA latency.
template <int H>
void Scores(const HeadsItem& it, int64_t hd, float scale, float softcap, float* scores, int64_t n_keys) {
  const DF d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  int64_t slot = it.lo % it.capacity;
  for (int64_t j = it.lo; j <= it.end; ++j, slot = NextSlot(slot, it.capacity)) {
    const float* k = it.k_cache + slot * it.kv_stride;
    hn::Vec<DF> a0[H], a1[H];
    for (int h = 0; h < H; ++h) a0[h] = hn::Zero(d), a1[h] = hn::Zero(d);
    int64_t i = 0;
    for (; i + 2 * N <= hd; i += 2 * N) {
      const auto k0 = hn::LoadU(d, k + i), k1 = hn::LoadU(d, k + i + N);
      HWY_UNROLL(4)
      for (int h = 0; h < H; ++h) {
        a0[h] = hn::MulAdd(hn::LoadU(d, it.q + h * hd + i), k0, a0[h]);
        a1[h] = hn::MulAdd(hn::LoadU(d, it.q + h * hd + i + N), k1, a1[h]);
      }
    }
    for (int h = 0; h < H; ++h) {
      float s = hn::GetLane(hn::SumOfLanes(d, hn::Add(a0[h], a1[h])));
      for (int64_t r = i; r < hd; ++r) s += it.q[h * hd + r] * k[r];
      s *= scale;
      if (softcap > 0) s = softcap * tanh_f32(s / softcap);
      scores[h * n_keys + (j - it.lo)] = s;
    }
  }
}

// out_h = sum_j p[h][j] v_j: NV vectors of output dims x H heads in registers per pass over the keys (H * NV
// accumulators: 16 with AVX-512's 32 registers, 8 with 16), so hd = 256 takes 2-8 passes over the value rows, not
// 16, and the accumulators' FMA chains overlap.
template <int H>
void WeightedValues(const HeadsItem& it, int64_t hd, const float* p, int64_t n_keys) {
  constexpr int NV = std::max(2, (HWY_TARGET <= HWY_AVX3 ? 16 : 8) / H);
  const DF d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  auto pass = [&](int64_t i, auto nv) {  // output dims [i, i + nv * N)
    constexpr int V = decltype(nv)::value;
    hn::Vec<DF> o[H][V];
    for (int h = 0; h < H; ++h)
      for (int c = 0; c < V; ++c) o[h][c] = hn::Zero(d);
    int64_t slot = it.lo % it.capacity;
    for (int64_t j = 0; j < n_keys; ++j, slot = NextSlot(slot, it.capacity)) {
      const float* v = it.v_cache + slot * it.kv_stride + i;
      hn::Vec<DF> w[H];
      for (int h = 0; h < H; ++h) w[h] = hn::Set(d, p[h * n_keys + j]);
      for (int c = 0; c < V; ++c) {
        const auto vc = hn::LoadU(d, v + c * N);
        for (int h = 0; h < H; ++h) o[h][c] = hn::MulAdd(w[h], vc, o[h][c]);
      }
    }
    for (int h = 0; h < H; ++h)
      for (int c = 0; c < V; ++c) hn::StoreU(o[h][c], d, it.out + h * hd + i + c * N);
  };
  int64_t i = 0;
  for (; i + NV * N <= hd; i += NV * N) pass(i, std::integral_constant<int, NV>());
  for (; i + N <= hd; i += N) pass(i, std::integral_constant<int, 1>());
  for (; i < hd; ++i)
    for (int h = 0; h < H; ++h) {
      float s = 0;
      for (int64_t j = it.lo; j <= it.end; ++j)
        s += p[h * n_keys + (j - it.lo)] * it.v_cache[(j % it.capacity) * it.kv_stride + i];
      it.out[h * hd + i] = s;
    }
}

template <int H>
void Heads(const HeadsItem& it, const AttentionParams& p, std::vector<float>& scores) {
  const int64_t n_keys = std::max<int64_t>(0, it.end - it.lo + 1);
  scores.resize(static_cast<size_t>(H * n_keys));
  Scores<H>(it, p.head_dim, p.scale, p.softcap, scores.data(), n_keys);
  for (int h = 0; h < H; ++h) SoftmaxInPlace(scores.data() + h * n_keys, n_keys);
  WeightedValues<H>(it, p.head_dim, scores.data(), n_keys);
}

// Prompts: tiles of kTileRows query rows (consecutive tokens x the query heads of one KV head) that go over
// their keys together. Each key or value vector loaded serves the 8 rows, and the score tile's sums take one
// shuffle tree per 8: 11 loads per 24 multiply-adds with AVX-512's 32 registers, where a row alone loads its
// query vector again for every key (Scores: 10 loads per 8) and sums every score on its own.
constexpr int kTileRows = 8;
// From this many query tokens on (a prompt), attention goes by tiles; fewer (decode) by head groups.
constexpr int64_t kPromptRows = 16;
// Keys per score tile and value vectors per output tile: 3 x 8 accumulators in 32 registers, 1 x 8 in 16.
constexpr int kTileKeys = HWY_TARGET <= HWY_AVX3 ? 3 : 1;
constexpr int kTileDims = HWY_TARGET <= HWY_AVX3 ? 3 : 1;

struct TileItem {
  const float* q[kTileRows];    // query rows; a short tile repeats its first token's
  float* out[kTileRows];        // nullptr: a repeated row, not stored
  int64_t lo[kTileRows], end[kTileRows];  // each row's keys [lo, end]
  int64_t lo_all = 0, end_all = -1;       // their union
  const float* k_cache;
  const float* v_cache;
  int64_t kv_stride, capacity;  // as HeadsItem's
};

// s[r * n + (j - lo_all)] = q_r . k_j for the tile's rows and NK keys from key j, ring slot `slot`.
template <int NK>
HWY_INLINE void ScoreKeys(const TileItem& it, int64_t hd, int64_t j, int64_t slot, float* s, int64_t n) {
  const DF d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  const float* k[NK];
  for (int c = 0; c < NK; ++c, slot = NextSlot(slot, it.capacity)) k[c] = it.k_cache + slot * it.kv_stride;
  hn::Vec<DF> acc[NK][kTileRows];
  for (int c = 0; c < NK; ++c)
    for (int r = 0; r < kTileRows; ++r) acc[c][r] = hn::Zero(d);
  int64_t i = 0;
  for (; i + N <= hd; i += N) {
    hn::Vec<DF> kv[NK];
    for (int c = 0; c < NK; ++c) kv[c] = hn::LoadU(d, k[c] + i);
    for (int r = 0; r < kTileRows; ++r) {
      const auto qv = hn::LoadU(d, it.q[r] + i);
      for (int c = 0; c < NK; ++c) acc[c][r] = hn::MulAdd(kv[c], qv, acc[c][r]);
    }
  }
  float total[NK * kTileRows];
  SumsOfLanes<NK * kTileRows>(&acc[0][0], total);
  for (int c = 0; c < NK; ++c)
    for (int r = 0; r < kTileRows; ++r) {
      float v = total[c * kTileRows + r];
      for (int64_t x = i; x < hd; ++x) v += it.q[r][x] * k[c][x];
      s[r * n + (j + c - it.lo_all)] = v;
    }
}

// out_r[i, i + NV lanes) = sum_j p[r][j] v_j over the tile's keys, for its rows.
template <int NV>
HWY_INLINE void ValueDims(const TileItem& it, int64_t i, const float* p, int64_t n) {
  const DF d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  hn::Vec<DF> acc[kTileRows][NV];
  for (int r = 0; r < kTileRows; ++r)
    for (int c = 0; c < NV; ++c) acc[r][c] = hn::Zero(d);
  int64_t slot = it.lo_all % it.capacity;
  for (int64_t j = 0; j < n; ++j, slot = NextSlot(slot, it.capacity)) {
    const float* v = it.v_cache + slot * it.kv_stride + i;
    hn::Vec<DF> vv[NV];
    for (int c = 0; c < NV; ++c) vv[c] = hn::LoadU(d, v + c * N);
    for (int r = 0; r < kTileRows; ++r) {
      const auto w = hn::Set(d, p[r * n + j]);
      for (int c = 0; c < NV; ++c) acc[r][c] = hn::MulAdd(w, vv[c], acc[r][c]);
    }
  }
  for (int r = 0; r < kTileRows; ++r)
    if (it.out[r])
      for (int c = 0; c < NV; ++c) hn::StoreU(acc[r][c], d, it.out[r] + i + c * N);
}

void Tile(const TileItem& it, const AttentionParams& p, std::vector<float>& scores) {
  const int64_t hd = p.head_dim, n = it.end_all - it.lo_all + 1;
  const DF d;
  const int64_t N = static_cast<int64_t>(hn::Lanes(d));
  scores.resize(static_cast<size_t>(kTileRows * n));
  float* s = scores.data();
  int64_t j = it.lo_all, slot = it.lo_all % it.capacity;
  auto advance = [&](int64_t keys) { j += keys, slot = (slot + keys) % it.capacity; };
  for (; j + kTileKeys - 1 <= it.end_all; advance(kTileKeys)) ScoreKeys<kTileKeys>(it, hd, j, slot, s, n);
  for (; j <= it.end_all; advance(1)) ScoreKeys<1>(it, hd, j, slot, s, n);
  // Each row's scale, soft-cap and mask (the union's keys outside the row's own), then its softmax.
  for (int r = 0; r < kTileRows; ++r) {
    float* sr = s + r * n;
    for (int64_t k = 0; k < n; ++k) {
      const int64_t key = it.lo_all + k;
      float v = sr[k] * p.scale;
      if (p.softcap > 0) v = p.softcap * tanh_f32(v / p.softcap);
      sr[k] = key < it.lo[r] || key > it.end[r] ? -INFINITY : v;
    }
    SoftmaxInPlace(sr, n);
  }
  int64_t i = 0;
  for (; i + kTileDims * N <= hd; i += kTileDims * N) ValueDims<kTileDims>(it, i, s, n);
  for (; i + N <= hd; i += N) ValueDims<1>(it, i, s, n);
  for (; i < hd; ++i)
    for (int r = 0; r < kTileRows; ++r) {
      if (!it.out[r]) continue;
      float v = 0;
      for (int64_t k = 0; k < n; ++k)
        v += s[r * n + k] * it.v_cache[((it.lo_all + k) % it.capacity) * it.kv_stride + i];
      it.out[r][i] = v;
    }
}

void Attention(const float* q, int64_t rows, const float* k_cache, const float* v_cache, const KvRings& rings,
               const int32_t* positions, const int32_t* key_end, const AttentionParams& p, float* out,
               ThreadPool& pool) {
  const int64_t hd = p.head_dim, q_cols = int64_t(p.n_head) * hd, kv_cols = int64_t(p.n_kv_head) * hd;
  // A token's ring: its sequence's first row, then every `sequences`-th row.
  const int64_t capacity = rings.capacity, kv_stride = kv_cols * rings.sequences;
  auto ring_start = [&](int64_t t) { return (rings.sequence ? rings.sequence[t] : 0) * kv_cols; };
  bool one_sequence = true;  // a prompt's tiles hold consecutive tokens of one sequence
  for (int64_t t = 1; t < rows && rings.sequence; ++t) one_sequence = one_sequence && rings.sequence[t] == rings.sequence[0];
  const int group = p.n_head / p.n_kv_head;
  // Heads per item: the whole group (up to 4) when there are enough items to keep every thread busy; in a
  // decode step of a one-KV-head model, fewer, so that the threads split the heads.
  int per_item = group % 4 == 0 ? 4 : group % 2 == 0 ? 2 : 1;
  while (per_item > 1 && rows * p.n_head / per_item < pool.size()) per_item /= 2;
  const int64_t items_per_row = p.n_head / per_item;
  // Items go in ranges of a few from a shared counter: in a causal prompt a late token attends to many more
  // keys than an early one, so equal shares of the items are far from equal work.
  auto chunk_of = [&](int64_t items) { return std::max<int64_t>(1, items / (16 * pool.size())); };
  // Token t's first key: with a sliding window, window - 1 before its position.
  auto first_key = [&](int64_t t) { return p.window > 0 ? std::max<int64_t>(0, positions[t] - p.window + 1) : 0; };
  if (rows >= kPromptRows && one_sequence) {
    // Prompts: tiles of kTileRows / per_item tokens x per_item heads (kTileRows query rows).
    const int64_t tokens = kTileRows / per_item, tiles = (rows + tokens - 1) / tokens;
    const int64_t items = tiles * items_per_row;
    pool.parallel_chunks(items, chunk_of(items), [&](int64_t begin, int64_t end) {
      std::vector<float> scores;
      for (int64_t item = begin; item < end; ++item) {
        const int64_t t0 = (item / items_per_row) * tokens, h0 = (item % items_per_row) * per_item, g = h0 / group;
        TileItem it;
        it.k_cache = k_cache + ring_start(t0) + g * hd;
        it.v_cache = v_cache + ring_start(t0) + g * hd;
        it.kv_stride = kv_stride;
        it.capacity = capacity;
        it.lo_all = INT64_MAX;
        it.end_all = -1;
        for (int r = 0; r < kTileRows; ++r) {
          const int64_t tt = r / per_item, h = h0 + r % per_item;
          const bool real = t0 + tt < rows;
          const int64_t t = real ? t0 + tt : t0;  // past the last token: the tile's first token again
          it.q[r] = q + t * q_cols + h * hd;
          it.out[r] = real ? out + t * q_cols + h * hd : nullptr;
          it.lo[r] = first_key(t);
          it.end[r] = key_end[t];
          it.lo_all = std::min(it.lo_all, it.lo[r]);
          it.end_all = std::max(it.end_all, it.end[r]);
        }
        Tile(it, p, scores);
      }
    });
    return;
  }
  const int64_t items = rows * items_per_row;
  pool.parallel_chunks(items, chunk_of(items), [&](int64_t begin, int64_t end) {
    std::vector<float> scores;
    for (int64_t item = begin; item < end; ++item) {
      const int64_t t = item / items_per_row, h0 = (item % items_per_row) * per_item, g = h0 / group;
      HeadsItem it;
      it.q = q + t * q_cols + h0 * hd;
      it.out = out + t * q_cols + h0 * hd;
      it.k_cache = k_cache + ring_start(t) + g * hd;
      it.v_cache = v_cache + ring_start(t) + g * hd;
      it.kv_stride = kv_stride;
      it.capacity = capacity;
      it.lo = first_key(t);
      it.end = key_end[t];
      switch (per_item) {
        case 4: Heads<4>(it, p, scores); break;
        case 2: Heads<2>(it, p, scores); break;
        default: Heads<1>(it, p, scores); break;
      }
    }
  });
}

}  // namespace HWY_NAMESPACE
}  // namespace cpu
}  // namespace vkg
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace vkg {
namespace cpu {

HWY_EXPORT(Attention);

// For each new token t at position p and query head h (kv head h / (n_head / n_kv_head)):
//   s_j = scale * q.k_j for keys j in [lo, e], e = key_end[t] (= p when causal), lo = p - window + 1
//   (sliding) or 0; optional softcap;
//   out = sum_j softmax(s)_j v_j. Key j lives in ring slot j % capacity of the token's sequence (KvRings).
//   Scores and softmax in fp32; the exponential and the soft-cap's tanh are fp32_math.h's, not libm's, so that
//   every platform gets the same bits.
void attention(const float* q, int64_t rows, const float* k_cache, const float* v_cache, const KvRings& rings,
               const int32_t* positions, const int32_t* key_end, const AttentionParams& p, float* out,
               ThreadPool& pool) {
  HWY_DYNAMIC_DISPATCH(Attention)(q, rows, k_cache, v_cache, rings, positions, key_end, p, out, pool);
}

void run_op(const AttentionParams& p, const CpuNode& n) {
  attention(n.in(0), n.desc(0).rows(), n.in(1), n.in(2), kv_rings(n, 1, 5, p.sequences), n.ints(3), n.ints(4), p,
            n.out(), n.pool());
}

}  // namespace cpu
}  // namespace vkg
#endif  // HWY_ONCE
