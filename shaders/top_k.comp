#version 450
// Row r of out: the k largest values of row r of x, largest first (the lower index first on ties), then
// their indices as floats (exact below 2^24). A sampled decode step reads back these 2k floats instead of
// the logits row (1 MB for Gemma 3's vocabulary). One workgroup per row, reading the row twice:
//  1. each invocation's largest value over its strided slice; the k-th largest of those 256 maxima is a
//     lower bound on the row's k-th largest value (k slices each hold a value at least that large);
//  2. every value at or above the bound is gathered (a few hundred on real logits) and sorted.
// Rows where more than CANDIDATES values reach the bound (flat rows, many ties) take an exact radix select
// instead: the k-th largest key byte by byte (four more reads of the row), keys above it, and the keys
// equal to it with the lowest indices (each invocation scans a contiguous segment: segment order is index
// order). Keys order like the values (runtime/cpu/top_k.cpp uses the same): -0 = +0, NaN below -inf.
// Variants: top_k (storage buffer), top_k_texel (TEXEL, CPU devices, columns a multiple of 4): the row read
// as 4-value texels, a quarter of the loop trips and no storage-buffer loads (each a loop over the SIMD
// lanes in llvmpipe): 9 -> 3 ms per call on a 262144-logit row on lavapipe (argmax: 0.7).
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require

#define WG_SIZE 256      // = kMaxTopK (runtime/ops.h)
#define CANDIDATES 1024  // power of two; with the radix arrays ~10 KB of shared memory (16 KB guaranteed)
layout(local_size_x = WG_SIZE, local_size_y = 1, local_size_z = 1) in;

#ifdef TEXEL
layout(set = 0, binding = 0) uniform usamplerBuffer x_texels;
#else
layout(std430, set = 0, binding = 0) readonly buffer X { uint x_bits[]; };
#endif
layout(std430, set = 0, binding = 1) writeonly buffer Out { float out_data[]; };

#include "top_k.push.h"

#include "grid.glsl"

shared uint cand_key[CANDIDATES];
shared uint cand_index[CANDIDATES];
shared uint n_cand;
shared uint hist[WG_SIZE];  // radix select: count of each value of the next byte
shared uint scan[WG_SIZE];  // inclusive prefix sums
shared uint chosen_byte, chosen_above;

// The row's values as raw bits, one at a time or UNIT consecutive ones (x is read only through these).
#ifdef TEXEL
#define UNIT 4u
uint bits_at(uint base, uint c) { return texelFetch(x_texels, int((base + c) >> 2))[(base + c) & 3u]; }
uvec4 unit_at(uint base, uint u) { return texelFetch(x_texels, int((base >> 2) + u)); }
#else
#define UNIT 1u
uint bits_at(uint base, uint c) { return x_bits[base + c]; }
uvec4 unit_at(uint base, uint u) { return uvec4(x_bits[base + u], 0u, 0u, 0u); }
#endif
// The two scans of the row load BATCH of a thread's units before using them: a GPU would otherwise wait on each
// load before the next (one workgroup reads the whole row: 1024 loads per thread for Gemma's vocabulary).
// Lavapipe's texel fetches stay one at a time (its threads are SIMD lanes that wait together anyway).
#ifdef TEXEL
#define BATCH 1u
#else
#define BATCH 8u
#endif

// Bit tests on the raw bits (no isnan / == 0.0, which a compiler may fold away).
uint rank_key(uint bits) {
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return 0u;  // NaN
  if ((bits & 0x7FFFFFFFu) == 0u) bits = 0u;          // -0 -> +0
  return (bits & 0x80000000u) != 0u ? ~bits : bits | 0x80000000u;
}

// Bitonic sort of candidates [0, n), n a power of two: larger key first, then lower index. (Ranking each
// candidate against all others needs no barriers but n^2 shared-memory reads: 5x slower on llvmpipe.)
void sort_candidates(uint n, uint tid) {
  for (uint size = 2u; size <= n; size <<= 1) {
    for (uint stride = size >> 1; stride > 0u; stride >>= 1) {
      for (uint pair = tid; pair < n / 2u; pair += WG_SIZE) {
        const uint a = 2u * stride * (pair / stride) + pair % stride, b = a + stride;
        const uint ka = cand_key[a], kb = cand_key[b];
        const uint ia = cand_index[a], ib = cand_index[b];
        const bool a_first = ka > kb || (ka == kb && ia < ib);
        if (a_first != ((a & size) == 0u)) {
          cand_key[a] = kb;
          cand_key[b] = ka;
          cand_index[a] = ib;
          cand_index[b] = ia;
        }
      }
      barrier();
    }
  }
}

// scan[t] = sum of value over invocations 0..t (every invocation must call it).
void inclusive_scan(uint tid, uint value) {
  scan[tid] = value;
  barrier();
  for (uint d = 1u; d < WG_SIZE; d <<= 1) {
    const uint v = tid >= d ? scan[tid] + scan[tid - d] : scan[tid];
    barrier();
    scan[tid] = v;
    barrier();
  }
}

