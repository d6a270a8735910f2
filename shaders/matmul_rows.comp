#version 450
// out[t, row_offset + r] = dot(dequant(weight row r), x[t]) on CPU-type Vulkan devices (lavapipe), where a
// workgroup barrier is a coroutine switch of every SIMD batch and costs more than the arithmetic it would save,
// and where loads are the cost (see the bindings); GPUs use matmul.comp. Each subgroup (on llvmpipe: one SIMD
// batch of 8 lanes) computes ROWS rows for TOKENS tokens: its lanes take consecutive units of those rows (so
// the lanes' fetches share cache lines: +29 % on a Q8_0 matrix-vector product against one row group per
// lane), each fetched input value serves ROWS rows and, in the prefill variant (TOKENS 8), each dequantized
// weight unit TOKENS tokens; a transposing butterfly sums the lanes at the end (below). No shared memory, no
// barriers. Workgroup (gx, gy) computes rows ROWS * (gx * subgroups + subgroup) for tokens TOKENS*gy ..
// +TOKENS-1. Decode of block types (LANE_ROWS, the default there): whole rows per lane, below main's first
// definition. Decode otherwise (VKGEMMA_KERNELS=flat-decode, element types) uses TOKENS 1, as llvmpipe runs
// masked-off token iterations anyway; there the lanes walk
// the units of ROWS / 2
// row pairs as one flat range (a lane's next unit may be in the next pair), so no lane idles when a row's units
// do not fill the subgroup (Gemma 3 270M: 20 Q8_0/Q5_0 blocks per row on 8 lanes), and the block types' scale
// multiplies a unit's sum (WT_UNIT_SCALE): together +22 % on the 270M's Q8_0 logits product, +15 %
// generation; pairs rather than single rows (an input unit fetched once for two rows): +28 % on that product,
// +6 % generation. Push constants as matmul.comp's.
// GEGLU variants: out = gelu_tanh(gate) * the product (ops.h matmul_geglu), gate at binding 2.
// NORM variants (LANE_ROWS): norm_matmul's decode, the input row normed in the kernel (rms_norm: the factor from
// the row's sum of squares, then x * factor * the norm weight at binding 3), so no norm pass runs before it.
// NORM,GATE_UP: norm_gate_up's decode, each lane's rows of the gate (binding 1) and of the up weight (binding 4)
// from the same shared input, out = gelu_tanh(gate product) * up product.
// X_PAIRS variants (prefill with Q4_0/Q5_0/Q4_K/Q6_K weights unless exact fp32 is asked for): the input comes
// quantized to 8 bits by quantize_pairs.comp, two tokens per 32-bit word (q[2p] + 65536 q[2p + 1]), and a
// weight unit's dot product with a pair is one integer multiply-add per value for both tokens: with |w| <= 16
// (Q4_K: its nibbles, the min a separate term) and |q| <= 127 a 16-value sum stays within 16 bits (Q6_K's
// |w| <= 32: 8-value sums), so its low half is token 2p's sum and the rest, shifted down, token 2p + 1's.
// llvmpipe has no fused multiply-add (ffma becomes a multiply and an add), so this halves the prefill's
// multiply-add instructions, and the packed input is half the texel fetches: kernels at 141 tokens +23-46 %
// (Q5_0), +35 % (Q4_K, Q6_K) with the quantize pass. The activation scales per token and block of 32 come
// from a third texel buffer (bound after the output). LANE_ROWS,X_PAIRS (the default where rows per lane run): the
// same pairs for prompts, 16 tokens per workgroup with whole rows per lane (in main's LANE_ROWS definition).
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#extension GL_KHR_shader_subgroup_ballot : require

#ifdef LANE_ROWS
#define WG_SIZE 16  // 2 subgroups of LANE_RUNS * 8 rows: a 256-row matrix still makes 4 workgroups
#else
#define WG_SIZE 64
#endif
#ifndef TOKENS
#define TOKENS 1  // matmul_rows_<type>: decode; matmul_rows8_<type> (TOKENS=8): prefill
#endif
// Weight rows per subgroup (runtime/vulkan/plan_node.cpp knows them and TOKENS). Prefill: each fetched input
// value serves ROWS rows, each dequantized weight unit TOKENS tokens; 8 x 8 (with the butterfly sum: Q5_0 / Q8_0
// kernels at 64 tokens +43 % / +63 % over 8 rows x 4 tokens; 16 tokens or 16 rows: within the noise of 8 x 8,
// and their llvmpipe compile takes seconds per pipeline) but 4 rows for Q6_K, whose larger unpacking spills.
// Decode: 8, walked as 4 pairs (below).
#if TOKENS > 1 && defined(WT_Q6_K)
#define ROWS 4
#else
#define ROWS 8
#endif

layout(local_size_x = WG_SIZE, local_size_y = 1, local_size_z = 1) in;

