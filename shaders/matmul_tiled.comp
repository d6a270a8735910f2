#version 450
// Prompts on GPUs: out[t, row_offset + r] = dot(dequant(weight row r), x[t]) for a tile of 64 weight rows x
// 64 tokens per workgroup of 256 threads (matmul.comp's 8 rows x 4 tokens re-read and re-dequantized each
// weight for every 4 tokens of a prompt: 128 times for 512 tokens; here once per 64). Per step of 32 values of
// K: the threads dequantize the tile's 64 x 32 weights and load the 64 tokens' 32 inputs into shared memory,
// then each thread accumulates a 4 x 4 block of outputs (rows 4 ty .. 4 ty + 3, tokens 4 tx .. 4 tx + 3) in fp32
// registers. The tiles are stored K-major as vec4s of 4 rows / 4 tokens, so a thread reads its 4 weights and 4
// inputs of a step's k with two 16-byte shared loads per 16 multiply-adds (scalar loads took 8: on an NVIDIA
// SM, whose shared memory serves one such load per clock for the four schedulers' multiply-adds, that bounded
// the kernel at half its arithmetic rate). K must be a multiple of 32 (every Gemma width; the planner checks).
// Push constants as matmul.comp's; GEGLU: out = gelu_tanh(gate) * the product, gate at binding 2.
// INT8_DOT variants (block types, under VKGEMMA_KERNELS=int8-dot where the device has
// VK_KHR_shader_integer_dot_product, not with exact fp32 products asked for): per step, each weight unit of 16
// values as its packed 8-bit quants with its scale and offset (quant.glsl wt_unit_i8), each token's 16 inputs
// quantized to 8 bits (include/int8_dot.glsl, as matmul.comp's INT8_DOT decode), and per unit, row and token
// four packed dot products where the fp32 tiles took 16 multiply-adds; 4 bytes of shared memory per 4 values
// where fp32 took 16 (llama.cpp's quantized prompt products, mmq, work the same way).
// COOPMAT variants (under VKGEMMA_KERNELS=coopmat where the device has VK_KHR_cooperative_matrix with fp16 x fp16
// -> fp32 products of the compiled shape CM x CM x CM, not with exact fp32 products asked for): the tiles held as
// fp16 in shared memory and multiplied by the subgroups' cooperative matrices (tensor cores, matrix cores,
// XMX) with fp32 accumulators. The input comes as to_fp16.comp writes it (binding 0: each token's values times a
// power of two that keeps Gemma's activations inside fp16's range, two per word; the last binding: the powers,
// divided out of the outputs). Glslang 12 predates GL_KHR_cooperative_matrix: these variants are compiled by the
// newer glslang the setup fetches (shaders/CMakeLists.txt COMPILER next), and their layout reflected from the
// same source compiled by glslang 12 with VKG_REFLECT_TWIN (the fp32 tile with the same bindings).
#ifdef COOPMAT
#define TOKEN_SCALES  // the bindings, for the twin too
#ifdef VKG_REFLECT_TWIN
#undef COOPMAT
#endif
#endif
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#ifdef INT8_DOT
#extension GL_EXT_spirv_intrinsics : require
#endif
#ifdef COOPMAT
#extension GL_KHR_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_KHR_shader_subgroup_basic : require
#endif

#define WG_SIZE 256
#define TILE_ROWS 64
#define TILE_TOKENS 64
#ifdef COOPMAT
// 64 values per step: each of the 256 threads dequantizes one 16-value unit of the 64 rows, and each barrier pair
// feeds a subgroup 4 (16 x 16) or 8 (8 x 8) products per block. K must be a multiple of 64 (the planner checks).
#define TILE_K 64
#else
#define TILE_K 32
#endif
// Rows of the tiles in vec4s, one more than the tile's width: the transposing stores below then spread over
// the banks (a row of 64 floats would put every k of one token on the same bank).
#define ROW_VEC4S (TILE_ROWS / 4 + 1)
#define TOKEN_VEC4S (TILE_TOKENS / 4 + 1)

layout(local_size_x = WG_SIZE, local_size_y = 1, local_size_z = 1) in;

