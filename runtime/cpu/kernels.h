// CPU kernels, one per op (each in runtime/cpu/<op>.cpp). fp32 activations, row-major [rows, cols];
// weights read in their stored type. These are also the oracle the Vulkan backend is tested against.
#pragma once
#include <cstdint>

#include "runtime/cpu/thread_pool.h"
#include "runtime/ops.h"

namespace vkg::cpu {

// out[t] = table[ids[t]] * scale. Throws if an id is outside the table.
void embed(const TensorDesc& table, const int32_t* ids, int64_t n, float scale, float* out, ThreadPool& pool);

// Normalizes each group of `group` consecutive values of x (rows*cols values): y = x * rsqrt(mean(x^2)+eps) * w
// (w null: no weight).
void rms_norm(const float* x, int64_t rows, int64_t cols, const float* w, int64_t group, float eps, float* out,
              ThreadPool& pool);
// residual + rms_norm(x): exactly rms_norm's values, then the add (bit-identical to the two ops).
void rms_norm_add(const float* x, int64_t rows, int64_t cols, const float* w, int64_t group, float eps,
                  const float* residual, float* out, ThreadPool& pool);

// out[n, N] = x[n, K] @ w[N, K]^T with w in any supported dtype. exact: each weight row dequantized to
// fp32, fp32 dot products (the reference). fast: matmul_fast.h (8-bit activations for quantized weights);
// types without a fast kernel take the exact path. packed: w's rows packed by pack_weights (fast mode, where
// fast_matmul_packs(w.dtype)), read instead of w's own layout for its whole 8-row groups.
enum class MatmulMode { exact, fast };
struct PackedWeights;
// sum a[i] * b[i] with eight partial sums, so the compiler vectorizes it without reassociating fp32 on its own
// (exact matmuls and attention's q.k).
float dot_f32(const float* a, const float* b, int64_t n);
void matmul(const float* x, int64_t n, int64_t K, const TensorDesc& w, float* out, ThreadPool& pool,
            MatmulMode mode = MatmulMode::exact, const PackedWeights* packed = nullptr);

// Half-split (NEOX) rotation of each head of each row at its position.
void rope(const float* x, int64_t rows, int64_t cols, const int32_t* positions, const RopeParams& p, float* out,
          ThreadPool& pool);
// rope(rms_norm(x) per head): exactly the two kernels' values (the rotation runs in place on the norm's output).
void rms_norm_rope(const float* x, int64_t rows, int64_t cols, const float* w, const int32_t* positions,
                   const RmsNormRopeParams& p, float* out, ThreadPool& pool);

// Where the KV caches' rows are: `sequences` rings of `capacity` slots interleaved (ops/kv_store.h), each
// token's sequence in `sequence` (nullptr: all 0).
struct KvRings {
  KvRings(int64_t capacity, int64_t sequences = 1, const int32_t* sequence = nullptr)  // NOLINT: a capacity is one ring
      : capacity(capacity), sequences(sequences), sequence(sequence) {}
  int64_t capacity;
  int64_t sequences;
  const int32_t* sequence;
  int64_t row(int64_t token, int64_t position) const {
    return (position % capacity) * sequences + (sequence ? sequence[token] : 0);
  }
};

// cache[rings.row(r, positions[r])] = x row, for each row.
void kv_store(const float* x, int64_t rows, int64_t cols, const int32_t* positions, float* cache, const KvRings& rings);
// kv_store(rope(x)) and kv_store(rms_norm_rope(x, w)): exactly the composed kernels' values. The fusion saves
// devices a dispatch; here it is the two kernels through a scratch buffer (the copy is a few KiB per token).
void rope_store(const float* x, int64_t rows, int64_t cols, const int32_t* positions, const RopeParams& p,
                float* cache, const KvRings& rings, ThreadPool& pool);
void rms_norm_rope_store(const float* x, int64_t rows, int64_t cols, const float* w, const int32_t* positions,
                         const RmsNormRopeParams& p, float* cache, const KvRings& rings, ThreadPool& pool);

// Grouped-query attention over ring caches, keys [lo, key_end[t]] of token t's sequence (causal when key_end =
// positions; optionally sliding-window, optionally soft-capped).
void attention(const float* q, int64_t rows, const float* k_cache, const float* v_cache, const KvRings& rings,
               const int32_t* positions, const int32_t* key_end, const AttentionParams& p, float* out,
               ThreadPool& pool);

void gelu_mul(const float* gate, const float* up, int64_t n, float* out);
void add(const float* a, const float* b, int64_t n, float* out);
void softcap(const float* x, int64_t n, float cap, float* out);
void argmax(const float* x, int64_t rows, int64_t cols, float* out);
// Per row: the k largest values (largest first, the lower index first on ties), then their indices.
void top_k(const float* x, int64_t rows, int64_t cols, int k, float* out);
// a + b where b has n values, or b_n values repeated (one row added to every row of a).
void add_rows(const float* a, const float* b, int64_t n, int64_t b_n, float* out);
void layer_norm(const float* x, int64_t rows, int64_t cols, const float* w, const float* b, float eps, float* out,
                ThreadPool& pool);
void gelu(const float* x, int64_t n, float* out);
void avg_pool(const float* x, int64_t cols, int side, int kernel, float* out);
void replace_rows(const float* x, const float* rows, const int32_t* use, int64_t n, int64_t cols, float* out);

// Scalar helpers shared by kernels and tests.
float gelu_tanh(float x);

}  // namespace vkg::cpu
