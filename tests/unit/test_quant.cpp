// Quantized-weight kernels (runtime/cpu/quant.*): hand-worked blocks, a cross-check against gguf-py's
// dequantization, dot_row against a dot over dequantized values, and fp16/bf16 conversions.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/quant/quant.h"
#include "runtime/quant/blocks.h"
#include "runtime/dtype.h"
#include "tests/test_paths.h"
#include "tests/unit/random_blocks.h"

using namespace vkg;
using namespace vkg;

namespace {

float bits_f32(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

uint32_t f32_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

void put_u16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v & 0xFF);
  p[1] = static_cast<uint8_t>(v >> 8);
}

std::vector<float> dequant(DType t, const std::vector<uint8_t>& raw, int64_t n) {
  std::vector<float> out(static_cast<size_t>(n), std::numeric_limits<float>::quiet_NaN());
  dequantize_row(t, raw.data(), out.data(), n);
  return out;
}

}  // namespace

TEST_SUITE("quant") {

// ---------------------------------------------------------------------------------------------------------
// a) Hand-worked blocks. Each block is built byte by byte and the expected values are worked out by hand
// from the GGUF layout (see quant_blocks.h), not from our implementation.

TEST_CASE("Q4_0 hand-worked block") {
  std::vector<uint8_t> b(18, 0x88);  // nibbles 8 -> (8 - 8) = 0
  put_u16(&b[0], 0x3800);            // d = 0.5
  b[2 + 0] = 0x1F;                   // y[0] = 0.5*(15-8) = 3.5    y[16] = 0.5*(1-8) = -3.5
  b[2 + 1] = 0x80;                   // y[1] = 0.5*(0-8)  = -4     y[17] = 0.5*(8-8) = 0
  b[2 + 15] = 0x96;                  // y[15] = 0.5*(6-8) = -1     y[31] = 0.5*(9-8) = 0.5
  const auto y = dequant(DType::Q4_0, b, 32);
  CHECK(y[0] == 3.5f);
  CHECK(y[16] == -3.5f);
  CHECK(y[1] == -4.0f);
  CHECK(y[17] == 0.0f);
  CHECK(y[15] == -1.0f);
  CHECK(y[31] == 0.5f);
  CHECK(y[7] == 0.0f);
  CHECK(y[20] == 0.0f);
}

TEST_CASE("Q5_0 hand-worked block") {
  std::vector<uint8_t> b(22, 0x00);
  put_u16(&b[0], 0x4000);  // d = 2
  // qh = bytes {01 00 01 80} = uint32 0x80010001: high bits set for y[0], y[16], y[31].
  b[2] = 0x01;
  b[4] = 0x01;
  b[5] = 0x80;
  b[6 + 0] = 0x3F;   // y[0]  = 2*((0xF | 16) - 16) = 2*15 = 30    y[16] = 2*((3 | 16) - 16) = 6
  b[6 + 15] = 0x0A;  // y[15] = 2*(10 - 16) = -12 (bit 15 clear)   y[31] = 2*((0 | 16) - 16) = 0
  // qs[1] = 0, bits 1 and 17 clear: y[1] = y[17] = 2*(0 - 16) = -32
  const auto y = dequant(DType::Q5_0, b, 32);
  CHECK(y[0] == 30.0f);
  CHECK(y[16] == 6.0f);
  CHECK(y[15] == -12.0f);
  CHECK(y[31] == 0.0f);
  CHECK(y[1] == -32.0f);
  CHECK(y[17] == -32.0f);
}

TEST_CASE("Q8_0 hand-worked block") {
  std::vector<uint8_t> b(34, 0x00);
  put_u16(&b[0], 0xB400);  // d = -0.25
  b[2 + 0] = 0x7F;         // y[0]  = -0.25 * 127  = -31.75
  b[2 + 1] = 0x80;         // y[1]  = -0.25 * -128 = 32
  b[2 + 31] = 0xFD;        // y[31] = -0.25 * -3   = 0.75
  b[2 + 5] = 0x01;         // y[5]  = -0.25
  const auto y = dequant(DType::Q8_0, b, 32);
  CHECK(y[0] == -31.75f);
  CHECK(y[1] == 32.0f);
  CHECK(y[31] == 0.75f);
  CHECK(y[5] == -0.25f);
  CHECK(y[6] == 0.0f);
}

// Header shared by the Q4_K and Q5_K hand-worked blocks: d = 1, dmin = 0.5 and the 12 scale bytes
//   byte:  0    1    2    3    4    5    6    7    8    9    10   11
//          0x81 0xC2 0xC3 0x44 0x85 0x06 0x47 0xC8 0x81 0x92 0x2F 0xF1
// Unpacked by hand (get_scale_min_k4):
//   sc[0..3] = low 6 bits of bytes 0..3 = 1, 2, 3, 4
//   m[0..3]  = low 6 bits of bytes 4..7 = 5, 6, 7, 8
//   sc[4] = (byte8 & 0xF)  | (byte0 >> 6) << 4 = 1  | 2<<4 = 33
//   sc[5] = (byte9 & 0xF)  | (byte1 >> 6) << 4 = 2  | 3<<4 = 50
//   sc[6] = (byte10 & 0xF) | (byte2 >> 6) << 4 = 15 | 3<<4 = 63
//   sc[7] = (byte11 & 0xF) | (byte3 >> 6) << 4 = 1  | 1<<4 = 17
//   m[4]  = (byte8 >> 4)   | (byte4 >> 6) << 4 = 8  | 2<<4 = 40
//   m[5]  = (byte9 >> 4)   | (byte5 >> 6) << 4 = 9  | 0    = 9
//   m[6]  = (byte10 >> 4)  | (byte6 >> 6) << 4 = 2  | 1<<4 = 18
//   m[7]  = (byte11 >> 4)  | (byte7 >> 6) << 4 = 15 | 3<<4 = 63
static void put_k_header(uint8_t* b) {
  put_u16(b + 0, 0x3C00);  // d = 1
  put_u16(b + 2, 0x3800);  // dmin = 0.5
  const uint8_t scales[12] = {0x81, 0xC2, 0xC3, 0x44, 0x85, 0x06, 0x47, 0xC8, 0x81, 0x92, 0x2F, 0xF1};
  std::memcpy(b + 4, scales, 12);
}

TEST_CASE("Q4_K hand-worked block") {
  std::vector<uint8_t> b(144, 0x00);
  put_k_header(b.data());
  uint8_t* qs = &b[16];
  // y[32s + l]: byte qs[32*(s/2) + l], low nibble for even s, high nibble for odd s.
  qs[0] = 0xA3;       // y[0]   (s0): 1*3  - 0.5*5  = 0.5       y[32]  (s1): 2*10 - 0.5*6 = 17
  qs[64 + 5] = 0x7F;  // y[133] (s4): 33*15 - 0.5*40 = 475      y[165] (s5): 50*7 - 0.5*9 = 345.5
  qs[96 + 31] = 0x0E; // y[223] (s6): 63*14 - 0.5*18 = 873      y[255] (s7): 17*0 - 0.5*63 = -31.5
  // untouched: y[1] (s0) = 0 - 2.5 = -2.5; y[100] (s3) = 0 - 0.5*8 = -4
  const auto y = dequant(DType::Q4_K, b, 256);
  CHECK(y[0] == 0.5f);
  CHECK(y[32] == 17.0f);
  CHECK(y[133] == 475.0f);
  CHECK(y[165] == 345.5f);
  CHECK(y[223] == 873.0f);
  CHECK(y[255] == -31.5f);
  CHECK(y[1] == -2.5f);
  CHECK(y[100] == -4.0f);
}

TEST_CASE("Q5_K hand-worked block") {
  std::vector<uint8_t> b(176, 0x00);
  put_k_header(b.data());
  uint8_t* qh = &b[16];
  uint8_t* qs = &b[48];
  // Same low nibbles as the Q4_K case; the high bit of y[32s + l] is bit s of qh[l].
  qs[0] = 0xA3;
  qs[64 + 5] = 0x7F;
  qs[96 + 31] = 0x0E;
  qh[0] = 0x03;   // y[0]  (s0): q = 3|16 = 19   -> 1*19 - 2.5 = 16.5
                  // y[32] (s1): q = 10|16 = 26  -> 2*26 - 3 = 49
  qh[5] = 0x10;   // y[133] (s4): q = 15|16 = 31 -> 33*31 - 20 = 1003      y[165] (s5): bit 5 clear -> 345.5
  qh[31] = 0x80;  // y[255] (s7): q = 0|16 = 16  -> 17*16 - 31.5 = 240.5   y[223] (s6): bit 6 clear -> 873
  qh[7] = 0x08;   // y[103] (s3): q = 0|16 = 16  -> 4*16 - 4 = 60
  const auto y = dequant(DType::Q5_K, b, 256);
  CHECK(y[0] == 16.5f);
  CHECK(y[32] == 49.0f);
  CHECK(y[133] == 1003.0f);
  CHECK(y[165] == 345.5f);
  CHECK(y[255] == 240.5f);
  CHECK(y[223] == 873.0f);
  CHECK(y[103] == 60.0f);
  CHECK(y[1] == -2.5f);
}

TEST_CASE("Q6_K hand-worked block") {
  std::vector<uint8_t> b(210, 0x00);
  uint8_t* ql = &b[0];
  uint8_t* qh = &b[128];
  int8_t scales[16];
  for (int8_t& s : scales) s = 1;
  scales[0] = 2;
  scales[2] = -3;
  scales[5] = 10;
  scales[12] = -128;
  scales[15] = 127;
  std::memcpy(&b[192], scales, 16);
  put_u16(&b[208], 0x3400);  // d = 0.25 (last field)
  // Sub-block k = i/16 uses scales[k]; q = (4 low bits | 2 high bits << 4) - 32.
  ql[0] = 0x5A;
  qh[0] = 0xE4;  // bits: [1:0]=0, [3:2]=1, [5:4]=2, [7:6]=3
  // y[0]  = ql[0] low 10,  qh[0] bits 1:0 = 0 -> 10 - 32 = -22;   0.25 * 2 * -22 = -11
  // y[64] = ql[0] high 5,  qh[0] bits 5:4 = 2 -> 37 - 32 = 5;     0.25 * 1 * 5   = 1.25  (sub-block 4)
  ql[32] = 0xC7;
  // y[32] = ql[32] low 7,  qh[0] bits 3:2 = 1 -> 23 - 32 = -9;    0.25 * -3 * -9 = 6.75  (sub-block 2)
  // y[96] = ql[32] high 12, qh[0] bits 7:6 = 3 -> 60 - 32 = 28;   0.25 * 1 * 28  = 7     (sub-block 6)
  ql[16] = 0xF0;
  qh[16] = 0x30;
  // y[80] = ql[16] high 15, qh[16] bits 5:4 = 3 -> 63 - 32 = 31;  0.25 * 10 * 31 = 77.5  (sub-block 5)
  // y[16] = ql[16] low 0,   qh[16] bits 1:0 = 0 -> -32;           0.25 * 1 * -32 = -8    (sub-block 1)
  ql[64 + 3] = 0x10;
  // y[195] = second half, l = 3, +64: ql[67] high 1, qh[35] bits 5:4 = 0 -> 1 - 32 = -31;
  //          sub-block 12: 0.25 * -128 * -31 = 992
  ql[127] = 0xB0;
  qh[63] = 0xC0;
  // y[255] = second half, l = 31, +96: ql[64+32+31] high 11, qh[32+31] bits 7:6 = 3 -> 59 - 32 = 27;
  //          sub-block 15: 0.25 * 127 * 27 = 857.25
  const auto y = dequant(DType::Q6_K, b, 256);
  CHECK(y[0] == -11.0f);
  CHECK(y[64] == 1.25f);
  CHECK(y[32] == 6.75f);
  CHECK(y[96] == 7.0f);
  CHECK(y[80] == 77.5f);
  CHECK(y[16] == -8.0f);
  CHECK(y[195] == 992.0f);
  CHECK(y[255] == 857.25f);
  CHECK(y[130] == -8.0f);  // untouched: q = -32, scale 1
}

// ---------------------------------------------------------------------------------------------------------
// b) Cross-check against gguf-py (tools/make_quant_reference.py wrote the file).
//
// Dequantization is exact arithmetic: every value is an fp16 scale (11-bit significand) times small
// integers (6-bit scale x 5-bit quant for the K-quants, 8-bit scale x 6-bit quant for Q6_K), which fits in
// fp32's 24-bit significand, so each product is exact and each value is at most one rounded subtraction
// (d*sc*q - dmin*m), computed identically by numpy and by us (an FMA contraction gives the same result
// because the product is exact). Hence exact equality is required; NaN must map to NaN.

TEST_CASE("dequantize_row matches gguf-py bit for bit") {
  const std::string path = test::source_path("assets/quant_reference/quant_reference.bin");
  std::ifstream f(path, std::ios::binary);
  REQUIRE_MESSAGE(f.good(), "missing " << path << " (run tools/make_quant_reference.py)");
  const std::vector<uint8_t> file((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  REQUIRE(file.size() >= 12);
  REQUIRE(std::memcmp(file.data(), "VKGQREF1", 8) == 0);
  size_t pos = 8;
  auto u32 = [&]() {
    REQUIRE(pos + 4 <= file.size());
    uint32_t v = static_cast<uint32_t>(file[pos]) | static_cast<uint32_t>(file[pos + 1]) << 8 |
                 static_cast<uint32_t>(file[pos + 2]) << 16 | static_cast<uint32_t>(file[pos + 3]) << 24;
    pos += 4;
    return v;
  };
  const uint32_t count = u32();
  REQUIRE(count > 0);
  int types_seen[32] = {};
  for (uint32_t e = 0; e < count; ++e) {
    const uint32_t type_id = u32();
    const uint32_t n = u32();
    const uint32_t nbytes = u32();
    REQUIRE(dtype_info(type_id) != nullptr);
    const DType t = static_cast<DType>(type_id);
    REQUIRE(row_bytes(t, n) == static_cast<int64_t>(nbytes));
    REQUIRE(pos + nbytes + 4ull * n <= file.size());
    const std::vector<uint8_t> raw(file.begin() + static_cast<std::ptrdiff_t>(pos),
                                   file.begin() + static_cast<std::ptrdiff_t>(pos + nbytes));
    pos += nbytes;
    std::vector<float> want(n);
    for (uint32_t i = 0; i < n; ++i) want[i] = bits_f32(u32());
    if (type_id < 32) ++types_seen[type_id];

    INFO("entry " << e << " type " << dtype_name(t) << " n " << n);
    const auto got = dequant(t, raw, n);
    int mismatches = 0;
    for (uint32_t i = 0; i < n; ++i) {
      const bool ok = std::isnan(want[i]) ? std::isnan(got[i]) : got[i] == want[i];
      if (!ok && ++mismatches <= 5) {
        INFO("i " << i << " got " << got[i] << " want " << want[i]);
        CHECK(ok);
      }
    }
    CHECK(mismatches == 0);
  }
  CHECK(pos == file.size());
  for (DType t : {DType::F16, DType::BF16, DType::Q4_0, DType::Q5_0, DType::Q8_0, DType::Q4_K, DType::Q5_K,
                  DType::Q6_K}) {
    INFO("type " << dtype_name(t));
    CHECK(types_seen[static_cast<uint32_t>(t)] > 0);
  }
}

// ---------------------------------------------------------------------------------------------------------
// c) dot_row equals the dot product of the dequantized row, up to fp32 summation order.

TEST_CASE("dot_row matches the dot product of dequantize_row") {
  std::mt19937 rng(1234);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (DType t : {DType::F32, DType::F16, DType::BF16, DType::Q4_0, DType::Q5_0, DType::Q8_0, DType::Q4_K,
                  DType::Q5_K, DType::Q6_K}) {
    const DTypeInfo& info = dtype_info(t);
    // Element types: lengths that exercise the 256-chunk, the 16-lane body and the scalar tail.
    const std::vector<int64_t> lengths =
        info.block_elems == 1 ? std::vector<int64_t>{1, 15, 37, 256, 640, 1157}
                              : std::vector<int64_t>{info.block_elems, 3 * info.block_elems, 2048};
    for (int64_t n : lengths) {
      INFO("type " << info.name << " n " << n);
      const auto raw = test::random_blocks(t, n / info.block_elems, rng);
      std::vector<float> x(static_cast<size_t>(n));
      for (float& v : x) v = normal(rng);

      const auto w = dequant(t, raw, n);
      double ref = 0.0, mag = 0.0;
      for (int64_t i = 0; i < n; ++i) {
        ref += static_cast<double>(w[i]) * x[i];
        mag += std::fabs(static_cast<double>(w[i]) * x[i]);
      }
      const float got = dot_row(t, raw.data(), x.data(), n);
      // fp32 accumulation in a different order: bound the error relative to sum |w_i x_i|.
      CHECK(std::fabs(got - ref) <= 1e-5 * mag + 1e-30);

      // Misaligned row start (GGUF rows are not guaranteed 2-aligned): same result, bit for bit.
      std::vector<uint8_t> shifted(raw.size() + 1);
      std::memcpy(shifted.data() + 1, raw.data(), raw.size());
      CHECK(dot_row(t, shifted.data() + 1, x.data(), n) == got);
      std::vector<float> w2(static_cast<size_t>(n));
      dequantize_row(t, shifted.data() + 1, w2.data(), n);
      CHECK(std::memcmp(w2.data(), w.data(), w.size() * sizeof(float)) == 0);
    }
  }
}

TEST_CASE("unsupported types and bad lengths throw") {
  std::vector<uint8_t> raw(1024, 0);
  std::vector<float> out(512), x(512, 1.0f);
  CHECK_THROWS_AS(dequantize_row(DType::Q4_1, raw.data(), out.data(), 32), std::runtime_error);
  CHECK_THROWS_AS(dot_row(DType::Q2_K, raw.data(), x.data(), 256), std::runtime_error);
  CHECK_THROWS_WITH_AS(dot_row(DType::I32, raw.data(), x.data(), 4), doctest::Contains("I32"),
                       std::runtime_error);
  CHECK_THROWS_WITH_AS(dequantize_row(DType::Q8_K, raw.data(), out.data(), 256), doctest::Contains("Q8_K"),
                       std::runtime_error);
  CHECK_THROWS_AS(dequantize_row(DType::Q4_K, raw.data(), out.data(), 100), std::runtime_error);
  CHECK_THROWS_AS(dot_row(DType::Q8_0, raw.data(), x.data(), 33), std::runtime_error);
  CHECK(dot_row(DType::Q4_0, raw.data(), x.data(), 0) == 0.0f);
}

// ---------------------------------------------------------------------------------------------------------
// d) fp16 / bf16 conversions.

TEST_CASE("fp16 -> fp32 known values") {
  CHECK(fp16_to_fp32(0x3C00) == 1.0f);
  CHECK(fp16_to_fp32(0xC000) == -2.0f);
  CHECK(fp16_to_fp32(0x3555) == 0.333251953125f);       // 0x155/1024 + 1 = 1.3330078125, times 2^-2
  CHECK(fp16_to_fp32(0x7BFF) == 65504.0f);              // largest finite
  CHECK(fp16_to_fp32(0x0400) == std::ldexp(1.0f, -14)); // smallest normal
  CHECK(fp16_to_fp32(0x0001) == std::ldexp(1.0f, -24)); // smallest subnormal, 5.96e-8
  CHECK(fp16_to_fp32(0x03FF) == std::ldexp(1023.0f, -24));  // largest subnormal
  CHECK(fp16_to_fp32(0x8001) == -std::ldexp(1.0f, -24));
  CHECK(fp16_to_fp32(0x0000) == 0.0f);
  CHECK(f32_bits(fp16_to_fp32(0x8000)) == 0x80000000u);  // -0 keeps its sign
  CHECK(fp16_to_fp32(0x7C00) == std::numeric_limits<float>::infinity());
  CHECK(fp16_to_fp32(0xFC00) == -std::numeric_limits<float>::infinity());
  CHECK(std::isnan(fp16_to_fp32(0x7E00)));
  CHECK(std::isnan(fp16_to_fp32(0x7C01)));  // signalling-NaN pattern is still NaN, not inf
  CHECK(std::isnan(fp16_to_fp32(0xFFFF)));
}

TEST_CASE("fp32 -> fp16 known values and rounding") {
  CHECK(fp32_to_fp16(1.0f) == 0x3C00);
  CHECK(fp32_to_fp16(-2.0f) == 0xC000);
  CHECK(fp32_to_fp16(65504.0f) == 0x7BFF);
  CHECK(fp32_to_fp16(65519.0f) == 0x7BFF);  // below the midpoint to 65536 (= 65520)
  CHECK(fp32_to_fp16(65520.0f) == 0x7C00);  // tie between 65504 (odd mantissa) and 65536 (inf): even -> inf
  CHECK(fp32_to_fp16(1e10f) == 0x7C00);
  CHECK(fp32_to_fp16(-1e10f) == 0xFC00);
  CHECK(fp32_to_fp16(std::numeric_limits<float>::infinity()) == 0x7C00);
  CHECK(fp32_to_fp16(-std::numeric_limits<float>::infinity()) == 0xFC00);
  const uint16_t qnan = fp32_to_fp16(std::numeric_limits<float>::quiet_NaN());
  CHECK((qnan & 0x7C00) == 0x7C00);
  CHECK((qnan & 0x03FF) != 0);
  const uint16_t snan = fp32_to_fp16(bits_f32(0x7F800001u));  // payload only in bits lost by the shift
  CHECK((snan & 0x7C00) == 0x7C00);
  CHECK((snan & 0x03FF) != 0);  // still a NaN, not inf
  CHECK(fp32_to_fp16(0.0f) == 0x0000);
  CHECK(fp32_to_fp16(-0.0f) == 0x8000);
  // Ties to even in the normal range: 1 + 2^-11 is halfway between 1 (0x3C00) and 1 + 2^-10 (0x3C01).
  CHECK(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11)) == 0x3C00);
  // 1 + 3*2^-11 is halfway between 0x3C01 and 0x3C02: even -> 0x3C02.
  CHECK(fp32_to_fp16(1.0f + 3.0f * std::ldexp(1.0f, -11)) == 0x3C02);
  // Just above the tie rounds up.
  CHECK(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20)) == 0x3C01);
  // Mantissa carry into the exponent: 2 - 2^-12 rounds up to 2.0 (0x4000).
  CHECK(fp32_to_fp16(2.0f - std::ldexp(1.0f, -12)) == 0x4000);
  // Subnormals (unit 2^-24).
  CHECK(fp32_to_fp16(std::ldexp(1.0f, -24)) == 0x0001);
  CHECK(fp32_to_fp16(std::ldexp(1.0f, -25)) == 0x0000);  // tie between 0 and 1 unit: even -> 0
  CHECK(fp32_to_fp16(std::nextafter(std::ldexp(1.0f, -25), 1.0f)) == 0x0001);
  CHECK(fp32_to_fp16(std::ldexp(3.0f, -25)) == 0x0002);  // 1.5 units: tie -> even 2
  CHECK(fp32_to_fp16(std::ldexp(5.0f, -25)) == 0x0002);  // 2.5 units: tie -> even 2
  CHECK(fp32_to_fp16(-std::ldexp(1.0f, -24)) == 0x8001);
  CHECK(fp32_to_fp16(std::ldexp(1.0f, -30)) == 0x0000);
  CHECK(fp32_to_fp16(std::ldexp(1023.0f, -24)) == 0x03FF);
  // 1023.5 units: tie -> even 1024, the smallest normal.
  CHECK(fp32_to_fp16(std::ldexp(2047.0f, -25)) == 0x0400);
  CHECK(fp32_to_fp16(std::ldexp(1.0f, -14)) == 0x0400);
  CHECK(fp32_to_fp16(std::numeric_limits<float>::denorm_min()) == 0x0000);
}

