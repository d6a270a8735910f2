// CPU kernels for the GGUF weight formats: fp16/bf16 conversions, row dequantization and row dot products.
//
// Each quantized kernel dequantizes one block (or, for 32-value blocks, 256 values' worth of blocks) into a
// small local float array, with exactly the arithmetic of ggml's dequantize_row_* (so dequantize_row is
// bit-exact with ggml / gguf-py), then accumulates its dot product with x into kLanes independent fp32
// partial sums. The partial sums are what lets g++/clang
// auto-vectorize the reduction without -ffast-math; they only change the fp32 summation order.
//
// Blocks are read through byte pointers (offsetof + memcpy for the fp16 fields), never by dereferencing a
// block struct in place: a row's start is not guaranteed to be 2-aligned. Little-endian host assumed (as
// the GGUF files themselves are).
#include "runtime/quant/quant.h"

#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>

#include "runtime/quant/blocks.h"

// No-alias qualifier understood by GCC, Clang and MSVC: lets the compiler vectorize the byte-reading,
// float-writing block loops without run-time overlap checks (uint8_t may alias anything).
#define VKG_RESTRICT __restrict
// Full unroll of the fixed 16-lane loop (an unknown #pragma would warn on MSVC, hence the guard).
// VKG_KEEP_LOOP keeps a short block loop a loop: at -O3 g++ would otherwise unroll it completely and then
// vectorize the straight-line code poorly (measured ~2.5x slower for Q4_0/Q5_0 with -march=native).
#if defined(__clang__)
#define VKG_UNROLL_LANES _Pragma("clang loop unroll(full)")
#define VKG_KEEP_LOOP _Pragma("clang loop unroll(disable)")
#elif defined(__GNUC__)
#define VKG_UNROLL_LANES _Pragma("GCC unroll 16")
#define VKG_KEEP_LOOP _Pragma("GCC unroll 1")
#else
#define VKG_UNROLL_LANES
#define VKG_KEEP_LOOP
#endif

