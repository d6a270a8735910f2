#include <algorithm>
#include <stdexcept>
#include <vector>

#include "runtime/cpu/kernels.h"
#include "runtime/cpu/op_kernel.h"
#include "runtime/cpu/matmul_bf16.h"
#include "runtime/cpu/matmul_fast.h"
#include "runtime/quant/quant.h"

namespace vkg::cpu {

float dot_f32(const float* a, const float* b, int64_t n) {
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) s[k] += a[i + k] * b[i + k];
  float total = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
  for (; i < n; ++i) total += a[i] * b[i];
  return total;
}

// Activations quantized for the fast kernels, [n][K/32] each: reused storage (no allocation per decode step).
struct QuantizedActivations {
  std::vector<ActBlock> blocks;
  std::vector<float> dsums;
  std::vector<int32_t> qsums;  // the blocks' integer sums, for the packed kernels
};

static void quantize_rows(const float* x, int64_t n, int64_t K, int64_t group, QuantizedActivations& q,
                          ThreadPool& pool) {
  const int64_t nb = K / 32;
  q.blocks.resize(static_cast<size_t>(n * nb));
  q.dsums.resize(static_cast<size_t>(n * nb));
  q.qsums.resize(static_cast<size_t>(n * nb));
  pool.parallel_for(n, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t)
      quantize_activations(x + t * K, K, q.blocks.data() + t * nb, q.dsums.data() + t * nb, group,
                           q.qsums.data() + t * nb);
  });
}

// Rows (or packed groups) per parallel_chunks range, a multiple of `align` (the prompt kernels' 16-row groups):
// about 8 ranges per thread, so that a thread that runs late leaves its rows to the others, but each range at
// least ~256 KB of weight bytes times tokens, and at most an even share. A decode step's small matrices
// (0.1-0.5 MB) in 8 ranges per thread streamed at 11 GB/s against 16 in one per thread (vkgemma_bench_kernels
// --matrices 512): each range starts a new stream from memory.
static int64_t chunk_rows(int64_t n, const ThreadPool& pool, int64_t align, int64_t unit_bytes, int64_t n_tokens) {
  constexpr int64_t kMinWork = 256 * 1024;
  const int64_t threads = pool.size(), work = std::max<int64_t>(1, unit_bytes * n_tokens);
  const int64_t balanced = (n + 8 * threads - 1) / (8 * threads), even = (n + threads - 1) / threads;
  const int64_t want = std::min(std::max(balanced, (kMinWork + work - 1) / work), even);
  return (want + align - 1) / align * align;
}

// Packed weights' work units: the 8-row groups, then (one unit) the rows after the last whole group.
// groups_fn(g0, g1) runs groups, rest_fn(r0, N) those rows from the tensor.
template <class GroupsFn, class RestFn>
static void packed_units(const PackedWeights& packed, int64_t N, int64_t stride, int64_t n, ThreadPool& pool,
                         const GroupsFn& groups_fn, const RestFn& rest_fn) {
  const int64_t groups = packed.groups, rest = groups * kPackedRows;
  const int64_t units = groups + (rest < N ? 1 : 0);
  pool.parallel_chunks(units, chunk_rows(units, pool, 2, kPackedRows * stride, n), [&](int64_t begin, int64_t end) {
    if (begin < std::min(end, groups)) groups_fn(begin, std::min(end, groups));
    if (end > groups) rest_fn(rest, N);
  });
}

