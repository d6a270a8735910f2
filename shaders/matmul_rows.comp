#version 450
// out[t, row_offset + r] = dot(dequant(weight row r), x[t]) on CPU-type Vulkan devices (lavapipe), where a
// workgroup barrier is a coroutine switch of every SIMD batch and costs more than the arithmetic it would save,
// and where loads are the cost (matmul_texels.glsl's bindings); GPUs use matmul.comp. Each subgroup (on
// llvmpipe: one SIMD batch of 8 lanes) computes ROWS rows for TOKENS tokens: its lanes take consecutive units
// of those rows (so the lanes' fetches share cache lines: +29 % on a Q8_0 matrix-vector product against one row
// group per lane), each fetched input value serves ROWS rows and, in the prefill variant (TOKENS 8), each
// dequantized weight unit TOKENS tokens; a transposing butterfly sums the lanes at the end (below). No shared
// memory, no barriers. Workgroup (gx, gy) computes rows ROWS * (gx * subgroups + subgroup) for tokens
// TOKENS*gy .. +TOKENS-1. Decode and prompts of block types where rows per lane run (the default there) use
// matmul_lanes.comp instead; this kernel serves element types, VKGEMMA_KERNELS=flat-decode, and what
// matmul_lanes.comp cannot take. Decode here uses TOKENS 1, as llvmpipe runs masked-off token iterations
// anyway; there the lanes walk the units of ROWS / 2 row pairs as one flat range (a lane's next unit may be in
// the next pair), so no lane idles when a row's units do not fill the subgroup (Gemma 3 270M: 20 Q8_0/Q5_0
// blocks per row on 8 lanes), and the block types' scale multiplies a unit's sum (WT_UNIT_SCALE): together
// +22 % on the 270M's Q8_0 logits product, +15 % generation; pairs rather than single rows (an input unit
// fetched once for two rows): +28 % on that product, +6 % generation. Push constants as matmul.comp's.
// GEGLU variants: out = gelu_tanh(gate) * the product (ops.h matmul_geglu), gate at binding 2.
// X_PAIRS variants (prefill with Q4_0/Q5_0/Q4_K/Q6_K weights unless exact fp32 is asked for): the input comes
// quantized to 8 bits by quantize_pairs.comp, two tokens per 32-bit word (q[2p] + 65536 q[2p + 1]), and a
// weight unit's dot product with a pair is one integer multiply-add per value for both tokens: with |w| <= 16
// (Q4_K: its nibbles, the min a separate term) and |q| <= 127 a 16-value sum stays within 16 bits (Q6_K's
// |w| <= 32: 8-value sums), so its low half is token 2p's sum and the rest, shifted down, token 2p + 1's.
// llvmpipe has no fused multiply-add (ffma becomes a multiply and an add), so this halves the prefill's
// multiply-add instructions, and the packed input is half the texel fetches: kernels at 141 tokens +23-46 %
// (Q5_0), +35 % (Q4_K, Q6_K) with the quantize pass. The activation scales per token and block of 32 come
// from a third texel buffer (bound after the output).
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#extension GL_KHR_shader_subgroup_ballot : require

#define WG_SIZE 64
#ifndef TOKENS
#define TOKENS 1  // matmul_rows_<type>: decode; matmul_rows_tokens8_<type> (TOKENS=8): prefill
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
#if defined(X_PAIRS) && TOKENS != 8
#error "X_PAIRS: prefill, 8 tokens"
#endif
#if TOKENS == 1
// Decode: Q4_0/Q5_0/Q8_0 units are whole blocks read through a 3-texel window (wt_load.glsl wt_window):
// +12-22 % on a Q5_0/Q8_0 matrix-vector product. Not in prefill, where 32-value units of 4 tokens' inputs
// spill (Q5_0 -14 %).
#define WT_WINDOW
#endif
#include "matmul_texels.glsl"

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