namespace vkg {

// ---------------------------------------------------------------------------------------------------------
// Scalar conversions

namespace {

inline uint32_t f32_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

inline float bits_f32(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

inline uint16_t load_u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline uint32_t load_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

float fp16_to_fp32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1Fu;
  const uint32_t mant = h & 0x3FFu;
  if (exp == 0x1F) return bits_f32(sign | 0x7F800000u | (mant << 13));  // inf / nan (payload kept)
  if (exp != 0) return bits_f32(sign | ((exp + (127 - 15)) << 23) | (mant << 13));
  // Zero or subnormal: mant * 2^-24, exact in fp32.
  const float mag = static_cast<float>(mant) * 5.9604644775390625e-08f;  // 2^-24
  return sign ? -mag : mag;
}

uint16_t fp32_to_fp16(float f) {
  const uint32_t x = f32_bits(f);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t ax = x & 0x7FFFFFFFu;
  if (ax >= 0x7F800000u) {  // inf or nan
    if (ax == 0x7F800000u) return static_cast<uint16_t>(sign | 0x7C00u);
    // NaN: keep the top payload bits, force quiet so a payload living only in low bits stays a NaN.
    return static_cast<uint16_t>(sign | 0x7E00u | ((ax >> 13) & 0x3FFu));
  }
  if (ax >= 0x477FF000u) return static_cast<uint16_t>(sign | 0x7C00u);  // >= 65520 rounds to inf
  if (ax >= 0x38800000u) {  // >= 2^-14: normal half
    // Rebias the exponent, then round the 13 dropped mantissa bits to nearest even; a carry out of the
    // mantissa correctly bumps the exponent.
    const uint32_t r = ax - 0x38000000u;  // (127 - 15) << 23
    return static_cast<uint16_t>(sign | ((r + 0x0FFFu + ((r >> 13) & 1u)) >> 13));
  }
  if (ax < 0x33000000u) return sign;  // < 2^-25 (half of the smallest subnormal): rounds to +-0
  // Subnormal half: value = m * 2^(e-150) = (m >> (126 - e)) units of 2^-24, rounded to nearest even.
  // A round-up to 0x400 is the smallest normal's encoding, which is right.
  const uint32_t e = ax >> 23;                    // 102..112
  const uint32_t m = (ax & 0x7FFFFFu) | 0x800000u;
  const uint32_t shift = 126 - e;                 // 14..24
  uint32_t q = m >> shift;
  const uint32_t rem = m & ((1u << shift) - 1u);
  const uint32_t half = 1u << (shift - 1);
  if (rem > half || (rem == half && (q & 1u))) ++q;
  return static_cast<uint16_t>(sign | q);
}

float bf16_to_fp32(uint16_t h) { return bits_f32(static_cast<uint32_t>(h) << 16); }

uint16_t fp32_to_bf16(float f) {
  const uint32_t x = f32_bits(f);
  if ((x & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((x >> 16) | 0x0040u);  // quiet nan
  // Round to nearest even; overflow of a large finite value correctly rounds to inf.
  return static_cast<uint16_t>((static_cast<uint64_t>(x) + 0x7FFFu + ((x >> 16) & 1u)) >> 16);
}

// ---------------------------------------------------------------------------------------------------------
// Block dequantizers: one block -> y[block size]. Same arithmetic as ggml's dequantize_row_*.

namespace {

inline float half_at(const uint8_t* blk, std::size_t off) { return fp16_to_fp32(load_u16(blk + off)); }

inline void dequant_q4_0(const uint8_t* VKG_RESTRICT b, float* VKG_RESTRICT y) {
  const float d = half_at(b, offsetof(block_q4_0, d));
  const uint8_t* qs = b + offsetof(block_q4_0, qs);
  // Two separate loops (not one loop writing y[j] and y[j + 16]): each is a clean 16-wide vector loop.
  VKG_KEEP_LOOP
  for (int j = 0; j < QK4_0 / 2; ++j) y[j] = d * static_cast<float>((qs[j] & 0x0F) - 8);
  VKG_KEEP_LOOP
  for (int j = 0; j < QK4_0 / 2; ++j) y[j + QK4_0 / 2] = d * static_cast<float>((qs[j] >> 4) - 8);
}

constexpr uint32_t kBit[32] = {
    1u << 0,  1u << 1,  1u << 2,  1u << 3,  1u << 4,  1u << 5,  1u << 6,  1u << 7,
    1u << 8,  1u << 9,  1u << 10, 1u << 11, 1u << 12, 1u << 13, 1u << 14, 1u << 15,
    1u << 16, 1u << 17, 1u << 18, 1u << 19, 1u << 20, 1u << 21, 1u << 22, 1u << 23,
    1u << 24, 1u << 25, 1u << 26, 1u << 27, 1u << 28, 1u << 29, 1u << 30, 1u << 31};

inline void dequant_q5_0(const uint8_t* VKG_RESTRICT b, float* VKG_RESTRICT y) {
  const float d = half_at(b, offsetof(block_q5_0, d));
  const uint32_t qh = load_u32(b + offsetof(block_q5_0, qh));
  const uint8_t* qs = b + offsetof(block_q5_0, qs);
  // ggml: xh0 = ((qh >> j) << 4) & 0x10, xh1 = (qh >> (j + 12)) & 0x10; written with a mask table
  // because a per-lane variable shift does not vectorize on SSE2/NEON.
  VKG_KEEP_LOOP
  for (int j = 0; j < QK5_0 / 2; ++j) {
    const int xh0 = (qh & kBit[j]) ? 0x10 : 0;
    y[j] = d * static_cast<float>(((qs[j] & 0x0F) | xh0) - 16);
  }
  VKG_KEEP_LOOP
  for (int j = 0; j < QK5_0 / 2; ++j) {
    const int xh1 = (qh & kBit[j + 16]) ? 0x10 : 0;
    y[j + QK5_0 / 2] = d * static_cast<float>(((qs[j] >> 4) | xh1) - 16);
  }
}

inline void dequant_q8_0(const uint8_t* VKG_RESTRICT b, float* VKG_RESTRICT y) {
  const float d = half_at(b, offsetof(block_q8_0, d));
  const int8_t* qs = reinterpret_cast<const int8_t*>(b + offsetof(block_q8_0, qs));
  VKG_KEEP_LOOP
  for (int j = 0; j < QK8_0; ++j) y[j] = d * static_cast<float>(qs[j]);
}

inline void dequant_q4_K(const uint8_t* VKG_RESTRICT b, float* VKG_RESTRICT y) {
  const float d = half_at(b, offsetof(block_q4_K, d));
  const float dmin = half_at(b, offsetof(block_q4_K, dmin));
  const uint8_t* scales = b + offsetof(block_q4_K, scales);
  const uint8_t* q = b + offsetof(block_q4_K, qs);
  for (int c = 0; c < 4; ++c) {  // 64 values per chunk of 32 bytes
    uint8_t sc, m;
    get_scale_min_k4(2 * c + 0, scales, &sc, &m);
    const float d1 = d * static_cast<float>(sc), m1 = dmin * static_cast<float>(m);
    get_scale_min_k4(2 * c + 1, scales, &sc, &m);
    const float d2 = d * static_cast<float>(sc), m2 = dmin * static_cast<float>(m);
    for (int l = 0; l < 32; ++l) y[l] = d1 * static_cast<float>(q[l] & 0xF) - m1;
    for (int l = 0; l < 32; ++l) y[l + 32] = d2 * static_cast<float>(q[l] >> 4) - m2;
    q += 32;
    y += 64;
  }
}

inline void dequant_q5_K(const uint8_t* VKG_RESTRICT b, float* VKG_RESTRICT y) {
  const float d = half_at(b, offsetof(block_q5_K, d));
  const float dmin = half_at(b, offsetof(block_q5_K, dmin));
  const uint8_t* scales = b + offsetof(block_q5_K, scales);
  const uint8_t* qh = b + offsetof(block_q5_K, qh);
  const uint8_t* ql = b + offsetof(block_q5_K, qs);
  uint8_t u1 = 1, u2 = 2;
  for (int c = 0; c < 4; ++c) {
    uint8_t sc, m;
    get_scale_min_k4(2 * c + 0, scales, &sc, &m);
    const float d1 = d * static_cast<float>(sc), m1 = dmin * static_cast<float>(m);
    get_scale_min_k4(2 * c + 1, scales, &sc, &m);
    const float d2 = d * static_cast<float>(sc), m2 = dmin * static_cast<float>(m);
    for (int l = 0; l < 32; ++l)
      y[l] = d1 * static_cast<float>((ql[l] & 0xF) + ((qh[l] & u1) ? 16 : 0)) - m1;
    for (int l = 0; l < 32; ++l)
      y[l + 32] = d2 * static_cast<float>((ql[l] >> 4) + ((qh[l] & u2) ? 16 : 0)) - m2;
    ql += 32;
    y += 64;
    u1 = static_cast<uint8_t>(u1 << 2);
    u2 = static_cast<uint8_t>(u2 << 2);
  }
}

inline void dequant_q6_K(const uint8_t* VKG_RESTRICT b, float* VKG_RESTRICT y) {
  const float d = half_at(b, offsetof(block_q6_K, d));
  const uint8_t* ql = b + offsetof(block_q6_K, ql);
  const uint8_t* qh = b + offsetof(block_q6_K, qh);
  const int8_t* sc = reinterpret_cast<const int8_t*>(b + offsetof(block_q6_K, scales));
  for (int h = 0; h < 2; ++h) {      // two halves of 128 values
    for (int is = 0; is < 2; ++is) {  // l in [16*is, 16*is + 16): ggml's is = l/16, hoisted out
      // (d * sc) * q, in this order as ggml does it; every product is exact in fp32 anyway
      // (11-bit d significand x 8-bit scale x 6-bit quant <= 24 bits).
      const float s1 = d * static_cast<float>(sc[is + 0]);
      const float s2 = d * static_cast<float>(sc[is + 2]);
      const float s3 = d * static_cast<float>(sc[is + 4]);
      const float s4 = d * static_cast<float>(sc[is + 6]);
      for (int l = 16 * is; l < 16 * is + 16; ++l) {
        const int q1 = ((ql[l + 0] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l + 0] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[l + 0] = s1 * static_cast<float>(q1);
        y[l + 32] = s2 * static_cast<float>(q2);
        y[l + 64] = s3 * static_cast<float>(q3);
        y[l + 96] = s4 * static_cast<float>(q4);
      }
    }
    y += 128;
    ql += 64;
    qh += 32;
    sc += 8;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Dot-product accumulation: kLanes independent partial sums, so the compiler can keep them in vector
// registers (2 x AVX, 4 x SSE/NEON) without reassociating fp32 additions on its own.

constexpr int kLanes = 16;

struct Acc {
  float v[kLanes] = {};

  // n must be a multiple of kLanes. The partial sums are copied to a local array and the lane loop is
  // fully unrolled so that they live in registers for the whole loop (otherwise g++ keeps them in memory
  // and every update is a load-add-store round trip).
  inline void add(const float* VKG_RESTRICT a, const float* VKG_RESTRICT x, int n) {
    float s[kLanes];
    for (int k = 0; k < kLanes; ++k) s[k] = v[k];
    for (int i = 0; i < n; i += kLanes) {
      VKG_UNROLL_LANES
      for (int k = 0; k < kLanes; ++k) s[k] += a[i + k] * x[i + k];
    }
    for (int k = 0; k < kLanes; ++k) v[k] = s[k];
  }

  inline float sum() const {
    // Pairwise, fixed order.
    float t[kLanes];
    for (int k = 0; k < kLanes; ++k) t[k] = v[k];
    for (int w = kLanes / 2; w > 0; w /= 2)
      for (int k = 0; k < w; ++k) t[k] += t[k + w];
    return t[0];
  }
};

[[noreturn]] void unsupported(const char* what, DType type) {
  const DTypeInfo* info = dtype_info(static_cast<uint32_t>(type));
  std::string msg = what;
  msg += ": unsupported weight type ";
  if (info) {
    msg += info->name;
  } else {
    msg += "#";
    msg += std::to_string(static_cast<uint32_t>(type));
  }
  throw std::runtime_error(msg);
}

void check_multiple(const char* what, DType type, int64_t n, int64_t block) {
  if (n < 0 || n % block != 0)
    throw std::runtime_error(std::string(what) + ": row length " + std::to_string(n) +
                             " is not a multiple of the block size " + std::to_string(block) + " of " +
                             dtype_name(type));
}

template <int QK, int BYTES, void (*Dequant)(const uint8_t*, float*)>
void dequantize_blocks(const void* src, float* dst, int64_t n) {
  const uint8_t* p = static_cast<const uint8_t*>(src);
  for (int64_t i = 0; i < n / QK; ++i) Dequant(p + i * BYTES, dst + i * QK);
}

template <int QK, int BYTES, void (*Dequant)(const uint8_t*, float*)>
float dot_blocks(const void* row, const float* x, int64_t n) {
  static_assert(QK % kLanes == 0, "block size must be a multiple of the accumulator width");
  // Small blocks are dequantized kBatch at a time (256 values) before the dot loop runs over them:
  // reading each block's values right after writing them costs store-to-load forwarding stalls when the
  // compiler writes them with narrower stores than it reads them with. Lane k of the accumulator sees
  // the same values in the same order either way.
  constexpr int kBatch = QK >= 256 ? 1 : 256 / QK;
  const uint8_t* p = static_cast<const uint8_t*>(row);
  const int64_t nb = n / QK;
  Acc acc;
  alignas(64) float tmp[QK * kBatch];
  int64_t i = 0;
  for (; i + kBatch <= nb; i += kBatch) {
    for (int k = 0; k < kBatch; ++k) Dequant(p + (i + k) * BYTES, tmp + k * QK);
    acc.add(tmp, x + i * QK, QK * kBatch);
  }
  for (; i < nb; ++i) {
    Dequant(p + i * BYTES, tmp);
    acc.add(tmp, x + i * QK, QK);
  }
  return acc.sum();
}

// Element-wise types (F32/F16/BF16): convert chunks of kChunk into a local array, tail handled lane-wise.
constexpr int kChunk = 256;

// Branch-free fp16 -> fp32 (same results as fp16_to_fp32, including subnormals, inf and nan), so the
// conversion loop vectorizes: shift exponent+mantissa into place and rebias; inf/nan get the exponent
// rebiased once more to all-ones; zero/subnormals are computed exactly as (2^-14 * (1 + m/1024)) - 2^-14.
inline float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t o = static_cast<uint32_t>(h & 0x7FFFu) << 13;
  const uint32_t exp = o & 0x0F800000u;
  const uint32_t is_special = 0u - static_cast<uint32_t>(exp == 0x0F800000u);  // all ones for inf/nan
  const uint32_t is_small = 0u - static_cast<uint32_t>(exp == 0);              // all ones for zero/subnormal
  o += 0x38000000u + (is_special & 0x38000000u);  // rebias by (127 - 15) << 23, twice for inf/nan
  const uint32_t sub = f32_bits(bits_f32(o + 0x00800000u) - bits_f32(0x38800000u));
  return bits_f32(sign | (sub & is_small) | (o & ~is_small));
}

inline void convert_f16(const uint8_t* VKG_RESTRICT p, float* VKG_RESTRICT y, int n) {
  for (int i = 0; i < n; ++i) y[i] = half_to_float(load_u16(p + 2 * i));
}

inline void convert_bf16(const uint8_t* VKG_RESTRICT p, float* VKG_RESTRICT y, int n) {
  for (int i = 0; i < n; ++i) y[i] = bf16_to_fp32(load_u16(p + 2 * i));
}

inline void convert_f32(const uint8_t* p, float* y, int n) {
  std::memcpy(y, p, sizeof(float) * static_cast<std::size_t>(n));
}

template <int ESIZE, void (*Convert)(const uint8_t*, float*, int)>
float dot_elements(const void* row, const float* x, int64_t n) {
  const uint8_t* p = static_cast<const uint8_t*>(row);
  Acc acc;
  alignas(64) float tmp[kChunk];
  int64_t i = 0;
  for (; i + kChunk <= n; i += kChunk) {
    Convert(p + i * ESIZE, tmp, kChunk);
    acc.add(tmp, x + i, kChunk);
  }
  if (i < n) {
    const int rest = static_cast<int>(n - i);
    Convert(p + i * ESIZE, tmp, rest);
    const int whole = rest / kLanes * kLanes;
    acc.add(tmp, x + i, whole);
    for (int k = whole; k < rest; ++k) acc.v[k - whole] += tmp[k] * x[i + k];
  }
  return acc.sum();
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// Public entry points

void dequantize_row(DType type, const void* src, float* dst, int64_t n) {
  const char* what = "dequantize_row";
  const uint8_t* p = static_cast<const uint8_t*>(src);
  switch (type) {
    case DType::F32:
      check_multiple(what, type, n, 1);
      if (n > 0) std::memcpy(dst, src, sizeof(float) * static_cast<std::size_t>(n));
      return;
    case DType::F16:
      check_multiple(what, type, n, 1);
      for (int64_t i = 0; i < n; ++i) dst[i] = half_to_float(load_u16(p + 2 * i));
      return;
    case DType::BF16:
      check_multiple(what, type, n, 1);
      for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_fp32(load_u16(p + 2 * i));
      return;
    case DType::Q4_0:
      check_multiple(what, type, n, QK4_0);
      return dequantize_blocks<QK4_0, sizeof(block_q4_0), dequant_q4_0>(src, dst, n);
    case DType::Q5_0:
      check_multiple(what, type, n, QK5_0);
      return dequantize_blocks<QK5_0, sizeof(block_q5_0), dequant_q5_0>(src, dst, n);
    case DType::Q8_0:
      check_multiple(what, type, n, QK8_0);
      return dequantize_blocks<QK8_0, sizeof(block_q8_0), dequant_q8_0>(src, dst, n);
    case DType::Q4_K:
      check_multiple(what, type, n, QK_K);
      return dequantize_blocks<QK_K, sizeof(block_q4_K), dequant_q4_K>(src, dst, n);
    case DType::Q5_K:
      check_multiple(what, type, n, QK_K);
      return dequantize_blocks<QK_K, sizeof(block_q5_K), dequant_q5_K>(src, dst, n);
    case DType::Q6_K:
      check_multiple(what, type, n, QK_K);
      return dequantize_blocks<QK_K, sizeof(block_q6_K), dequant_q6_K>(src, dst, n);
    default:
      unsupported(what, type);
  }
}

float dot_row(DType type, const void* row, const float* x, int64_t n) {
  const char* what = "dot_row";
  switch (type) {
    case DType::F32:
      check_multiple(what, type, n, 1);
      return dot_elements<4, convert_f32>(row, x, n);
    case DType::F16:
      check_multiple(what, type, n, 1);
      return dot_elements<2, convert_f16>(row, x, n);
    case DType::BF16:
      check_multiple(what, type, n, 1);
      return dot_elements<2, convert_bf16>(row, x, n);
    case DType::Q4_0:
      check_multiple(what, type, n, QK4_0);
      return dot_blocks<QK4_0, sizeof(block_q4_0), dequant_q4_0>(row, x, n);
    case DType::Q5_0:
      check_multiple(what, type, n, QK5_0);
      return dot_blocks<QK5_0, sizeof(block_q5_0), dequant_q5_0>(row, x, n);
    case DType::Q8_0:
      check_multiple(what, type, n, QK8_0);
      return dot_blocks<QK8_0, sizeof(block_q8_0), dequant_q8_0>(row, x, n);
    case DType::Q4_K:
      check_multiple(what, type, n, QK_K);
      return dot_blocks<QK_K, sizeof(block_q4_K), dequant_q4_K>(row, x, n);
    case DType::Q5_K:
      check_multiple(what, type, n, QK_K);
      return dot_blocks<QK_K, sizeof(block_q5_K), dequant_q5_K>(row, x, n);
    case DType::Q6_K:
      check_multiple(what, type, n, QK_K);
      return dot_blocks<QK_K, sizeof(block_q6_K), dequant_q6_K>(row, x, n);
    default:
      unsupported(what, type);
  }
}

void dequantize_rows(DType type, const void* src, int64_t rows, int64_t cols, float* dst) {
  const int64_t stride = row_bytes(type, cols);
  for (int64_t r = 0; r < rows; ++r) dequantize_row(type, static_cast<const uint8_t*>(src) + r * stride, dst + r * cols, cols);
}

}  // namespace vkg