TEST_CASE("fp16 round trip and vectorized F16 path over all 65536 values") {
  std::vector<uint8_t> raw(2 * 65536);
  for (uint32_t h = 0; h < 65536; ++h) put_u16(&raw[2 * h], static_cast<uint16_t>(h));
  std::vector<float> row(65536);
  dequantize_row(DType::F16, raw.data(), row.data(), 65536);
  int bad_roundtrip = 0, bad_row = 0;
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = fp16_to_fp32(static_cast<uint16_t>(h));
    if (f32_bits(row[h]) != f32_bits(f)) ++bad_row;
    const bool is_nan = (h & 0x7C00) == 0x7C00 && (h & 0x03FF) != 0;
    if (is_nan) {
      if (!std::isnan(f) || !((fp32_to_fp16(f) & 0x7C00) == 0x7C00 && (fp32_to_fp16(f) & 0x03FF) != 0))
        ++bad_roundtrip;
    } else if (fp32_to_fp16(f) != h) {
      ++bad_roundtrip;
    }
  }
  CHECK(bad_roundtrip == 0);
  CHECK(bad_row == 0);
  // Quiet NaNs keep their payload both ways.
  CHECK(fp32_to_fp16(fp16_to_fp32(0x7E55)) == 0x7E55);
}

TEST_CASE("bf16 conversions") {
  CHECK(bf16_to_fp32(0x3F80) == 1.0f);
  CHECK(bf16_to_fp32(0xC020) == -2.5f);
  CHECK(bf16_to_fp32(0x7F80) == std::numeric_limits<float>::infinity());
  CHECK(bf16_to_fp32(0xFF80) == -std::numeric_limits<float>::infinity());
  CHECK(std::isnan(bf16_to_fp32(0x7FC0)));
  CHECK(bf16_to_fp32(0x0001) == bits_f32(0x00010000u));  // subnormal
  CHECK(fp32_to_bf16(1.0f) == 0x3F80);
  CHECK(fp32_to_bf16(-2.5f) == 0xC020);
  CHECK(fp32_to_bf16(-0.0f) == 0x8000);
  // Ties to even: 1 + 2^-8 is halfway between 0x3F80 and 0x3F81 -> 0x3F80;
  // 1 + 3*2^-8 is halfway between 0x3F81 and 0x3F82 -> 0x3F82.
  CHECK(fp32_to_bf16(1.0f + std::ldexp(1.0f, -8)) == 0x3F80);
  CHECK(fp32_to_bf16(1.0f + 3.0f * std::ldexp(1.0f, -8)) == 0x3F82);
  CHECK(fp32_to_bf16(bits_f32(0x3F808001u)) == 0x3F81);  // just above the tie
  CHECK(fp32_to_bf16(bits_f32(0x3F807FFFu)) == 0x3F80);  // just below
  CHECK(fp32_to_bf16(std::numeric_limits<float>::infinity()) == 0x7F80);
  CHECK(fp32_to_bf16(-std::numeric_limits<float>::infinity()) == 0xFF80);
  CHECK(fp32_to_bf16(std::numeric_limits<float>::max()) == 0x7F80);  // rounds up past the largest bf16
  CHECK(fp32_to_bf16(bits_f32(0x00010000u)) == 0x0001);              // subnormals are kept
  const uint16_t nan1 = fp32_to_bf16(std::numeric_limits<float>::quiet_NaN());
  CHECK(std::isnan(bf16_to_fp32(nan1)));
  const uint16_t nan2 = fp32_to_bf16(bits_f32(0x7F800001u));  // payload only in the low half: still NaN
  CHECK(std::isnan(bf16_to_fp32(nan2)));
  const uint16_t nan3 = fp32_to_bf16(bits_f32(0xFFFFFFFFu));  // must not carry into the sign/overflow
  CHECK(std::isnan(bf16_to_fp32(nan3)));
  // Every non-NaN bf16 value round-trips.
  int bad = 0;
  for (uint32_t h = 0; h < 65536; ++h) {
    if ((h & 0x7F80) == 0x7F80 && (h & 0x007F) != 0) continue;
    if (fp32_to_bf16(bf16_to_fp32(static_cast<uint16_t>(h))) != h) ++bad;
  }
  CHECK(bad == 0);
}

}  // TEST_SUITE("quant")