#ifdef COOPMAT
layout(std430, set = 0, binding = 0) readonly buffer Xh { uint xh[]; };  // [n_tokens][K / 2] fp16 pairs, scaled
#else
layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
#endif
layout(std430, set = 0, binding = 1) readonly buffer Weights { uint wt_words[]; };
#ifdef GEGLU
layout(std430, set = 0, binding = 2) readonly buffer Gate { float gate[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Out { float out_data[]; };
#define SCALES_BINDING 4
#else
layout(std430, set = 0, binding = 2) writeonly buffer Out { float out_data[]; };
#define SCALES_BINDING 3
#endif
#ifdef TOKEN_SCALES
layout(std430, set = 0, binding = SCALES_BINDING) readonly buffer Scales { float token_scale[]; };
#endif

#include "matmul.push.h"

#define WT_WORD(i) wt_words[i]
#include "quant.glsl"
#include "math.glsl"

#if TILE_K % WT_UNIT != 0
#error "a K step holds whole dequantization units"
#endif

// Output (weight row r, token t) of the tile, if in range, with the GeGLU epilogue where compiled.
void store_out(uint r, uint t, float v) {
  if (r < p.rows && t < p.n_tokens) {
    const uint o = t * p.out_stride + p.row_offset + r;
#ifdef GEGLU
    out_data[o] = gelu_tanh(gate[o]) * v;
#else
    out_data[o] = v;
#endif
  }
}

#if defined(COOPMAT)
// Rows of the fp16 tiles: TILE_K values and 8 more, so each row starts 16 bytes after a multiple of 128 (the
// cooperative loads' rows on different banks; 16-byte aligned rows and offsets, which every driver takes).
#define TILE_K_PAD (TILE_K + 8)
#define BLOCKS_M (TILE_ROWS / CM)    // the tile in blocks of CM x CM outputs
#define BLOCKS_N (TILE_TOKENS / CM)
// The most blocks one subgroup accumulates: the planner takes these variants where 256 threads make at least
// BLOCKS_M * BLOCKS_N / MAX_BLOCKS subgroups (NVIDIA's 32-thread subgroups: 8; lavapipe's 8: 32).
#define MAX_BLOCKS 4
#define C_STRIDE (TILE_ROWS + 4)
#define C_TOKENS (TILE_TOKENS / 2)  // the outputs leave in two halves: 26.5 KiB in all, under lavapipe's 32
shared float16_t w_sh[TILE_ROWS * TILE_K_PAD];     // weight row r, value k of the step: [r * TILE_K_PAD + k]
shared float16_t x_sh[TILE_TOKENS * TILE_K_PAD];   // token t: [t * TILE_K_PAD + k], scaled
shared float c_sh[C_TOKENS * C_STRIDE];           // half the outputs: token t, row r at [t * C_STRIDE + r]

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint r0 = gl_WorkGroupID.x * TILE_ROWS, t0 = gl_WorkGroupID.y * TILE_TOKENS;

  // This subgroup's blocks: row block bm, token blocks bn0, bn0 + bn_step, ... (one A per step for all).
  const uint bm = gl_SubgroupID % BLOCKS_M, bn0 = gl_SubgroupID / BLOCKS_M, bn_step = gl_NumSubgroups / BLOCKS_M;
  coopmat<float, gl_ScopeSubgroup, CM, CM, gl_MatrixUseAccumulator> acc[MAX_BLOCKS];
  [[unroll]] for (uint i = 0u; i < MAX_BLOCKS; ++i)
    acc[i] = coopmat<float, gl_ScopeSubgroup, CM, CM, gl_MatrixUseAccumulator>(0.0);

  const uint units = TILE_K / WT_UNIT;  // per tile row and K step
  for (uint k0 = 0u; k0 < p.K; k0 += TILE_K) {
    for (uint e = tid; e < TILE_ROWS * units; e += WG_SIZE) {
      const uint r = e % TILE_ROWS, u = e / TILE_ROWS;
      float v[WT_UNIT];
      if (r0 + r < p.rows) {
        wt_dequant_unit((r0 + r) * p.row_bytes, k0 / WT_UNIT + u, v);
      } else {
        [[unroll]] for (uint j = 0u; j < WT_UNIT; ++j) v[j] = 0.0;
      }
      [[unroll]] for (uint j = 0u; j < WT_UNIT; ++j) w_sh[r * TILE_K_PAD + u * WT_UNIT + j] = float16_t(v[j]);
    }
    // The inputs: a word (2 values) per thread and trip, a token's step by 16 neighbouring threads.
    for (uint e = tid; e < TILE_TOKENS * TILE_K / 2u; e += WG_SIZE) {
      const uint t = e / (TILE_K / 2u), k = 2u * (e % (TILE_K / 2u));
      const vec2 v = t0 + t < p.n_tokens ? unpackHalf2x16(xh[((t0 + t) * p.K + k0 + k) / 2u]) : vec2(0.0);
      x_sh[t * TILE_K_PAD + k] = float16_t(v.x);
      x_sh[t * TILE_K_PAD + k + 1u] = float16_t(v.y);
    }
    barrier();
    [[unroll]] for (uint kk = 0u; kk < TILE_K; kk += CM) {
      coopmat<float16_t, gl_ScopeSubgroup, CM, CM, gl_MatrixUseA> a;
      coopMatLoad(a, w_sh, bm * CM * TILE_K_PAD + kk, TILE_K_PAD, gl_CooperativeMatrixLayoutRowMajor);
      [[unroll]] for (uint i = 0u; i < MAX_BLOCKS; ++i) {
        const uint bn = bn0 + i * bn_step;
        if (bn < BLOCKS_N) {  // uniform in the subgroup
          coopmat<float16_t, gl_ScopeSubgroup, CM, CM, gl_MatrixUseB> b;
          coopMatLoad(b, x_sh, bn * CM * TILE_K_PAD + kk, TILE_K_PAD, gl_CooperativeMatrixLayoutColumnMajor);
          acc[i] = coopMatMulAdd(a, b, acc[i]);
        }
      }
    }
    barrier();
  }
  [[unroll]] for (uint h = 0u; h < 2u; ++h) {
    [[unroll]] for (uint i = 0u; i < MAX_BLOCKS; ++i) {
      const uint bn = bn0 + i * bn_step;
      if (bn < BLOCKS_N && bn / (BLOCKS_N / 2u) == h)  // uniform in the subgroup
        coopMatStore(acc[i], c_sh, (bn * CM - h * C_TOKENS) * C_STRIDE + bm * CM, C_STRIDE,
                     gl_CooperativeMatrixLayoutColumnMajor);
    }
    barrier();
    for (uint e = tid; e < TILE_ROWS * C_TOKENS; e += WG_SIZE) {
      const uint r = e % TILE_ROWS, t = t0 + h * C_TOKENS + e / TILE_ROWS;
      if (t < p.n_tokens) store_out(r0 + r, t, c_sh[(e / TILE_ROWS) * C_STRIDE + r] / token_scale[t]);
    }
    barrier();
  }
}

#elif defined(INT8_DOT)
#if WT_UNIT != 16
#error "INT8_DOT: units of 16 values (the block types read by words)"
#endif
#include "int8_dot.glsl"
#define UNITS (TILE_K / 16)
#if (TILE_ROWS + TILE_TOKENS) * UNITS != WG_SIZE
#error "INT8_DOT: one unit of weights or inputs per thread and step"
#endif
shared uvec4 wq_sh[UNITS][TILE_ROWS];    // weight row r's unit u: its 16 quants as bytes
shared vec2 ws_sh[UNITS][TILE_ROWS];     // and its scale s and offset m: value j = s * q_j - m
shared uvec4 xq_sh[UNITS][TILE_TOKENS];  // token t's unit u quantized to 8 bits
shared vec2 xs_sh[UNITS][TILE_TOKENS];   // and its scale d and the sum of its quants

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint r0 = gl_WorkGroupID.x * TILE_ROWS, t0 = gl_WorkGroupID.y * TILE_TOKENS;
  // Rows ty + 16 i and tokens tx + 16 j: a warp's 16 token reads are 16 neighbouring vectors.
  const uint tx = tid % 16u, ty = tid / 16u;
  float acc[4][4];
  [[unroll]] for (uint i = 0u; i < 4u; ++i)
    [[unroll]] for (uint j = 0u; j < 4u; ++j) acc[i][j] = 0.0;

  for (uint k0 = 0u; k0 < p.K; k0 += TILE_K) {
    // One unit per thread: the first TILE_ROWS * UNITS threads the weights' (rows past the chunk zeros), the
    // others the inputs' (tokens past the step zeros).
    if (tid < TILE_ROWS * UNITS) {
      const uint r = tid % TILE_ROWS, u = tid / TILE_ROWS;
      uint q[4] = uint[4](0u, 0u, 0u, 0u);
      float s = 0.0, m = 0.0;
      if (r0 + r < p.rows) s = wt_unit_i8((r0 + r) * p.row_bytes, k0 / 16u + u, q, m);
      wq_sh[u][r] = uvec4(q[0], q[1], q[2], q[3]);
      ws_sh[u][r] = vec2(s, m);
    } else {
      const uint e = tid - TILE_ROWS * UNITS, t = e % TILE_TOKENS, u = e / TILE_TOKENS;
      uint q[4] = uint[4](0u, 0u, 0u, 0u);
      float d = 0.0, q_sum = 0.0;
      if (t0 + t < p.n_tokens) {
        float v[16];
        [[unroll]] for (uint j = 0u; j < 16u; ++j) v[j] = x[(t0 + t) * p.K + k0 + 16u * u + j];
        x_quantize16(v, q, d, q_sum);
      }
      xq_sh[u][t] = uvec4(q[0], q[1], q[2], q[3]);
      xs_sh[u][t] = vec2(d, q_sum);
    }
    barrier();
    [[unroll]] for (uint u = 0u; u < UNITS; ++u) {
      uvec4 a[4], b[4];
      vec2 sm[4], ds[4];
      [[unroll]] for (uint i = 0u; i < 4u; ++i) {
        a[i] = wq_sh[u][ty + 16u * i];
        sm[i] = ws_sh[u][ty + 16u * i];
        b[i] = xq_sh[u][tx + 16u * i];
        ds[i] = xs_sh[u][tx + 16u * i];
      }
      [[unroll]] for (uint i = 0u; i < 4u; ++i)
        [[unroll]] for (uint j = 0u; j < 4u; ++j) {
          const int dot = sdot4x8(a[i].x, b[j].x) + sdot4x8(a[i].y, b[j].y) + sdot4x8(a[i].z, b[j].z) +
                          sdot4x8(a[i].w, b[j].w);
          acc[i][j] += ds[j].x * (sm[i].x * float(dot) - sm[i].y * ds[j].y);
        }
    }
    barrier();
  }
  [[unroll]] for (uint i = 0u; i < 4u; ++i)
    [[unroll]] for (uint j = 0u; j < 4u; ++j) store_out(r0 + ty + 16u * i, t0 + tx + 16u * j, acc[i][j]);
}

