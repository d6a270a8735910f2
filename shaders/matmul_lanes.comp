#version 450
// out[t, row_offset + r] = dot(dequant(weight row r), x[t]) on CPU-type Vulkan devices (lavapipe) with whole
// weight rows per lane: the default there for decode and prompts of block types (Q4_0, Q5_0, Q8_0, Q4_K, Q5_K,
// Q6_K; runtime/vulkan/planner.h lane_rows_type), where matmul_rows.comp spreads a row's units over the lanes.
// A subgroup of 8 lanes computes 8 * LANE_RUNS consecutive rows, lane l rows l, l + 8, ..., each its row's
// whole dot product, so no lane sums are needed. The input is shared: for each 32 values, lane l fetches its
// texel (values 4l .. 4l + 3) and subgroupShuffle with a constant lane hands each value to every lane (on
// llvmpipe a register shuffle, where each lane fetching the 32 values itself took 8 texel fetches, each a call
// with 8 scalar loads; subgroupBroadcast is 3x slower there), and each input value serves LANE_RUNS rows.
// Against the flat decode (matmul_rows.comp): Q8_0 / Q5_0 products at K = 640 +54 % / +13 % (a 1 MiB matrix)
// and +54 % / +46 % (128 MiB), the 270M's decode step 124 -> 85 ms of CPU time (lavapipe's two threads; 2 or 8
// rows per lane: within the noise of 4, 1: slower than flat). Lanes past the chunk's rows compute a valid row's
// product and store nothing: every lane takes part in the shuffles. The weight store interleaves these rows
// (wt_rows.glsl), so a subgroup's 8 lanes read 128 contiguous bytes.
// TOKENS (1, or 4: several sequences' decode steps batched; 16 with X_PAIRS: prompts, in main): workgroup row y
// takes tokens TOKENS * y .. + TOKENS - 1 of the step, each dequantized weight unit serving all of them. The
// lanes need units of 32 values (WT_WINDOW's) for the input shuffle. Push constants as matmul.comp's.
// GEGLU variants: out = gelu_tanh(gate) * the product (ops.h matmul_geglu), gate at binding 2.
// NORM variants: norm_matmul's decode, the input row normed in the kernel (rms_norm: the factor from the row's
// sum of squares, then x * factor * the norm weight at binding 3), so no norm pass runs before it.
// NORM,GATE_UP: norm_gate_up's decode, each lane's rows of the gate (binding 1) and of the up weight (binding 4)
// from the same shared input, out = gelu_tanh(gate product) * up product.
// NORM_ADD: matmul_norm_add's decode of one token, the post-norm and residual add in the last subgroup.
// X_PAIRS variants (prompts of Q4_0/Q5_0/Q4_K/Q6_K unless exact fp32 is asked for): the input quantized to 8-bit
// token pairs by quantize_pairs.comp, as in matmul_rows.comp's X_PAIRS (its header says how the sums work).
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#extension GL_KHR_shader_subgroup_ballot : require

#define WG_SIZE 16  // 2 subgroups of LANE_RUNS * 8 rows: a 256-row matrix still makes 4 workgroups
#ifndef TOKENS
#define TOKENS 1
#endif
#if defined(X_PAIRS) && TOKENS != 16
#error "X_PAIRS: prompts, 16 tokens per workgroup"
#endif
#ifdef NORM
// norm_matmul's decode: the norm's weight, as texels of 4 floats (after the output).
#ifdef GEGLU
#error "NORM: without GeGLU"
#endif
layout(set = 0, binding = 3) uniform usamplerBuffer norm_texels;
#endif
#ifdef NORM_ADD
// matmul_norm_add's decode (one token): the post-norm weight and the residual as texels, the normed sum's
// destination, and the counter of subgroups done (zero between dispatches).
#if defined(GEGLU) || defined(NORM) || TOKENS != 1
#error "NORM_ADD: one token, without GeGLU or NORM"
#endif
layout(set = 0, binding = 3) uniform usamplerBuffer post_norm_texels;
layout(set = 0, binding = 4) uniform usamplerBuffer residual_texels;
layout(std430, set = 0, binding = 5) writeonly buffer Sum { float sum_data[]; };
layout(std430, set = 0, binding = 6) coherent buffer Counter { uint counter[]; };
#endif
#ifdef GATE_UP
// norm_gate_up's decode: the up weight beside the gate's (binding 1), the same rows. The dequantizers read
// whichever wt_up names: set before each call, it is a constant once the call is inlined, so each fetch reads
// one buffer.
#ifndef NORM
#error "GATE_UP: with NORM"
#endif
layout(set = 0, binding = 4) uniform usamplerBuffer up_texels;
bool wt_up = false;
#define WT_TEXEL(q) (wt_up ? texelFetch(up_texels, int(wt_texel(q))) : texelFetch(wt_texels, int(wt_texel(q))))
#endif
// Q4_0/Q5_0/Q8_0 units are whole blocks read through a 3-texel window (wt_load.glsl wt_window).
#define WT_WINDOW
#ifdef WT_Q8_0
// Q8_0 decode: whole groups of 8 blocks at constant offsets on rows that start on a texel (wt_load.glsl's groups;
// the planner takes this kernel only for such rows), the blocks past the last whole group through the window.
// Kernels (vkgemma_bench_kernels --tokens 1 --mib 128, alternating runs): K = 2048 +23 %, 2560 +27 %, 1152 +5 %,
// 640 (two groups and 4 blocks) within the noise. The same groups for Q4_0/Q5_0 (9/11 texels) measured 11 %
// slower there, so those keep the window.
#define WT_GROUP
#endif
#if !defined(X_PAIRS) && !defined(GATE_UP) && defined(WT_Q6_K)
// Q6_K decode: each row's block read once, whole (quant_q6_k.glsl wt_super_words), then its four units of 64
// decoded from registers (rows on whole texels: the weight store pads them on these devices).
#define WT_SUPER
#endif
#include "matmul_texels.glsl"

#ifndef LANE_RUNS
#define LANE_RUNS 4u
#endif
#if WT_UNIT % 32 != 0
#error "matmul_lanes: the input is shuffled 32 values at a time (units of 32 or 64 values)"
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
  // Prompts (X_PAIRS: Q4_0/Q5_0/Q4_K/Q6_K): each lane's rows whole, as in decode, for the TOKENS (16)
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
