// Block layouts of the quantized weight types, byte for byte as GGUF/ggml stores them (ggml-common.h).
// All members are uint8_t/int8_t/uint16_t, so the natural layout has no padding; the static_asserts
// check it. fp16 values are stored as raw uint16_t bits (IEEE binary16, little-endian in the file).
// The struct alignment is 2 (because of the uint16_t members); rows inside a GGUF file are not
// guaranteed to be 2-aligned in every case, so kernels read through byte pointers + offsetof + memcpy
// rather than dereferencing these structs in place.
//
// Notation: y[i] is the i-th dequantized value of the block, i in [0, block size).
// Sizes and offsets are also in block_layouts.h, which the shaders read; the static_asserts at the end tie
// the two together.
#pragma once
#include <cstddef>
#include <cstdint>

#include "runtime/quant/block_layouts.h"

namespace vkg {

constexpr int QK4_0 = 32;
constexpr int QK5_0 = 32;
constexpr int QK8_0 = 32;
constexpr int QK_K = 256;
constexpr int K_SCALE_SIZE = 12;

// Q4_0: 32 values, one fp16 scale, 4-bit quants with an implicit offset of 8.
//   y[j]      = d * ((qs[j] & 0xF) - 8)     j in [0,16)   (low nibbles: first half)
//   y[j + 16] = d * ((qs[j] >> 4)  - 8)                   (high nibbles: second half)
struct block_q4_0 {
  uint16_t d;              // fp16 scale
  uint8_t qs[QK4_0 / 2];   // nibbles
};
static_assert(sizeof(block_q4_0) == 18, "block_q4_0 must be 18 bytes");

// Q5_0: 32 values, one fp16 scale, 5-bit quants with an implicit offset of 16.
// The 5th bits of all 32 values are packed in qh, read as a little-endian uint32 h:
//   bit j of h is the high bit of y[j], j in [0,32).
//   y[j]      = d * (((qs[j] & 0xF) | (((h >> j)        & 1) << 4)) - 16)   j in [0,16)
//   y[j + 16] = d * (((qs[j] >> 4)  | (((h >> (j + 16)) & 1) << 4)) - 16)
struct block_q5_0 {
  uint16_t d;              // fp16 scale
  uint8_t qh[4];           // high bits, little-endian uint32
  uint8_t qs[QK5_0 / 2];   // low nibbles, same arrangement as Q4_0
};
static_assert(sizeof(block_q5_0) == 22, "block_q5_0 must be 22 bytes");

// Q8_0: 32 values, one fp16 scale, signed 8-bit quants.
//   y[j] = d * qs[j]
struct block_q8_0 {
  uint16_t d;              // fp16 scale
  int8_t qs[QK8_0];
};
static_assert(sizeof(block_q8_0) == 34, "block_q8_0 must be 34 bytes");

// Q4_K: 256 values = 8 sub-blocks of 32. Super-block fp16 scale d and fp16 min-scale dmin;
// each sub-block s has a 6-bit scale sc[s] and a 6-bit min m[s], packed in scales[12]
// (get_scale_min_k4 in ggml):
//   s < 4:  sc[s] = scales[s] & 63;                                  m[s] = scales[s + 4] & 63
//   s >= 4: sc[s] = (scales[s + 4] & 0xF) | ((scales[s - 4] >> 6) << 4);
//           m[s]  = (scales[s + 4] >> 4)  | ((scales[s]     >> 6) << 4)
// i.e. bytes 0-3 hold sc[0..3] in their low 6 bits, bytes 4-7 hold m[0..3]; the top 2 bits of bytes
// 0-3 / 4-7 are the top bits of sc[4..7] / m[4..7], whose low 4 bits are in bytes 8-11 (sc low nibble,
// m high nibble).
// The quants: 4 chunks of 32 bytes; chunk c (qs[32c .. 32c+31]) holds sub-block 2c in its low nibbles
// and sub-block 2c+1 in its high nibbles:
//   y[64c + l]      = d * sc[2c]   * (qs[32c + l] & 0xF) - dmin * m[2c]       l in [0,32)
//   y[64c + 32 + l] = d * sc[2c+1] * (qs[32c + l] >> 4)  - dmin * m[2c+1]
struct block_q4_K {
  uint16_t d;                     // fp16 super-block scale of the scales
  uint16_t dmin;                  // fp16 super-block scale of the mins
  uint8_t scales[K_SCALE_SIZE];   // 8 x (6-bit scale, 6-bit min)
  uint8_t qs[QK_K / 2];           // 4-bit quants
};
static_assert(sizeof(block_q4_K) == 144, "block_q4_K must be 144 bytes");

// ggml's get_scale_min_k4: the 6-bit scale and min of sub-block j (0..7) from the 12 packed bytes.
inline void get_scale_min_k4(int j, const uint8_t* q, uint8_t* d, uint8_t* m) {
  if (j < 4) {
    *d = static_cast<uint8_t>(q[j] & 63);
    *m = static_cast<uint8_t>(q[j + 4] & 63);
  } else {
    *d = static_cast<uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    *m = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j - 0] >> 6) << 4));
  }
}

