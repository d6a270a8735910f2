#version 450
// Prompts on GPUs: out[t, row_offset + r] = dot(dequant(weight row r), x[t]) for a tile of 64 weight rows x
// 64 tokens per workgroup of 256 threads (matmul.comp's 8 rows x 4 tokens re-read and re-dequantized each
// weight for every 4 tokens of a prompt: 128 times for 512 tokens; here once per 64). Per step of 32 values of
// K: the threads dequantize the tile's 64 x 32 weights and load the 64 tokens' 32 inputs into shared memory,
// then each thread accumulates a 4 x 4 block of outputs (rows ty + 16 i, tokens tx + 16 j: neighbouring
// threads read neighbouring shared words) in fp32 registers. K must be a multiple of 32 (every Gemma width;
// the planner checks). Push constants as matmul.comp's; GEGLU: out = gelu_tanh(gate) * the product, gate at
// binding 2.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require

#define WG_SIZE 256
#define TILE_ROWS 64
#define TILE_TOKENS 64
#define TILE_K 32
#define PAD 1  // shared rows of 33 words: a column walk does not hit one bank

layout(local_size_x = WG_SIZE, local_size_y = 1, local_size_z = 1) in;

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Weights { uint wt_words[]; };
#ifdef GEGLU
layout(std430, set = 0, binding = 2) readonly buffer Gate { float gate[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Out { float out_data[]; };
#else
layout(std430, set = 0, binding = 2) writeonly buffer Out { float out_data[]; };
#endif

#include "matmul.push.h"

#define WT_WORD(i) wt_words[i]
#include "quant.glsl"
#include "math.glsl"

#if TILE_K % WT_UNIT != 0
#error "a K step holds whole dequantization units"
#endif

shared float w_sh[TILE_ROWS][TILE_K + PAD];
shared float x_sh[TILE_TOKENS][TILE_K + PAD];

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint r0 = gl_WorkGroupID.x * TILE_ROWS, t0 = gl_WorkGroupID.y * TILE_TOKENS;
  const uint tx = tid % 16u, ty = tid / 16u;  // tokens tx + 16 j, rows ty + 16 i
  const uint units = TILE_K / WT_UNIT;         // per tile row and K step
  float acc[4][4];
  [[unroll]] for (uint i = 0u; i < 4u; ++i)
    [[unroll]] for (uint j = 0u; j < 4u; ++j) acc[i][j] = 0.0;

  for (uint k0 = 0u; k0 < p.K; k0 += TILE_K) {
    // The weights: unit (row, u) of this step, for rows past the chunk zeros.
    for (uint e = tid; e < TILE_ROWS * units; e += WG_SIZE) {
      const uint r = e / units, u = e % units;
      float v[WT_UNIT];
      if (r0 + r < p.rows) {
        wt_dequant_unit((r0 + r) * p.row_bytes, k0 / WT_UNIT + u, v);
      } else {
        [[unroll]] for (uint j = 0u; j < WT_UNIT; ++j) v[j] = 0.0;
      }
      [[unroll]] for (uint j = 0u; j < WT_UNIT; ++j) w_sh[r][u * WT_UNIT + j] = v[j];
    }
    // The inputs: consecutive threads read consecutive values of a token.
    for (uint e = tid; e < TILE_TOKENS * TILE_K; e += WG_SIZE) {
      const uint t = e / TILE_K, k = e % TILE_K;
      x_sh[t][k] = t0 + t < p.n_tokens ? x[(t0 + t) * p.K + k0 + k] : 0.0;
    }
    barrier();
    [[unroll]] for (uint k = 0u; k < TILE_K; ++k) {
      float a[4], b[4];
      [[unroll]] for (uint i = 0u; i < 4u; ++i) a[i] = w_sh[ty + 16u * i][k];
      [[unroll]] for (uint j = 0u; j < 4u; ++j) b[j] = x_sh[tx + 16u * j][k];
      [[unroll]] for (uint i = 0u; i < 4u; ++i)
        [[unroll]] for (uint j = 0u; j < 4u; ++j) acc[i][j] += a[i] * b[j];
    }
    barrier();
  }
  [[unroll]] for (uint i = 0u; i < 4u; ++i) {
    const uint r = r0 + ty + 16u * i;
    [[unroll]] for (uint j = 0u; j < 4u; ++j) {
      const uint t = t0 + tx + 16u * j;
      if (r < p.rows && t < p.n_tokens) {
        const uint o = t * p.out_stride + p.row_offset + r;
#ifdef GEGLU
        out_data[o] = gelu_tanh(gate[o]) * acc[i][j];
#else
        out_data[o] = acc[i][j];
#endif
      }
    }
  }
}