#else
shared vec4 w_sh[TILE_K][ROW_VEC4S];    // w_sh[k][q][c]: weight row 4 q + c, value k of the step
shared vec4 x_sh[TILE_K][TOKEN_VEC4S];  // x_sh[k][q][c]: token 4 q + c

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint r0 = gl_WorkGroupID.x * TILE_ROWS, t0 = gl_WorkGroupID.y * TILE_TOKENS;
  const uint tx = tid % 16u, ty = tid / 16u;  // tokens 4 tx .. 4 tx + 3, rows 4 ty .. 4 ty + 3
  const uint units = TILE_K / WT_UNIT;        // per tile row and K step
  vec4 acc[4];                                // acc[i][j]: row 4 ty + i, token 4 tx + j
  [[unroll]] for (uint i = 0u; i < 4u; ++i) acc[i] = vec4(0.0);

  for (uint k0 = 0u; k0 < p.K; k0 += TILE_K) {
    // The weights: unit (row, u) of this step, for rows past the chunk zeros. Neighbouring threads take
    // neighbouring rows, so their stores of one k land in different banks.
    for (uint e = tid; e < TILE_ROWS * units; e += WG_SIZE) {
      const uint r = e % TILE_ROWS, u = e / TILE_ROWS;
      float v[WT_UNIT];
      if (r0 + r < p.rows) {
        wt_dequant_unit((r0 + r) * p.row_bytes, k0 / WT_UNIT + u, v);
      } else {
        [[unroll]] for (uint j = 0u; j < WT_UNIT; ++j) v[j] = 0.0;
      }
      [[unroll]] for (uint j = 0u; j < WT_UNIT; ++j) w_sh[u * WT_UNIT + j][r / 4u][r % 4u] = v[j];
    }
    // The inputs: each thread reads value k of 4 consecutive tokens (a warp's 32 threads: 32 consecutive values
    // of each) and stores them as one vec4.
    for (uint e = tid; e < TILE_TOKENS / 4u * TILE_K; e += WG_SIZE) {
      const uint k = e % TILE_K, q = e / TILE_K;
      vec4 v;
      [[unroll]] for (uint c = 0u; c < 4u; ++c) {
        const uint t = t0 + 4u * q + c;
        v[c] = t < p.n_tokens ? x[t * p.K + k0 + k] : 0.0;
      }
      x_sh[k][q] = v;
    }
    barrier();
    [[unroll]] for (uint k = 0u; k < TILE_K; ++k) {
      const vec4 a = w_sh[k][ty], b = x_sh[k][tx];
      [[unroll]] for (uint i = 0u; i < 4u; ++i) acc[i] += a[i] * b;
    }
    barrier();
  }
  [[unroll]] for (uint i = 0u; i < 4u; ++i)
    [[unroll]] for (uint j = 0u; j < 4u; ++j) store_out(r0 + 4u * ty + i, t0 + 4u * tx + j, acc[i][j]);
}
#endif  // COOPMAT, INT8_DOT