// The exact path: candidates [0, k) = the row's top k (unsorted), by radix select.
void radix_select(uint base, uint tid) {
  // The k-th largest key, one byte per pass from the top. `remaining`: how many keys that match the bytes
  // chosen so far still belong to the top k.
  uint prefix = 0u, prefix_mask = 0u, remaining = p.k;
  for (int shift = 24; shift >= 0; shift -= 8) {
    hist[tid] = 0u;
    barrier();
    for (uint u = tid; u < p.cols / UNIT; u += WG_SIZE) {
      const uvec4 bits = unit_at(base, u);
      for (uint j = 0u; j < UNIT; ++j) {
        const uint key = rank_key(bits[j]);
        if ((key & prefix_mask) == prefix) atomicAdd(hist[(key >> shift) & 255u], 1u);
      }
    }
    barrier();
    // Invocation t takes byte 255 - t: its inclusive sum counts the keys at or above that byte.
    inclusive_scan(tid, hist[255u - tid]);
    const uint above = tid > 0u ? scan[tid - 1u] : 0u;
    if (above < remaining && remaining <= scan[tid]) {  // exactly one invocation
      chosen_byte = 255u - tid;
      chosen_above = above;
    }
    barrier();
    prefix |= chosen_byte << shift;
    prefix_mask |= 255u << shift;
    remaining -= chosen_above;
    barrier();  // chosen_* and scan are rewritten next
  }
  const uint threshold = prefix, n_greater = p.k - remaining;

  // Slots [0, n_greater): keys above the threshold; [n_greater, k): keys equal to it, lowest indices first.
  if (tid == 0u) n_cand = 0u;
  barrier();
  const uint seg = (p.cols + WG_SIZE - 1u) / WG_SIZE;
  const uint lo = min(tid * seg, p.cols), hi = min(lo + seg, p.cols);
  uint equal = 0u;
  for (uint c = lo; c < hi; ++c) {
    const uint key = rank_key(bits_at(base, c));
    if (key > threshold) {
      const uint slot = atomicAdd(n_cand, 1u);
      cand_key[slot] = key;
      cand_index[slot] = c;
    } else if (key == threshold) {
      ++equal;
    }
  }
  inclusive_scan(tid, equal);
  const uint equal_before = scan[tid] - equal;
  uint take = remaining > equal_before ? min(remaining - equal_before, equal) : 0u;
  uint slot = n_greater + equal_before;
  for (uint c = lo; c < hi && take > 0u; ++c) {
    if (rank_key(bits_at(base, c)) == threshold) {
      cand_key[slot] = threshold;
      cand_index[slot] = c;
      ++slot;
      --take;
    }
  }
  barrier();
}

void main() {
  const uint row = linear_group_id();
  if (row >= p.rows) return;  // uniform per workgroup
  const uint tid = gl_LocalInvocationID.x;
  const uint base = row * p.cols;

  // 1. The lower bound: the k-th largest of the slices' maxima.
  const uint n_units = p.cols / UNIT;
  uint slice_max = 0u;
  for (uint u0 = tid; u0 < n_units; u0 += BATCH * WG_SIZE) {
    uvec4 batch[BATCH];
    [[unroll]] for (uint i = 0u; i < BATCH; ++i) batch[i] = unit_at(base, min(u0 + i * WG_SIZE, n_units - 1u));
    [[unroll]] for (uint i = 0u; i < BATCH; ++i)
      if (u0 + i * WG_SIZE < n_units)
        for (uint j = 0u; j < UNIT; ++j) slice_max = max(slice_max, rank_key(batch[i][j]));
  }
  cand_key[tid] = slice_max;
  cand_index[tid] = tid;
  if (tid == 0u) n_cand = 0u;
  barrier();
  sort_candidates(WG_SIZE, tid);
  const uint bound = cand_key[p.k - 1u];
  barrier();

  // 2. Gather what reaches the bound: at least k values, and all of the top k.
  for (uint u0 = tid; u0 < n_units; u0 += BATCH * WG_SIZE) {
    uvec4 batch[BATCH];
    [[unroll]] for (uint i = 0u; i < BATCH; ++i) batch[i] = unit_at(base, min(u0 + i * WG_SIZE, n_units - 1u));
    [[unroll]] for (uint i = 0u; i < BATCH; ++i) {
      const uint u = u0 + i * WG_SIZE;
      if (u < n_units)
        for (uint j = 0u; j < UNIT; ++j) {
          const uint key = rank_key(batch[i][j]);
          if (key >= bound) {
            const uint slot = atomicAdd(n_cand, 1u);
            if (slot < CANDIDATES) {
              cand_key[slot] = key;
              cand_index[slot] = u * UNIT + j;
            }
          }
        }
    }
  }
  barrier();
  const uint gathered = n_cand;  // uniform: every invocation reads it after the barrier
  uint n = p.k;
  if (gathered <= CANDIDATES) {
    n = gathered;
  } else {
    barrier();  // n_cand read by all before radix_select resets it
    radix_select(base, tid);
  }
  uint sorted = 2u;
  while (sorted < n) sorted <<= 1;
  for (uint i = n + tid; i < sorted; i += WG_SIZE) {  // padding sorts last
    cand_key[i] = 0u;
    cand_index[i] = 0xFFFFFFFFu;
  }
  barrier();
  sort_candidates(sorted, tid);

  if (tid < p.k) {
    const uint index = cand_index[tid];
    out_data[row * 2u * p.k + tid] = uintBitsToFloat(bits_at(base, index));
    out_data[row * 2u * p.k + p.k + tid] = float(index);
  }
}
