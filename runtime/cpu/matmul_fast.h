// The fast matmul path of the CPU backend (the exact path is matmul.cpp's dequantize + fp32 dot).
//
// Quantized weights: the activation rows are quantized once per matmul to 8 bits in blocks of 32 (one fp32
// scale per block, like ggml's Q8_0; for the K-quants one scale per 256, like ggml's Q8_K), and each weight
// block is unpacked to 8-bit integers in registers and multiplied with integer dot products (exact int32
// within a 32-value block, or a K-quant super-block), then scaled and accumulated in fp32. F32/F16/BF16
// weights: fp32 SIMD dot products (no quantization; only the summation order differs from the exact path).
// Several token rows share each decoded weight block (prefill as matrix-matrix, tiles of 4-8 tokens).
// SIMD code is Highway, dispatched at run time to the best target the CPU has (AVX2, AVX-512, SSE4, ...);
// where it has none with kernels (HWY_SCALAR, i.e. x86 without SSSE3; SVE/RVV) the exact path runs.
#pragma once
#include <cstdint>

#include "runtime/cpu/packed_weights.h"
#include "runtime/dtype.h"

namespace vkg::cpu {

// 32 activations quantized to int8: x[i] ~= d * q[i].
struct ActBlock {
  float d;
  int8_t q[32];
};
static_assert(sizeof(ActBlock) == 36, "ActBlock must be 36 bytes");

// Weight types that have a fast kernel (others take the exact path).
bool fast_matmul_supported(DType type);
// True for the types whose fast kernel quantizes activations to 8 bits (all but F32/F16/BF16).
bool fast_matmul_quantizes(DType type);

// Quantizes n values (n a multiple of group) into n/32 blocks: d = max|x| / 127 over each group of `group`
// values (32, or 256: then 8 consecutive blocks share d), q = round(x / d), and dsum[b] = d * sum of block b's
// q (for the offsets and mins, whose terms are offset or min * sum of the activations); qsum, if given, gets the
// blocks' integer sums of q (the packed kernels' offset terms).
void quantize_activations(const float* x, int64_t n, ActBlock* out, float* dsum, int64_t group = 32,
                          int32_t* qsum = nullptr);
// The group the fast kernel of `type` expects: 32, except the unpacked Q4_K and Q6_K kernels' 256 (one
// activation scale per super-block, as ggml's Q8_K: their sub-block sums stay integer over it). The packed
// kernels keep 32 for every type: a scale per 32 values rounds the activations more finely (the fast path's
// perplexity error vs transformers ~0.1 % where 256 gave ~0.4 %), at one conversion per sub-block.
int64_t fast_matmul_activation_group(DType type, bool packed = false);

// out[t * ldo + r] = dot(weight row r, token t) for r in [r0, r1), t in [0, n_tokens).
// Quantized types read xq and xdsum ([n_tokens][K/32] each); F32/F16/BF16 read xf ([n_tokens][K] floats).
void fast_matmul_rows(DType type, const uint8_t* weights, int64_t row_stride, int64_t K, int64_t r0, int64_t r1,
                      const ActBlock* xq, const float* xdsum, const float* xf, int64_t n_tokens, float* out,
                      int64_t ldo);

// True where this CPU's SIMD target has a kernel for weights of `type` packed by pack_weights (Q4_0, Q5_0,
// Q4_K, Q6_K on AVX2 and up; Q8_0 with AVX-512 VNNI; F16 and BF16 on AVX-512).
bool fast_matmul_packs(DType type);
// out[t * ldo + r] for the rows of the packed groups [g0, g1) (rows 8 g0 .. 8 g1 - 1); xq, xdsum and xqsum
// ([n_tokens][K/32]) from quantize_activations with group 32.
void fast_matmul_packed_rows(const PackedWeights& w, int64_t g0, int64_t g1, const ActBlock* xq, const float* xdsum,
                             const int32_t* xqsum, int64_t n_tokens, float* out, int64_t ldo);
// The same for groups [g0, g1) counted from `first_group`, a group's first byte inside packed data of `type`
// with K values per row (one expert's rows of a stacked expert tensor).
void fast_matmul_packed_groups(DType type, const uint8_t* first_group, int64_t K, int64_t g0, int64_t g1,
                               const ActBlock* xq, const float* xdsum, const int32_t* xqsum, int64_t n_tokens,
                               float* out, int64_t ldo);

// F16 / BF16 packed: out[t * ldo + r] for the rows of the packed groups [g0, g1) counted from first_group (a
// PackedWeights' data, or one expert's rows in it), x [n_tokens][K] floats as fast_matmul_rows' xf.
void fast_matmul_packed_float(DType type, const uint8_t* first_group, int64_t K, int64_t g0, int64_t g1,
                              const float* x, int64_t n_tokens, float* out, int64_t ldo);

// The SIMD target the dispatcher picked on this CPU, e.g. "AVX2" (for bench output).
const char* fast_matmul_target();

}  // namespace vkg::cpu
