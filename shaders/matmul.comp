#version 450
// out[t, row_offset + r] = dot(dequant(weight row r), x[t]) for the chunk of `rows` weight rows bound at
// binding 1, on GPUs (CPU-type devices use matmul_rows.comp). Workgroup (gx, gy) computes rows 8*gx .. 8*gx+7
// for tokens TOKENS*gy .. +TOKENS-1: the 64 threads stride over the K / WT_UNIT dequantization units of the
// rows (each x unit loaded once for all 8 rows, each dequantized unit used for all TOKENS tokens), fp32
// partial sums are reduced through shared memory. Variants: one per weight type (WT_* define,
// include/quant.glsl); matmul4_<type> (TOKENS=4) for prompts: a quarter of the weight reads and dequantizing;
// matmul_geglu_<type>, matmul4_geglu_<type> (GEGLU): out = gelu_tanh(gate) * the product (ops.h
// matmul_geglu), gate at binding 2. SUBGROUP_SUM variants (devices with subgroup shuffles: every desktop GPU):
// the 64 partial sums of an output are added by a shuffle butterfly within each subgroup and the subgroups' totals
// through shared memory, one barrier where the shared-memory tree takes log2(64) = 6 rounds of barriers
// (VKGEMMA_KERNELS=tree-sum keeps the tree). NORM variants: norm_matmul's decode (1 or 4 tokens), the input rows
// normed in the kernel (rms_norm's factor from each row's sum of squares, then x * factor * the norm weight at
// binding 3), so no norm pass runs before it. ROWS_PER_WG=2 variants (decode with subgroup sums, under
// VKGEMMA_KERNELS=decode-rows2): 2 rows per workgroup, 4x the workgroups of 8 (llama.cpp's matrix-vector
// shaders take 1-2 rows per workgroup), so that small matrices still spread over a large GPU; the GPU bundle
// times both (tools/gpu), as no GPU has decided between them yet. WG_SIZE=256 variants (one token, subgroup
// sums): 256 threads stride over the 8 rows' units, for rows of many units in products of few workgroups (the
// planner's choice, ops/matmul.cpp), where 64 threads would keep too few loads in flight. INT8_DOT variants
// (block types, decode: 1 token or 4-token groups, with subgroup sums, under VKGEMMA_KERNELS=int8-dot where the
// device has VK_KHR_shader_integer_dot_product, and not with exact fp32 products asked for): each 16-value unit
// of the input quantized to 8 bits per token (include/int8_dot.glsl), the weight unit's quants packed as bytes
// (quant.glsl wt_unit_i8) and multiplied by packed 4x8-bit dot products, the scales applied once per unit, as
// llama.cpp's quantized matrix-vector shaders.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#ifdef SUBGROUP_SUM
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#endif
#ifdef INT8_DOT
#extension GL_EXT_spirv_intrinsics : require
#endif

#ifndef WG_SIZE
#define WG_SIZE 64  // WG_SIZE=256 variants: one-token decode of rows with many units (the planner's choice)
#endif
#ifndef ROWS_PER_WG
#define ROWS_PER_WG 8
#endif
#ifndef TOKENS
#define TOKENS 1  // matmul_<type>: decode; matmul4_<type> (TOKENS=4): prefill, each dequantized unit serves 4 tokens
#endif

