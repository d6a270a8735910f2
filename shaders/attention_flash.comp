#version 450
// Attention for prompts on GPUs (more than 8 tokens; head_dim <= 256), flash-style: workgroup (x, h) takes the
// TQ queries t0 = TQ * x .. t0 + TQ - 1 of query head h together and walks their keys in tiles of TK, each tile
// of keys and then of values loaded once into shared memory for all TQ queries (attention.comp reads every key
// twice per query: for the max and sum of exp, then for the probabilities), with an online softmax: per query a
// running max m and sum l, the output rescaled by exp(m_old - m_new) when the max grows, divided by l at the end
// (0 where a query has no keys, as attention.comp). Masks, sliding window, soft-cap, rings and GQA as
// attention.comp (its header): query t sees keys [lo_t, key_end[t]] of its sequence's ring. A tile's queries
// of different sequences (several sequences' prompts in one step) are taken in passes, one sequence each. All
// math fp32. Shared memory: TQ queries and TK keys of up to 256 floats (rows padded by one float, so the
// score loop's lanes, on different keys, read different banks): ~25 KiB.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require

#define WG_SIZE 64
#define TQ 8   // queries per workgroup
#define TK 16  // keys per tile
#define MAX_HEAD_DIM 256
#define ROW (MAX_HEAD_DIM + 1)  // a padded row in shared memory
#define DIMS_PER_THREAD (MAX_HEAD_DIM / WG_SIZE)
#define NEG_BIG (-3.0e38)

layout(local_size_x = WG_SIZE, local_size_y = 1, local_size_z = 1) in;

layout(std430, set = 0, binding = 0) readonly buffer Q { float q[]; };
layout(std430, set = 0, binding = 1) readonly buffer KCache { float k_cache[]; };
layout(std430, set = 0, binding = 2) readonly buffer VCache { float v_cache[]; };
layout(std430, set = 0, binding = 3) readonly buffer Positions { int positions[]; };
layout(std430, set = 0, binding = 4) readonly buffer KeyEnd { int key_end[]; };
layout(std430, set = 0, binding = 5) writeonly buffer Out { float out_data[]; };
layout(std430, set = 0, binding = 6) readonly buffer Sequence { int sequence[]; };

#include "attention.push.h"

#include "math.glsl"