static void matmul_fast(const float* x, int64_t n, int64_t K, const TensorDesc& w, float* out, ThreadPool& pool,
                        const PackedWeights* packed) {
  const int64_t N = w.rows();
  const int64_t stride = row_bytes(w.dtype, K);
  const uint8_t* base = static_cast<const uint8_t*>(w.data);
  thread_local QuantizedActivations q_own, q_rest_own;
  // The caller's buffers, by reference: inside the lambdas (on the pool's threads) the thread_local names would
  // be each worker's own.
  QuantizedActivations& q = q_own;
  QuantizedActivations& q_rest = q_rest_own;
  if (packed && !fast_matmul_quantizes(w.dtype)) {  // F16 / BF16 by 8-row groups, fp32 activations
    packed_units(
        *packed, N, stride, n, pool,
        [&](int64_t g0, int64_t g1) { fast_matmul_packed_float(w.dtype, packed->data.data(), K, g0, g1, x, n, out, N); },
        [&](int64_t r0, int64_t r1) {
          fast_matmul_rows(w.dtype, base, stride, K, r0, r1, nullptr, nullptr, x, n, out, N);
        });
    return;
  }
  if (w.dtype == DType::BF16 && n > 1 && K % 32 == 0 && bf16_dot_supported()) {  // prompts: bf16 activations
    thread_local std::vector<uint16_t> xb_own;
    std::vector<uint16_t>& xb = xb_own;
    xb.resize(static_cast<size_t>(n * K));
    round_to_bf16(x, n * K, xb.data());
    pool.parallel_chunks(N, chunk_rows(N, pool, 16, stride, n), [&](int64_t begin, int64_t end) {
      bf16_matmul_rows(base, stride, K, begin, end, xb.data(), n, out, N);
    });
    return;
  }
  if (!fast_matmul_quantizes(w.dtype)) {  // F32/F16/BF16 read x itself
    pool.parallel_chunks(N, chunk_rows(N, pool, 16, stride, n), [&](int64_t begin, int64_t end) {
      fast_matmul_rows(w.dtype, base, stride, K, begin, end, nullptr, nullptr, x, n, out, N);
    });
    return;
  }
  quantize_rows(x, n, K, fast_matmul_activation_group(w.dtype, packed != nullptr), q, pool);
  if (!packed) {
    pool.parallel_chunks(N, chunk_rows(N, pool, 16, stride, n), [&](int64_t begin, int64_t end) {
      fast_matmul_rows(w.dtype, base, stride, K, begin, end, q.blocks.data(), q.dsums.data(), nullptr, n, out, N);
    });
    return;
  }
  // The rows after the last whole group: their unpacked kernel may want other activation groups (Q4_K/Q6_K: 256).
  const QuantizedActivations* qr = &q;
  if (packed->groups * kPackedRows < N &&
      fast_matmul_activation_group(w.dtype) != fast_matmul_activation_group(w.dtype, true)) {
    quantize_rows(x, n, K, fast_matmul_activation_group(w.dtype), q_rest, pool);
    qr = &q_rest;
  }
  packed_units(
      *packed, N, stride, n, pool,
      [&](int64_t g0, int64_t g1) {
        fast_matmul_packed_rows(*packed, g0, g1, q.blocks.data(), q.dsums.data(), q.qsums.data(), n, out, N);
      },
      [&](int64_t r0, int64_t r1) {
        fast_matmul_rows(w.dtype, base, stride, K, r0, r1, qr->blocks.data(), qr->dsums.data(), nullptr, n, out, N);
      });
}

void matmul(const float* x, int64_t n, int64_t K, const TensorDesc& w, float* out, ThreadPool& pool,
            MatmulMode mode, const PackedWeights* packed) {
  if (packed && (mode != MatmulMode::fast || packed->type != w.dtype || packed->K != K ||
                 packed->groups != w.rows() / kPackedRows || !fast_matmul_packs(w.dtype)))
    throw std::logic_error("matmul: packed weights of '" + w.name + "' do not match the tensor or the fast path");
  if (mode == MatmulMode::fast && fast_matmul_supported(w.dtype) &&
      (K % 32 == 0 || !fast_matmul_quantizes(w.dtype)))
    return matmul_fast(x, n, K, w, out, pool, packed);
  const int64_t N = w.rows();
  const int64_t stride = row_bytes(w.dtype, K);
  const uint8_t* base = static_cast<const uint8_t*>(w.data);
  pool.parallel_for(N, [&](int64_t begin, int64_t end) {
    if (n == 1) {
      for (int64_t r = begin; r < end; ++r) out[r] = dot_row(w.dtype, base + r * stride, x, K);
      return;
    }
    // Several tokens: expand each weight row once, then reuse it for every token.
    std::vector<float> row(static_cast<size_t>(K));
    for (int64_t r = begin; r < end; ++r) {
      dequantize_row(w.dtype, base + r * stride, row.data(), K);
      for (int64_t t = 0; t < n; ++t) out[t * N + r] = dot_f32(row.data(), x + t * K, K);
    }
  });
}

void run_op(const MatmulParams&, const CpuNode& n) {
  matmul(n.in(0), n.desc(0).rows(), n.desc(0).cols(), n.desc(1), n.out(), n.pool(), n.matmul_mode(), n.packed(1));
}

}  // namespace vkg::cpu