layout(local_size_x = WG_SIZE, local_size_y = 1, local_size_z = 1) in;

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Weights { uint wt_words[]; };
#ifdef GEGLU
layout(std430, set = 0, binding = 2) readonly buffer Gate { float gate[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Out { float out_data[]; };
#elif defined(NORM_ADD)
// matmul_norm_add's decode (one token): the product, read back by the last workgroup (below), then the post-norm
// weight, the residual, the normed sum's destination and the counter of workgroups done (zero between
// dispatches).
#if TOKENS != 1 || defined(NORM)
#error "NORM_ADD: a variant of the one-token product"
#endif
layout(std430, set = 0, binding = 2) coherent buffer Out { float out_data[]; };
layout(std430, set = 0, binding = 3) readonly buffer PostNorm { float post_norm[]; };
layout(std430, set = 0, binding = 4) readonly buffer Residual { float residual[]; };
layout(std430, set = 0, binding = 5) writeonly buffer Sum { float sum_data[]; };
layout(std430, set = 0, binding = 6) coherent buffer Counter { uint counter[]; };
shared uint done;
#else
layout(std430, set = 0, binding = 2) writeonly buffer Out { float out_data[]; };
#endif

#ifdef NORM
// norm_matmul's decode: the norm's weight (after the output).
#ifdef GEGLU
#error "NORM: a variant without GeGLU"
#endif
layout(std430, set = 0, binding = 3) readonly buffer NormWeight { float norm_w[]; };
#endif

#include "matmul.push.h"

#ifdef GATE_UP
// norm_gate_up's decode: the up weight beside the gate's (binding 1), the same rows; out = gelu(gate product) *
// up product. The dequantizers read whichever wt_up names: set before each call, it is a constant once the call
// is inlined.
#ifndef NORM
#error "GATE_UP: a variant with NORM"
#endif
layout(std430, set = 0, binding = 4) readonly buffer UpWeights { uint up_words[]; };
bool wt_up = false;
#define WT_WORD(i) (wt_up ? up_words[i] : wt_words[i])
#define PARTS 2u
#else
#define WT_WORD(i) wt_words[i]
#define PARTS 1u
#endif
#include "quant.glsl"
#include "math.glsl"
#ifdef INT8_DOT
#if WT_UNIT != 16
#error "INT8_DOT: units of 16 values (the block types read by words)"
#endif
#include "int8_dot.glsl"
#endif

// Loops over a row's values by thread (the norms' sums of squares, matmul_norm_add's epilogue) load BATCH
// iterations' values before using them, in the plain loop's order: a GPU would otherwise wait on each load
// before the next (the sum carries from one to the next; the epilogue's stores may alias its loads).
#define BATCH 4u

// The partial sums of each output (GATE_UP: the gate's, then the up's).
#define OUTS (ROWS_PER_WG * TOKENS)
shared float red[OUTS * PARTS][WG_SIZE];

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint t0 = gl_WorkGroupID.y * TOKENS;
  const uint n_tok = t0 < p.n_tokens ? min(uint(TOKENS), p.n_tokens - t0) : 0u;  // uniform per workgroup
  const uint r0 = gl_WorkGroupID.x * ROWS_PER_WG;
  const uint n_rows = r0 < p.rows ? min(uint(ROWS_PER_WG), p.rows - r0) : 0u;  // uniform per workgroup
  const uint n_units = p.K / WT_UNIT;

  float acc[PARTS][ROWS_PER_WG][TOKENS];
  [[unroll]] for (uint q = 0u; q < PARTS; ++q)
    [[unroll]] for (uint r = 0u; r < ROWS_PER_WG; ++r)
      [[unroll]] for (uint t = 0u; t < TOKENS; ++t) acc[q][r][t] = 0.0;
#ifdef NORM
  // norm_matmul: each token's rms_norm factor, its sum of squares added by the threads through shared memory
  // (one barrier per round, once per dispatch); the values are then normed as they are loaded, as rms_norm
  // computes them: (x * factor) * weight.
  float inv_rms[TOKENS];
  [[unroll]] for (uint t = 0u; t < TOKENS; ++t) {
    float ss = 0.0;
    if (t < n_tok)
      for (uint k0 = tid; k0 < p.K; k0 += BATCH * WG_SIZE) {
        float v[BATCH];
        [[unroll]] for (uint i = 0u; i < BATCH; ++i) {
          const uint k = k0 + i * WG_SIZE;
          v[i] = k < p.K ? x[(t0 + t) * p.K + k] : 0.0;
        }
        [[unroll]] for (uint i = 0u; i < BATCH; ++i) ss += v[i] * v[i];
      }
    red[t][tid] = ss;
  }
  barrier();
  [[unroll]] for (uint stride = WG_SIZE / 2; stride > 0u; stride >>= 1) {
    if (tid < stride) [[unroll]] for (uint t = 0u; t < TOKENS; ++t) red[t][tid] += red[t][tid + stride];
    barrier();
  }
  [[unroll]] for (uint t = 0u; t < TOKENS; ++t) inv_rms[t] = 1.0 / sqrt(red[t][0] / float(p.K) + p.norm_eps);
  barrier();  // red is the partial sums' array again below
#endif

  for (uint u = tid; u < n_units; u += WG_SIZE) {
    float xv[TOKENS][WT_UNIT];
    [[unroll]] for (uint t = 0u; t < TOKENS; ++t)
      if (t < n_tok)
#ifdef NORM
        [[unroll]] for (uint j = 0u; j < WT_UNIT; ++j)
          xv[t][j] = (x[(t0 + t) * p.K + u * WT_UNIT + j] * inv_rms[t]) * norm_w[u * WT_UNIT + j];
#else
        [[unroll]] for (uint j = 0u; j < WT_UNIT; ++j) xv[t][j] = x[(t0 + t) * p.K + u * WT_UNIT + j];
#endif
#ifdef INT8_DOT
    // Each token's unit quantized to 8 bits once, for all the rows: 4 packed dot products per row and unit
    // where the fp32 path dequantized and multiplied 16 values.
    uint xq[TOKENS][4];
    float xd[TOKENS], xq_sum[TOKENS];
    [[unroll]] for (uint t = 0u; t < TOKENS; ++t)
      if (t < n_tok) x_quantize16(xv[t], xq[t], xd[t], xq_sum[t]);
    [[unroll]] for (uint r = 0u; r < ROWS_PER_WG; ++r) {
      if (r < n_rows) {
        [[unroll]] for (uint q = 0u; q < PARTS; ++q) {
#ifdef GATE_UP
          wt_up = q == 1u;
#endif
          uint wq[4];
          float m;
          const float s = wt_unit_i8((r0 + r) * p.row_bytes, u, wq, m);
          [[unroll]] for (uint t = 0u; t < TOKENS; ++t) {
            if (t < n_tok) {
              const int dot = sdot4x8(wq[0], xq[t][0]) + sdot4x8(wq[1], xq[t][1]) + sdot4x8(wq[2], xq[t][2]) +
                              sdot4x8(wq[3], xq[t][3]);
              acc[q][r][t] += xd[t] * (s * float(dot) - m * xq_sum[t]);
            }
          }
        }
      }
    }
#else
    [[unroll]] for (uint r = 0u; r < ROWS_PER_WG; ++r) {
      if (r < n_rows) {
        [[unroll]] for (uint q = 0u; q < PARTS; ++q) {
#ifdef GATE_UP
          wt_up = q == 1u;
#endif
          float w[WT_UNIT];
          wt_dequant_unit((r0 + r) * p.row_bytes, u, w);
          [[unroll]] for (uint t = 0u; t < TOKENS; ++t) {
            if (t < n_tok) {
              float s = 0.0;
              [[unroll]] for (uint j = 0u; j < WT_UNIT; ++j) s += w[j] * xv[t][j];
              acc[q][r][t] += s;
            }
          }
        }
      }
    }
#endif  // INT8_DOT
  }

  // Output q * OUTS + r * TOKENS + t of the partial sums (q: GATE_UP's gate 0 or up 1).
#ifdef SUBGROUP_SUM
  [[unroll]] for (uint q = 0u; q < PARTS; ++q)
    [[unroll]] for (uint r = 0u; r < ROWS_PER_WG; ++r)
      [[unroll]] for (uint t = 0u; t < TOKENS; ++t) {
        // A butterfly (pairwise, as the tree adds; subgroupAdd's order is the driver's: a sequential loop over
        // the lanes on llvmpipe, whose rounding missed the K-quant tolerance of the tests).
        float total = acc[q][r][t];
        for (uint m = gl_SubgroupSize / 2u; m > 0u; m >>= 1) total += subgroupShuffleXor(total, m);
        if (subgroupElect()) red[q * OUTS + r * TOKENS + t][gl_SubgroupID] = total;
      }
  barrier();
  // Thread rt adds the subgroups' totals of output rt into red[rt][0] (it alone reads and writes that row).
  for (uint rt = tid; rt < OUTS * PARTS; rt += WG_SIZE) {
    float total = 0.0;
    for (uint g = 0u; g < gl_NumSubgroups; ++g) total += red[rt][g];
    red[rt][0] = total;
  }
#else
  [[unroll]] for (uint q = 0u; q < PARTS; ++q)
    [[unroll]] for (uint r = 0u; r < ROWS_PER_WG; ++r)
      [[unroll]] for (uint t = 0u; t < TOKENS; ++t) red[q * OUTS + r * TOKENS + t][tid] = acc[q][r][t];
  barrier();
  [[unroll]] for (uint stride = WG_SIZE / 2; stride > 0u; stride >>= 1) {
    if (tid < stride) {
      [[unroll]] for (uint rt = 0u; rt < OUTS * PARTS; ++rt) red[rt][tid] += red[rt][tid + stride];
    }
    barrier();
  }
#endif
#if defined(GATE_UP) && defined(SUBGROUP_SUM)
  barrier();  // the up totals come from other threads than the gate's
#endif
  for (uint rt = tid; rt < OUTS; rt += WG_SIZE) {
    const uint r = rt / TOKENS, t = rt % TOKENS;
    if (r < n_rows && t < n_tok) {
      const uint o = (t0 + t) * p.out_stride + p.row_offset + r0 + r;
#ifdef GEGLU
      out_data[o] = gelu_tanh(gate[o]) * red[rt][0];
#elif defined(GATE_UP)
      out_data[o] = gelu_tanh(red[rt][0]) * red[OUTS + rt][0];
#else
      out_data[o] = red[rt][0];
#endif
    }
  }
#ifdef NORM_ADD
  // matmul_norm_add: the last workgroup to finish its rows norms the whole product row and adds the residual, as
  // rms_norm_add does (residual + (x * factor) * weight), so no second dispatch runs. The workgroup's stores are
  // made visible before it counts itself; the last one reads after it saw the count.
  memoryBarrierBuffer();
  barrier();
  if (tid == 0u) done = atomicAdd(counter[0], 1u);
  barrier();
  if (done == (p.rows + ROWS_PER_WG - 1u) / ROWS_PER_WG - 1u) {  // uniform per workgroup
    memoryBarrierBuffer();
    float ss = 0.0;
    for (uint i0 = tid; i0 < p.rows; i0 += BATCH * WG_SIZE) {
      float v[BATCH];
      [[unroll]] for (uint j = 0u; j < BATCH; ++j) {
        const uint i = i0 + j * WG_SIZE;
        v[j] = i < p.rows ? out_data[i] : 0.0;
      }
      [[unroll]] for (uint j = 0u; j < BATCH; ++j) ss += v[j] * v[j];
    }
    red[0][tid] = ss;
    barrier();
    for (uint stride = WG_SIZE / 2; stride > 0u; stride >>= 1) {
      if (tid < stride) red[0][tid] += red[0][tid + stride];
      barrier();
    }
    const float r = 1.0 / sqrt(red[0][0] / float(p.rows) + p.norm_eps);
    for (uint i0 = tid; i0 < p.rows; i0 += BATCH * WG_SIZE) {
      float v[BATCH], res[BATCH], g[BATCH];
      [[unroll]] for (uint j = 0u; j < BATCH; ++j) {
        const uint i = min(i0 + j * WG_SIZE, p.rows - 1u);
        v[j] = out_data[i], res[j] = residual[i], g[j] = post_norm[i];
      }
      [[unroll]] for (uint j = 0u; j < BATCH; ++j)
        if (i0 + j * WG_SIZE < p.rows) sum_data[i0 + j * WG_SIZE] = res[j] + v[j] * r * g[j];
    }
    if (tid == 0u) counter[0] = 0u;  // for the next dispatch
  }
#endif
}