// Q5_K: like Q4_K (same d, dmin, scales packing, same nibble arrangement in qs) plus a 5th bit per
// value in qh[32]: the high bit of y[32s + l] (sub-block s, l in [0,32)) is bit s of qh[l].
//   q = (nibble as in Q4_K) | (((qh[l] >> s) & 1) << 4)          (0..31)
//   y[32s + l] = d * sc[s] * q - dmin * m[s]
struct block_q5_K {
  uint16_t d;                     // fp16 super-block scale of the scales
  uint16_t dmin;                  // fp16 super-block scale of the mins
  uint8_t scales[K_SCALE_SIZE];   // 8 x (6-bit scale, 6-bit min), packed as in Q4_K
  uint8_t qh[QK_K / 8];           // high bits
  uint8_t qs[QK_K / 2];           // low 4 bits
};
static_assert(sizeof(block_q5_K) == 176, "block_q5_K must be 176 bytes");

// Q6_K: 256 values = 16 sub-blocks of 16, each with a signed 8-bit scale; one fp16 d (stored LAST).
// 6-bit quants with an implicit offset of 32: low 4 bits in ql, high 2 bits in qh.
// The block is two halves of 128 values; half h uses ql[64h .. 64h+63], qh[32h .. 32h+31],
// scales[8h .. 8h+7]. Within a half, for l in [0,32), with L = ql + 64h, H = qh + 32h, S = scales + 8h:
//   y[128h + l]      = d * S[l/16 + 0] * (((L[l]      & 0xF) | (((H[l] >> 0) & 3) << 4)) - 32)
//   y[128h + l + 32] = d * S[l/16 + 2] * (((L[l + 32] & 0xF) | (((H[l] >> 2) & 3) << 4)) - 32)
//   y[128h + l + 64] = d * S[l/16 + 4] * (((L[l]      >> 4)  | (((H[l] >> 4) & 3) << 4)) - 32)
//   y[128h + l + 96] = d * S[l/16 + 6] * (((L[l + 32] >> 4)  | (((H[l] >> 6) & 3) << 4)) - 32)
// (so sub-block k = i/16 of the block always uses scales[k]).
struct block_q6_K {
  uint8_t ql[QK_K / 2];       // low 4 bits
  uint8_t qh[QK_K / 4];       // high 2 bits
  int8_t scales[QK_K / 16];   // 8-bit sub-block scales
  uint16_t d;                 // fp16 super-block scale
};
static_assert(sizeof(block_q6_K) == 210, "block_q6_K must be 210 bytes");

// Each struct against the layout the shaders read (block_layouts.h).
static_assert(sizeof(block_q4_0) == Q4_0_BYTES && offsetof(block_q4_0, qs) == Q4_0_QS && QK4_0 == Q4_0_VALUES);
static_assert(sizeof(block_q5_0) == Q5_0_BYTES && offsetof(block_q5_0, qh) == Q5_0_QH &&
              offsetof(block_q5_0, qs) == Q5_0_QS && QK5_0 == Q5_0_VALUES);
static_assert(sizeof(block_q8_0) == Q8_0_BYTES && offsetof(block_q8_0, qs) == Q8_0_QS && QK8_0 == Q8_0_VALUES);
static_assert(QK_K == QK_K_VALUES && K_SCALE_SIZE == K_SCALE_BYTES);
static_assert(sizeof(block_q4_K) == Q4_K_BYTES && offsetof(block_q4_K, dmin) == Q4_K_DMIN &&
              offsetof(block_q4_K, scales) == Q4_K_SCALES && offsetof(block_q4_K, qs) == Q4_K_QS);
static_assert(sizeof(block_q5_K) == Q5_K_BYTES && offsetof(block_q5_K, dmin) == Q5_K_DMIN &&
              offsetof(block_q5_K, scales) == Q5_K_SCALES && offsetof(block_q5_K, qh) == Q5_K_QH &&
              offsetof(block_q5_K, qs) == Q5_K_QS);
// shaders/include/quant_k_scales.glsl k_scales reads both headers with Q4_K's offsets.
static_assert(Q4_K_DMIN == Q5_K_DMIN && Q4_K_SCALES == Q5_K_SCALES);
static_assert(sizeof(block_q6_K) == Q6_K_BYTES && offsetof(block_q6_K, ql) == Q6_K_QL &&
              offsetof(block_q6_K, qh) == Q6_K_QH && offsetof(block_q6_K, scales) == Q6_K_SCALES &&
              offsetof(block_q6_K, d) == Q6_K_D);

}  // namespace vkg