layout(set = 0, binding = 0) uniform usamplerBuffer x_texels;
// Weights and activations as texel buffers of uvec4: llvmpipe turns a texel fetch into a vector gather,
// while a storage-buffer load becomes a scalar loop over the lanes with a branch per lane (measured: those
// loads cost ~30x the arithmetic of a Q8_0 matrix-vector product).
layout(set = 0, binding = 1) uniform usamplerBuffer wt_texels;
#ifdef GEGLU
layout(std430, set = 0, binding = 2) readonly buffer Gate { float gate[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Out { float out_data[]; };
#define XD_BINDING 4
#elif defined(NORM_ADD)
// matmul_norm_add's decode: the product is read back by the last subgroup (below), so coherent and readable.
layout(std430, set = 0, binding = 2) coherent buffer Out { float out_data[]; };
#else
layout(std430, set = 0, binding = 2) writeonly buffer Out { float out_data[]; };
#define XD_BINDING 3
#endif
#ifdef NORM
// norm_matmul's decode (LANE_ROWS): the norm's weight, as texels of 4 floats (after the output).
#if !defined(LANE_ROWS) || defined(GEGLU)
#error "NORM: a variant of the rows-per-lane decode without GeGLU"
#endif
layout(set = 0, binding = 3) uniform usamplerBuffer norm_texels;
#endif
#ifdef NORM_ADD
// matmul_norm_add's decode (LANE_ROWS, one token): the post-norm weight and the residual as texels, the normed
// sum's destination, and the counter of subgroups done (zero between dispatches).
#if !defined(LANE_ROWS) || defined(GEGLU) || defined(NORM) || TOKENS != 1
#error "NORM_ADD: a variant of the rows-per-lane decode of one token"
#endif
layout(set = 0, binding = 3) uniform usamplerBuffer post_norm_texels;
layout(set = 0, binding = 4) uniform usamplerBuffer residual_texels;
layout(std430, set = 0, binding = 5) writeonly buffer Sum { float sum_data[]; };
layout(std430, set = 0, binding = 6) coherent buffer Counter { uint counter[]; };
#endif
#ifdef X_PAIRS
#if !(TOKENS == 8 || (TOKENS == 16 && defined(LANE_ROWS))) || \
    !(defined(WT_Q4_0) || defined(WT_Q5_0) || defined(WT_Q4_K) || defined(WT_Q6_K))
#error "X_PAIRS: prefill (8 tokens; 16 with LANE_ROWS) of Q4_0/Q5_0/Q4_K/Q6_K weights, whose 16- (Q6_K: 8-) value sums fit 16 bits"
#endif
layout(set = 0, binding = XD_BINDING) uniform usamplerBuffer xd_texels;  // quantize_pairs.comp's xd
#endif

#include "matmul.push.h"
#include "wt_rows.glsl"

#ifdef GATE_UP
// norm_gate_up's decode: the up weight beside the gate's (binding 1), the same rows. The dequantizers read
// whichever wt_up names: set before each call, it is a constant once the call is inlined, so each fetch reads
// one buffer.
#if !defined(LANE_ROWS) || !defined(NORM)
#error "GATE_UP: a variant of the rows-per-lane decode with NORM"
#endif
layout(set = 0, binding = 4) uniform usamplerBuffer up_texels;
bool wt_up = false;
#define WT_TEXEL(q) (wt_up ? texelFetch(up_texels, int(wt_texel(q))) : texelFetch(wt_texels, int(wt_texel(q))))
#define WT_WORD(i) WT_TEXEL((i) >> 2)[(i) & 3u]
#else
#define WT_WORD(i) WT_TEXEL((i) >> 2)[(i) & 3u]
#define WT_TEXEL(q) texelFetch(wt_texels, int(wt_texel(q)))
#endif
#if TOKENS == 1 || defined(LANE_ROWS)
// Decode: Q4_0/Q5_0/Q8_0 units are whole blocks read through a 3-texel window (wt_load.glsl wt_window):
// +12-22 % on a Q5_0/Q8_0 matrix-vector product. Not in prefill, where 32-value units of 4 tokens' inputs
// spill (Q5_0 -14 %).
#define WT_WINDOW
#endif
#if defined(LANE_ROWS) && defined(WT_Q8_0)
// Rows-per-lane decode of Q8_0: whole groups of 8 blocks at constant offsets on rows that start on a texel
// (wt_load.glsl's groups; the planner takes this kernel only for such rows), the blocks past the last whole group
// through the window. Kernels (vkgemma_bench_kernels --tokens 1 --mib 128, alternating runs): K = 2048 +23 %,
// 2560 +27 %, 1152 +5 %, 640 (two groups and 4 blocks) within the noise. The same groups for Q4_0/Q5_0 (9/11
// texels) measured 11 % slower there, so those keep the window.
#define WT_GROUP
#endif
#if defined(LANE_ROWS) && !defined(X_PAIRS) && !defined(GATE_UP) && defined(WT_Q6_K)
// Rows-per-lane decode of Q6_K: each row's block read once, whole (quant_q6_k.glsl wt_super_words), then its
// four units of 64 decoded from registers (rows on whole texels: the weight store pads them on these devices).
#define WT_SUPER
#endif
#include "quant.glsl"
#include "math.glsl"
#if WT_UNIT % 4 != 0
#error "texel units are whole texels of values (WT_UNIT a multiple of 4)"
#endif

// x values [xo, xo + WT_UNIT) of the input.
void load_x(uint xo, out float xv[WT_UNIT]) {
  // xo is a multiple of 4 (K and WT_UNIT are): whole texels.
  [[unroll]] for (uint q = 0u; q < WT_UNIT / 4u; ++q) {
    const vec4 v = uintBitsToFloat(texelFetch(x_texels, int(xo / 4u + q)));
    xv[4u * q] = v.x, xv[4u * q + 1u] = v.y, xv[4u * q + 2u] = v.z, xv[4u * q + 3u] = v.w;
  }
}

#ifdef X_PAIRS
// The packed pair words of values [xo, xo + WT_UNIT) of pair row p (xo = p * K + value index).
void load_pairs(uint xo, out int xp[WT_UNIT]) {
  [[unroll]] for (uint q = 0u; q < WT_UNIT / 4u; ++q) {
    const ivec4 v = ivec4(texelFetch(x_texels, int(xo / 4u + q)));
    xp[4u * q] = v.x, xp[4u * q + 1u] = v.y, xp[4u * q + 2u] = v.z, xp[4u * q + 3u] = v.w;
  }
}
// A sum of products with pair words, s = S0 + 65536 S1 where |S0|, |S1| < 2^15: (S0, S1), token 2p's sum (the
// low half, sign-extended) and token 2p + 1's.
ivec2 pair_split(int s) {
  const int lo = bitfieldExtract(s, 0, 16);
  return ivec2(lo, (s - lo) >> 16);
}
#endif

// Each lane holds ROWS * TOKENS partial sums; the outputs are their sums over the lanes. On a subgroup of 8
// lanes, three shuffle stages each halve the sums a lane holds: at stage m, a lane keeps one half and sends the
// other to lane ^ m, adding what it gets (a transpose and a reduction at once). After them lane l holds the
// totals of accumulators a = k + (N / 8) * l, k < N / 8: N - 8 shuffles (one vpermilps each on llvmpipe) for N
// totals where subgroupAdd, a loop over the lanes checking each one's mask, took N loops (~15 % of a 640-wide
// prefill product). Other subgroup sizes use subgroupAdd.
#define N_ACC (ROWS * TOKENS)
#if N_ACC % 8 != 0
#error "the butterfly sum splits the accumulators over 8 lanes"
#endif
void store_total(uint a, float total, uint r0, uint t0) {
  const uint i = a / TOKENS, t = a % TOKENS;
  if (r0 + i < p.rows && t0 + t < p.n_tokens) {
    const uint o = (t0 + t) * p.out_stride + p.row_offset + r0 + i;
#ifdef GEGLU
    out_data[o] = gelu_tanh(gate[o]) * total;
#else
    out_data[o] = total;
#endif
  }
}
#define SUM_STAGE(M, H)                                                                            \
  {                                                                                                \
    const bool upper = (gl_SubgroupInvocationID & M) != 0u;                                        \
    [[unroll]] for (uint k = 0u; k < H; ++k)                                                       \
      v[k] = (upper ? v[k + H] : v[k]) + subgroupShuffleXor(upper ? v[k] : v[k + H], M);           \
  }
void store_totals(float acc[ROWS][TOKENS], uint r0, uint t0) {
  if (gl_SubgroupSize == 8u) {
    float v[N_ACC];
    [[unroll]] for (uint a = 0u; a < N_ACC; ++a) v[a] = acc[a / TOKENS][a % TOKENS];
    SUM_STAGE(4u, N_ACC / 2u)
    SUM_STAGE(2u, N_ACC / 4u)
    SUM_STAGE(1u, N_ACC / 8u)
    [[unroll]] for (uint k = 0u; k < N_ACC / 8u; ++k)
      store_total(k + (N_ACC / 8u) * gl_SubgroupInvocationID, v[k], r0, t0);
  } else {
    [[unroll]] for (uint a = 0u; a < N_ACC; ++a) {
      const float total = subgroupAdd(acc[a / TOKENS][a % TOKENS]);
      if (subgroupElect()) store_total(a, total, r0, t0);
    }
  }
}

// sum_j w[j] * x[j] in 4 partial sums: +6-10 % on lavapipe.
float dot_unit(float w[WT_UNIT], float x[WT_UNIT]) {
  float s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  [[unroll]] for (uint j = 0u; j < WT_UNIT; j += 4u) {
    s0 += w[j] * x[j];
    s1 += w[j + 1u] * x[j + 1u];
    s2 += w[j + 2u] * x[j + 2u];
    s3 += w[j + 3u] * x[j + 3u];
  }
  return (s0 + s1) + (s2 + s3);
}

#ifdef LANE_ROWS
// Decode with whole weight rows per lane (LANE_ROWS): a subgroup of 8 lanes computes 8 * LANE_RUNS consecutive
// rows, lane l rows l, l + 8, ..., each its row's whole dot product, so no lane sums are needed. The input is
// shared: for each 32 values, lane l fetches its texel (values 4l .. 4l + 3) and subgroupShuffle with a constant
// lane hands each value to every lane (on llvmpipe a register shuffle, where each lane fetching the 32 values
// itself took 8 texel fetches, each a call with 8 scalar loads; subgroupBroadcast is 3x slower there), and
// each input value serves LANE_RUNS rows. Against the flat decode below: Q8_0 / Q5_0 products at K = 640
// +54 % / +13 % (a 1 MiB matrix) and +54 % / +46 % (128 MiB), the 270M's decode step 124 -> 85 ms of CPU time
// (lavapipe's two threads; 2 or 8 rows per lane: within the noise of 4, 1: slower than flat). Lanes past the
// chunk's rows compute a valid row's product and store nothing: every lane takes part in the shuffles.
// TOKENS (1, or 4: several sequences' decode steps batched; 16 with X_PAIRS: prompts, below):
// workgroup row y takes tokens TOKENS * y .. + TOKENS - 1 of the step, each dequantized weight unit serving all
// of them. The lanes need units of 32 values (WT_WINDOW's) for the input shuffle.
#ifndef LANE_RUNS
#define LANE_RUNS 4u
#endif
#if WT_UNIT % 32 != 0
#error "LANE_ROWS: the input is shuffled 32 values at a time (units of 32 or 64 values)"
#endif
#ifdef NORM
float inv_rms[TOKENS];  // norm_matmul: each token's rms_norm factor (main)
#endif
// Values [v0, v0 + 32) of each token's input row (token t0 + t, the step's last past its end), to every lane:
// lane l fetches its texel (values v0 + 4l .. + 3) and subgroupShuffle with a constant lane hands each value to
// every lane. Where NORM, the values normed as rms_norm computes them: (x * factor) * weight.
void share_x32(uint t0, uint v0, out float xs[TOKENS][32]) {
  const uint lane = gl_SubgroupInvocationID;
  // Every token slot computes (a step's last token again past its end, not stored): llvmpipe runs a branch
  // on the token count as masked code anyway (3 tokens took longer than 4).
  [[unroll]] for (uint t = 0u; t < TOKENS; ++t) {
    const uint token = min(t0 + t, p.n_tokens - 1u);
    const uint texel = (token * p.K + v0) / 4u + lane;
#ifdef NORM
    const vec4 mine = (uintBitsToFloat(texelFetch(x_texels, int(texel))) * inv_rms[t]) *
                      uintBitsToFloat(texelFetch(norm_texels, int(v0 / 4u + lane)));
#else
    const vec4 mine = uintBitsToFloat(texelFetch(x_texels, int(texel)));
#endif
    [[unroll]] for (uint k = 0u; k < 8u; ++k) {
      xs[t][4u * k] = subgroupShuffle(mine.x, k);
      xs[t][4u * k + 1u] = subgroupShuffle(mine.y, k);
      xs[t][4u * k + 2u] = subgroupShuffle(mine.z, k);
      xs[t][4u * k + 3u] = subgroupShuffle(mine.w, k);
    }
  }
}

#ifdef WT_GROUP
#define WT_GROUP_TEXELS (WT_BLOCK_BYTES / 2u)  // 8 blocks of WT_BLOCK_BYTES bytes, in 16-byte texels
// Block b (a constant once unrolled) of a group whose first texel is `first`: its quants and scale. It starts
// in the texel block b - 1 ended in (carry; fetched for b = 0) and spans 2 or 3 texels; the last is kept.
float wt_group_block(uint first, uint b, inout uvec4 carry, out float q[32]) {
  const uint lo = (WT_BLOCK_BYTES * b) / 16u;
  const bool three = (WT_BLOCK_BYTES * (b + 1u) - 1u) / 16u == lo + 2u;
  const uvec4 t0 = b == 0u ? WT_TEXEL(first) : carry;
  const uvec4 t1 = WT_TEXEL(first + lo + 1u);
  const uvec4 t2 = three ? WT_TEXEL(first + lo + 2u) : uvec4(0u);
  carry = three ? t2 : t1;
  const uint v[12] = uint[12](t0.x, t0.y, t0.z, t0.w, t1.x, t1.y, t1.z, t1.w, t2.x, t2.y, t2.z, t2.w);
  return wt_block_scaled(v, WT_BLOCK_BYTES * b - 16u * lo, q);
}
#endif

void main() {
  const uint r0 = (gl_WorkGroupID.x * gl_NumSubgroups + gl_SubgroupID) * gl_SubgroupSize * LANE_RUNS;
  const uint t0 = gl_WorkGroupID.y * TOKENS;
  if (r0 >= p.rows || t0 >= p.n_tokens) return;  // uniform across the subgroup
  const uint n_tok = min(uint(TOKENS), p.n_tokens - t0);
  const uint lane = gl_SubgroupInvocationID;
  const uint n_units = p.K / WT_UNIT;
  float acc[LANE_RUNS][TOKENS];
  [[unroll]] for (uint i = 0u; i < LANE_RUNS; ++i)
    [[unroll]] for (uint t = 0u; t < TOKENS; ++t) acc[i][t] = 0.0;
#ifdef GATE_UP
  float acc_up[LANE_RUNS][TOKENS];  // acc: the gate rows' products
  [[unroll]] for (uint i = 0u; i < LANE_RUNS; ++i)
    [[unroll]] for (uint t = 0u; t < TOKENS; ++t) acc_up[i][t] = 0.0;
#endif
#ifdef NORM
  // norm_matmul: each token's rms_norm factor, from the lanes' sums of squares (texels lane, lane + 8, ...)
  // added by a butterfly; the values are then normed as they are shared (below), as rms_norm computes them:
  // (x * factor) * weight.
  [[unroll]] for (uint t = 0u; t < TOKENS; ++t) {
    const uint token = min(t0 + t, p.n_tokens - 1u);
    float ss = 0.0;
    for (uint q = lane; q < p.K / 4u; q += 8u) {
      const vec4 v = uintBitsToFloat(texelFetch(x_texels, int(token * (p.K / 4u) + q)));
      ss += dot(v, v);
    }
    ss += subgroupShuffleXor(ss, 4u);
    ss += subgroupShuffleXor(ss, 2u);
    ss += subgroupShuffleXor(ss, 1u);
    inv_rms[t] = 1.0 / sqrt(ss / float(p.K) + p.norm_eps);
  }
#endif
#ifdef WT_GROUP
  // Whole groups of 8 blocks (WT_GROUP_TEXELS texels each); each lane keeps, per row, the texel its block shares
  // with the next.
  const uint n_groups = p.K / 256u;
  for (uint g = 0u; g < n_groups; ++g) {
    uvec4 carry[LANE_RUNS];
#ifdef GATE_UP
    uvec4 carry_up[LANE_RUNS];
#endif
    [[unroll]] for (uint b = 0u; b < 8u; ++b) {
      float xv[TOKENS][32];
      share_x32(t0, 256u * g + 32u * b, xv);
      [[unroll]] for (uint i = 0u; i < LANE_RUNS; ++i) {
        const uint first = wt_row(min(r0 + 8u * i + lane, p.rows - 1u)) / 16u + WT_GROUP_TEXELS * g;
        float w[32];
#ifdef GATE_UP
        wt_up = false;
#endif
        const float d = wt_group_block(first, b, carry[i], w);
        [[unroll]] for (uint t = 0u; t < TOKENS; ++t) acc[i][t] += d * dot_unit(w, xv[t]);
#ifdef GATE_UP
        wt_up = true;
        const float du = wt_group_block(first, b, carry_up[i], w);
        [[unroll]] for (uint t = 0u; t < TOKENS; ++t) acc_up[i][t] += du * dot_unit(w, xv[t]);
#endif
      }
    }
  }
  const uint u_begin = 8u * n_groups;  // the rest, block by block
#elif defined(WT_SUPER)
  for (uint b = 0u; b < p.K / 256u; ++b) {
    uint words[LANE_RUNS][53];
    [[unroll]] for (uint i = 0u; i < LANE_RUNS; ++i)
      wt_super_words(wt_row(min(r0 + 8u * i + lane, p.rows - 1u)) + b * Q6_K_BYTES, words[i]);
    [[unroll]] for (uint u = 0u; u < 4u; ++u) {
      float xv[TOKENS][64];
      [[unroll]] for (uint c = 0u; c < 2u; ++c) {
        float xs[TOKENS][32];
        share_x32(t0, 256u * b + 64u * u + 32u * c, xs);
        [[unroll]] for (uint t = 0u; t < TOKENS; ++t)
          [[unroll]] for (uint j = 0u; j < 32u; ++j) xv[t][32u * c + j] = xs[t][j];
      }
      [[unroll]] for (uint i = 0u; i < LANE_RUNS; ++i) {
        float w[64];
        wt_super_unit(words[i], u, w);
        [[unroll]] for (uint t = 0u; t < TOKENS; ++t) acc[i][t] += dot_unit(w, xv[t]);
      }
    }
  }
  const uint u_begin = n_units;  // every unit done
#else
  const uint u_begin = 0u;
#endif
#ifdef X_PAIRS
  // Prompts (LANE_ROWS,X_PAIRS: Q4_0/Q5_0/Q4_K/Q6_K): each lane's rows whole, as in decode, for the TOKENS (16)
  // tokens of the workgroup's row, with the input quantized to 8-bit token pairs (quantize_pairs.comp, as the
  // unit kernel's X_PAIRS below). 32 values' 8 pair rows: lane l fetches texel l of each and subgroupShuffle hands
  // every word to every lane, so 8 fetches serve 8 lanes x LANE_RUNS rows x 16 tokens where the unit kernel
  // fetched 16 per 8 rows x 8 tokens of 16 values; each lane decodes 32 values per call (Q4_0/Q5_0: one 3-texel
  // window, not one per 16), and all lanes walk the same values (no divergent loop). A 32-value sum may pass
  // 16 bits: two 16-value halves (Q6_K: four of 8). 16 tokens against 8: kernels +6-87 %, pp128 +34 % on an AVX2
  // Zen 3; 32: +5 %, within the noise.
  const uint last_pair = (p.n_tokens - 1u) / 2u;  // pairs past it repeat it (not stored)
  for (uint u = 0u; u < p.K / 32u; ++u) {
    int xs[TOKENS / 2u][32];
    [[unroll]] for (uint pp = 0u; pp < TOKENS / 2u; ++pp) {
      const uint pair = min(t0 / 2u + pp, last_pair);
      const ivec4 mine = ivec4(texelFetch(x_texels, int((pair * p.K + 32u * u) / 4u + lane)));
      [[unroll]] for (uint k = 0u; k < 8u; ++k) {
        xs[pp][4u * k] = subgroupShuffle(mine.x, k);
        xs[pp][4u * k + 1u] = subgroupShuffle(mine.y, k);
        xs[pp][4u * k + 2u] = subgroupShuffle(mine.z, k);
        xs[pp][4u * k + 3u] = subgroupShuffle(mine.w, k);
      }
    }
    // The tokens' scales of values 32u .. 32u + 31: two texels per 8 tokens (t0 is a multiple of 8; groups
    // past the step's last repeat it).
    float xd[TOKENS];
    [[unroll]] for (uint g = 0u; g < TOKENS / 8u; ++g) {
      const uint group = min(t0 / 8u + g, (p.n_tokens - 1u) / 8u);
      const uint xd_texel = (group * (p.K / 32u) + u) * 2u;
      const vec4 da = uintBitsToFloat(texelFetch(xd_texels, int(xd_texel)));
      const vec4 db = uintBitsToFloat(texelFetch(xd_texels, int(xd_texel + 1u)));
      xd[8u * g] = da.x, xd[8u * g + 1u] = da.y, xd[8u * g + 2u] = da.z, xd[8u * g + 3u] = da.w;
      xd[8u * g + 4u] = db.x, xd[8u * g + 5u] = db.y, xd[8u * g + 6u] = db.z, xd[8u * g + 7u] = db.w;
    }
#ifdef WT_Q4_K
    // Its min term, m1 * the sum of the 32 activations: their integer sums per token from the pair words
    // (32 * 127 fits 16 bits).
    float xsum[TOKENS];
    [[unroll]] for (uint pp = 0u; pp < TOKENS / 2u; ++pp) {
      int s = 0;
      [[unroll]] for (uint j = 0u; j < 32u; ++j) s += xs[pp][j];
      const ivec2 t = pair_split(s);
      xsum[2u * pp] = float(t.x);
      xsum[2u * pp + 1u] = float(t.y);
    }
#endif
    [[unroll]] for (uint i = 0u; i < LANE_RUNS; ++i) {
      const uint row = min(r0 + 8u * i + lane, p.rows - 1u);
      int w[32];
#ifdef WT_Q4_K
      float m1;
      const float d = wt_block32_int(wt_row(row), u, w, m1);
#elif defined(WT_Q6_K)
      float d_hi;  // values 16..31's scale (d: 0..15's)
      const float d = wt_block32_int(wt_row(row), u, w, d_hi);
#else
      const float d = wt_block32_int(wt_row(row), u, w);
#endif
      [[unroll]] for (uint pp = 0u; pp < TOKENS / 2u; ++pp) {
#ifdef WT_Q6_K
        // |w| <= 32: sums of 8 values fit 16 bits; each half of 16 values has its scale.
        ivec2 half_sums[2] = ivec2[2](ivec2(0), ivec2(0));  // values 0..15 and 16..31: (token 2pp, 2pp + 1)
        [[unroll]] for (uint q = 0u; q < 4u; ++q) {
          int s = 0;
          [[unroll]] for (uint j = 0u; j < 8u; ++j) s += w[8u * q + j] * xs[pp][8u * q + j];
          half_sums[q >> 1] += pair_split(s);
        }
        acc[i][2u * pp] += xd[2u * pp] * (d * float(half_sums[0].x) + d_hi * float(half_sums[1].x));
        acc[i][2u * pp + 1u] += xd[2u * pp + 1u] * (d * float(half_sums[0].y) + d_hi * float(half_sums[1].y));
#else
        int s0 = 0, s1 = 0;
        [[unroll]] for (uint j = 0u; j < 16u; ++j) {
          s0 += w[j] * xs[pp][j];
          s1 += w[j + 16u] * xs[pp][j + 16u];
        }
        const ivec2 t = pair_split(s0) + pair_split(s1);  // each half apart: 32 values may pass 16 bits
#ifdef WT_Q4_K
        acc[i][2u * pp] += xd[2u * pp] * (d * float(t.x) - m1 * xsum[2u * pp]);
        acc[i][2u * pp + 1u] += xd[2u * pp + 1u] * (d * float(t.y) - m1 * xsum[2u * pp + 1u]);
#else
        acc[i][2u * pp] += d * xd[2u * pp] * float(t.x);
        acc[i][2u * pp + 1u] += d * xd[2u * pp + 1u] * float(t.y);
#endif
#endif  // WT_Q6_K
      }
    }
  }
#else
  for (uint u = u_begin; u < n_units; ++u) {
    float xv[TOKENS][WT_UNIT];
    [[unroll]] for (uint c = 0u; c < WT_UNIT / 32u; ++c) {
      float xs[TOKENS][32];
      share_x32(t0, u * WT_UNIT + 32u * c, xs);
      [[unroll]] for (uint t = 0u; t < TOKENS; ++t)
        [[unroll]] for (uint j = 0u; j < 32u; ++j) xv[t][32u * c + j] = xs[t][j];
    }
    [[unroll]] for (uint i = 0u; i < LANE_RUNS; ++i) {
      const uint row = min(r0 + 8u * i + lane, p.rows - 1u);
      float w[WT_UNIT];
#ifdef GATE_UP
      wt_up = false;
#endif
      const float d = wt_unit_scaled(wt_row(row), u, w);
      [[unroll]] for (uint t = 0u; t < TOKENS; ++t) acc[i][t] += d * dot_unit(w, xv[t]);
#ifdef GATE_UP
      wt_up = true;
      const float du = wt_unit_scaled(wt_row(row), u, w);
      [[unroll]] for (uint t = 0u; t < TOKENS; ++t) acc_up[i][t] += du * dot_unit(w, xv[t]);
#endif
    }
  }
#endif  // X_PAIRS
  [[unroll]] for (uint i = 0u; i < LANE_RUNS; ++i) {
    if (r0 + 8u * i + lane < p.rows) {
      [[unroll]] for (uint t = 0u; t < TOKENS; ++t) {
        if (t >= n_tok) break;
        const uint o = (t0 + t) * p.out_stride + p.row_offset + r0 + 8u * i + lane;
#ifdef GEGLU
        out_data[o] = gelu_tanh(gate[o]) * acc[i][t];
#elif defined(GATE_UP)
        out_data[o] = gelu_tanh(acc[i][t]) * acc_up[i][t];
#else
        out_data[o] = acc[i][t];
#endif
      }
    }
  }
#ifdef NORM_ADD
  // matmul_norm_add: the last subgroup to finish its rows norms the whole product row and adds the residual, as
  // rms_norm_add does (rms_norm.comp RESIDUAL: residual + (x * factor) * weight), so no second dispatch runs.
  // Each subgroup's stores are made visible before it counts itself; the last one reads after it saw the count.
  memoryBarrierBuffer();
  uint done = 0u;
  if (subgroupElect()) done = atomicAdd(counter[0], 1u);
  done = subgroupBroadcastFirst(done);
  const uint n_subgroups = (p.rows + 8u * LANE_RUNS - 1u) / (8u * LANE_RUNS);  // those past the rows returned
  if (done == n_subgroups - 1u) {
    memoryBarrierBuffer();
    float ss = 0.0;
    for (uint i = lane; i < p.rows / 4u; i += 8u) {
      const vec4 v = vec4(out_data[4u * i], out_data[4u * i + 1u], out_data[4u * i + 2u], out_data[4u * i + 3u]);
      ss += v.x * v.x + v.y * v.y + v.z * v.z + v.w * v.w;
    }
    ss += subgroupShuffleXor(ss, 4u);
    ss += subgroupShuffleXor(ss, 2u);
    ss += subgroupShuffleXor(ss, 1u);
    const float r = 1.0 / sqrt(ss / float(p.rows) + p.norm_eps);
    for (uint i = lane; i < p.rows / 4u; i += 8u) {
      const vec4 v = vec4(out_data[4u * i], out_data[4u * i + 1u], out_data[4u * i + 2u], out_data[4u * i + 3u]);
      const vec4 normed = v * r * uintBitsToFloat(texelFetch(post_norm_texels, int(i)));
      const vec4 sum = uintBitsToFloat(texelFetch(residual_texels, int(i))) + normed;
      sum_data[4u * i] = sum.x, sum_data[4u * i + 1u] = sum.y, sum_data[4u * i + 2u] = sum.z;
      sum_data[4u * i + 3u] = sum.w;
    }
    if (subgroupElect()) counter[0] = 0u;  // for the next dispatch
  }
#endif
}
#else
void main() {
  const uint r0 = (gl_WorkGroupID.x * gl_NumSubgroups + gl_SubgroupID) * ROWS;
  const uint t0 = gl_WorkGroupID.y * TOKENS;
  if (r0 >= p.rows || t0 >= p.n_tokens) return;  // uniform across the subgroup
  const uint n_tok = min(uint(TOKENS), p.n_tokens - t0);
  const uint n_rows = min(uint(ROWS), p.rows - r0);
  const uint n_units = p.K / WT_UNIT;
  float acc[ROWS][TOKENS];
  [[unroll]] for (uint i = 0u; i < ROWS; ++i)
    [[unroll]] for (uint t = 0u; t < TOKENS; ++t) acc[i][t] = 0.0;
#if TOKENS == 1
  // Flat item f = i * n_units + u over the subgroup's row pairs, kept as (pair i, unit u) by subtraction: a
  // row may have fewer units than the subgroup has lanes. Each fetched input unit serves the pair's 2 rows.
  const uint n_pairs = (n_rows + 1u) / 2u;
  uint i = 0u, u = gl_SubgroupInvocationID;
  while (u >= n_units) u -= n_units, ++i;
  for (uint f = gl_SubgroupInvocationID; f < n_pairs * n_units; f += gl_SubgroupSize) {
    float xv[WT_UNIT];
    load_x(t0 * p.K + u * WT_UNIT, xv);
    [[unroll]] for (uint k = 0u; k < 2u; ++k) {
      const uint row = 2u * i + k;
      if (row < n_rows) {
        float w[WT_UNIT];
        const float d = wt_unit_scaled(wt_row(r0 + row), u, w);
        const float s = d * dot_unit(w, xv);
        // The lanes' pairs differ: a select per accumulator (a dynamic index is a per-lane loop on llvmpipe).
        [[unroll]] for (uint q = 0u; q < ROWS / 2u; ++q) acc[2u * q + k][0] += q == i ? s : 0.0;
      }
    }
    u += gl_SubgroupSize;
    while (u >= n_units) u -= n_units, ++i;
  }
#elif defined(X_PAIRS)
  // t0 is a multiple of 8: the pairs t0 / 2 .. t0 / 2 + 3.
  const uint blocks = p.K / 32u;
  for (uint u = gl_SubgroupInvocationID; u < n_units; u += gl_SubgroupSize) {
    int xp[TOKENS / 2][WT_UNIT];
    // Pairs past the step's last repeat it (their sums are not stored): no branch per pair, which llvmpipe
    // runs as a test of every lane's mask around each block.
    const uint last_pair = (p.n_tokens - 1u) / 2u;
    [[unroll]] for (uint pp = 0u; pp < TOKENS / 2u; ++pp)
      load_pairs(min(t0 / 2u + pp, last_pair) * p.K + u * WT_UNIT, xp[pp]);
    // The 8 tokens' scales of block u / 2: two texels.
    const uint xd_texel = ((t0 / 8u) * blocks + (u >> 1)) * 2u;
    const vec4 da = uintBitsToFloat(texelFetch(xd_texels, int(xd_texel)));
    const vec4 db = uintBitsToFloat(texelFetch(xd_texels, int(xd_texel + 1u)));
    const float xd[8] = float[8](da.x, da.y, da.z, da.w, db.x, db.y, db.z, db.w);
#ifdef WT_UNIT_MIN
    // Q4_K's min term, m1 * sum of the unit's activations: their integer sums per token, from the pair words
    // (a 16-value sum of |q| <= 127 fits 16 bits as well).
    float xsum[TOKENS];
    [[unroll]] for (uint pp = 0u; pp < TOKENS / 2u; ++pp) {
      int s = 0;
      [[unroll]] for (uint j = 0u; j < WT_UNIT; ++j) s += xp[pp][j];
      const ivec2 t = pair_split(s);
      xsum[2u * pp] = float(t.x);
      xsum[2u * pp + 1u] = float(t.y);
    }
#endif
    [[unroll]] for (uint i = 0u; i < ROWS; ++i) {
      // Rows past the chunk's repeat its last (not stored).
      const uint row = min(r0 + i, p.rows - 1u);
      int w[WT_UNIT];
#ifdef WT_UNIT_MIN
      float m;
      const float d = wt_unit_int(wt_row(row), u, w, m);
#else
      const float d = wt_unit_int(wt_row(row), u, w);
#endif
      [[unroll]] for (uint pp = 0u; pp < TOKENS / 2u; ++pp) {
        int s0 = 0, s1 = 0;
        [[unroll]] for (uint j = 0u; j < WT_UNIT; j += 2u) {
          s0 += w[j] * xp[pp][j];
          s1 += w[j + 1u] * xp[pp][j + 1u];
        }
#ifdef WT_PAIR_HALVES
        // Q6_K: 8 products each (|w| <= 32); the sums of even and odd values decoded apart.
        const ivec2 t = pair_split(s0) + pair_split(s1);
#else
        const ivec2 t = pair_split(s0 + s1);
#endif
#ifdef WT_UNIT_MIN
        acc[i][2u * pp] += xd[2u * pp] * (d * float(t.x) - m * xsum[2u * pp]);
        acc[i][2u * pp + 1u] += xd[2u * pp + 1u] * (d * float(t.y) - m * xsum[2u * pp + 1u]);
#else
        acc[i][2u * pp] += d * xd[2u * pp] * float(t.x);
        acc[i][2u * pp + 1u] += d * xd[2u * pp + 1u] * float(t.y);
#endif
      }
    }
  }
#else
  for (uint u = gl_SubgroupInvocationID; u < n_units; u += gl_SubgroupSize) {
    // Tokens past the step's last and rows past the chunk's repeat the last (not stored): no branches.
    float xv[TOKENS][WT_UNIT];
    [[unroll]] for (uint t = 0u; t < TOKENS; ++t) load_x(min(t0 + t, p.n_tokens - 1u) * p.K + u * WT_UNIT, xv[t]);
    [[unroll]] for (uint i = 0u; i < ROWS; ++i) {
      float w[WT_UNIT];
      const float d = wt_unit_scaled(wt_row(min(r0 + i, p.rows - 1u)), u, w);
      [[unroll]] for (uint t = 0u; t < TOKENS; ++t) acc[i][t] += d * dot_unit(w, xv[t]);
    }
  }
#endif
  store_totals(acc, r0, t0);
}
#endif  // LANE_ROWS