shared float q_sh[TQ * ROW];
shared float kv_sh[TK * ROW];  // a tile's keys, then its values
shared float s_sh[TQ][TK];     // scores, then probabilities exp(s - m)
shared int lo_sh[TQ], end_sh[TQ], seq_sh[TQ];
shared bool done_sh[TQ];
shared float m_sh[TQ], l_sh[TQ], corr_sh[TQ];

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint t0 = gl_WorkGroupID.x * TQ;
  const uint h = gl_WorkGroupID.y;
  if (t0 >= p.rows) return;  // uniform per workgroup
  const uint nq = min(uint(TQ), p.rows - t0);
  const uint hd = p.head_dim;
  const uint g = h / (p.n_head / p.n_kv_head);
  const uint kv_cols = p.n_kv_head * hd;
  const uint kv_stride = kv_cols * p.sequences;

  if (tid < TQ) {
    const bool real = tid < nq;
    const int pos = real ? positions[t0 + tid] : 0;
    lo_sh[tid] = p.window > 0 ? max(0, pos - p.window + 1) : 0;
    end_sh[tid] = real ? key_end[t0 + tid] : -1;
    seq_sh[tid] = real ? sequence[t0 + tid] : 0;
    done_sh[tid] = !real;
    m_sh[tid] = NEG_BIG;
    l_sh[tid] = 0.0;
  }
  for (uint i = tid; i < TQ * hd; i += WG_SIZE) {
    const uint qi = i / hd, d = i % hd;
    q_sh[qi * ROW + d] = qi < nq ? q[((t0 + qi) * p.n_head + h) * hd + d] : 0.0;
  }
  float o[TQ][DIMS_PER_THREAD];
  [[unroll]] for (uint qi = 0u; qi < TQ; ++qi)
    [[unroll]] for (uint k = 0u; k < DIMS_PER_THREAD; ++k) o[qi][k] = 0.0;
  barrier();

  // One pass per sequence among the tile's queries (one pass for a single prompt).
  for (;;) {
    int seq = -1;
    [[unroll]] for (uint qi = 0u; qi < TQ; ++qi)
      if (seq < 0 && !done_sh[qi]) seq = seq_sh[qi];
    if (seq < 0) break;  // uniform: every thread read the same flags
    // Query qi takes part in this pass: (!done_sh[qi] && seq_sh[qi] == seq), read from shared memory where qi
    // is not a constant (a private array indexed by a variable may live in slow memory).
    bool in_pass[TQ];
    int kmin = 0x7FFFFFFF, kmax = -1;
    [[unroll]] for (uint qi = 0u; qi < TQ; ++qi) {
      in_pass[qi] = !done_sh[qi] && seq_sh[qi] == seq;
      if (in_pass[qi] && end_sh[qi] >= lo_sh[qi]) {
        kmin = min(kmin, lo_sh[qi]);
        kmax = max(kmax, end_sh[qi]);
      }
    }
    const uint g_off = uint(seq) * kv_cols + g * hd;
    for (int kb = kmin; kb <= kmax; kb += TK) {
      const uint nk = uint(min(TK, kmax - kb + 1));
      barrier();  // the last tile's values are read
      for (uint i = tid; i < TK * hd; i += WG_SIZE) {
        const uint j = i / hd, d = i % hd;
        kv_sh[j * ROW + d] = j < nk ? k_cache[(uint(kb + int(j)) % p.capacity) * kv_stride + g_off + d] : 0.0;
      }
      barrier();
      for (uint i = tid; i < TQ * TK; i += WG_SIZE) {
        const uint qi = i / TK, j = i % TK;
        const int key = kb + int(j);
        float s = NEG_BIG;
        if (!done_sh[qi] && seq_sh[qi] == seq && j < nk && key >= lo_sh[qi] && key <= end_sh[qi]) {
          s = 0.0;
          for (uint d = 0u; d < hd; ++d) s += q_sh[qi * ROW + d] * kv_sh[j * ROW + d];
          s *= p.scale;
          if (p.softcap > 0.0) s = p.softcap * safe_tanh(s / p.softcap);
        }
        s_sh[qi][j] = s;
      }
      barrier();
      if (tid < TQ) {  // each query's running max and sum, its probabilities in place of its scores
        const uint qi = tid;
        const float m_old = m_sh[qi];
        float m_new = m_old;
        [[unroll]] for (uint j = 0u; j < TK; ++j) m_new = max(m_new, s_sh[qi][j]);
        const float corr = exp(m_old - m_new);
        float l = l_sh[qi] * corr;
        [[unroll]] for (uint j = 0u; j < TK; ++j) {
          // A masked key's NEG_BIG score: probability 0, also while m_new is still NEG_BIG.
          const float pj = s_sh[qi][j] > NEG_BIG ? exp(s_sh[qi][j] - m_new) : 0.0;
          s_sh[qi][j] = pj;
          l += pj;
        }
        m_sh[qi] = m_new;
        l_sh[qi] = l;
        corr_sh[qi] = corr;
      }
      for (uint i = tid; i < TK * hd; i += WG_SIZE) {  // the values (the scores no longer read the keys)
        const uint j = i / hd, d = i % hd;
        kv_sh[j * ROW + d] = j < nk ? v_cache[(uint(kb + int(j)) % p.capacity) * kv_stride + g_off + d] : 0.0;
      }
      barrier();
      [[unroll]] for (uint qi = 0u; qi < TQ; ++qi) {
        if (in_pass[qi]) {
          [[unroll]] for (uint k = 0u; k < DIMS_PER_THREAD; ++k) {
            const uint d = tid + k * WG_SIZE;
            if (d < hd) {
              float acc = o[qi][k] * corr_sh[qi];
              for (uint j = 0u; j < nk; ++j) acc += s_sh[qi][j] * kv_sh[j * ROW + d];
              o[qi][k] = acc;
            }
          }
        }
      }
    }
    barrier();  // every thread has read done_sh for this pass
    if (tid < TQ && seq_sh[tid] == seq) done_sh[tid] = true;
    barrier();
  }

  [[unroll]] for (uint qi = 0u; qi < TQ; ++qi) {
    if (qi < nq) {
      const float l = l_sh[qi];
      [[unroll]] for (uint k = 0u; k < DIMS_PER_THREAD; ++k) {
        const uint d = tid + k * WG_SIZE;
        if (d < hd) out_data[((t0 + qi) * p.n_head + h) * hd + d] = l > 0.0 ? o[qi][k] / l : 0.0;
      }
    }
  }
}
