// Prompts with BF16 weights on CPUs with AVX512_BF16 (Zen 4, Cooper Lake, Sapphire Rapids and later): the
// activations are rounded to bf16 once per matmul and each vdpbf16ps adds two exact bf16 products per fp32
// lane, where the fp32 path converts every weight and takes one fused multiply-add per value. Part of the
// fast path (as its 8-bit activations are for the quantized types): `--exact` keeps fp32 activations, and
// decode steps (one token, bound by memory) stay on the fp32 kernel.
#pragma once
#include <cstdint>

namespace vkg::cpu {

// True where the CPU has AVX512_BF16 and the OS keeps AVX-512 state (Highway's AVX3 target is available).
bool bf16_dot_supported();

// bf16 of n fp32 values, rounded to nearest even (NaN stays NaN).
void round_to_bf16(const float* x, int64_t n, uint16_t* out);

// out[t * ldo + r] = dot(weight row r, xb[t]) for r in [r0, r1), t in [0, n_tokens): BF16 weight rows at
// `stride` bytes, K a multiple of 32, xb [n_tokens][K] from round_to_bf16. Products exact, sums in fp32 (the
// instruction treats bf16 subnormals as zero). Only where bf16_dot_supported().
void bf16_matmul_rows(const uint8_t* weights, int64_t stride, int64_t K, int64_t r0, int64_t r1, const uint16_t* xb,
                      int64_t n_tokens, float* out, int64_t ldo);

}  // namespace vkg::cpu
