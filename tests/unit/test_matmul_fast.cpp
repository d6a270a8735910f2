// The fast CPU matmul path (runtime/cpu/matmul_fast.h) against the exact one (dequantize + fp32 dot).
//
// What is checked, and why these tolerances:
// - Quantized weights: the fast path computes sum_i w_i * d_b * q_i with the activations quantized to
//   q_i = round(x_i / d_b), d_b = max|x| / 127 per block of 32 (the row kernels for Q4_K/Q6_K: per 256,
//   fast_matmul_activation_group; the packed kernels per 32 for every type). Against that same quantized input
//   it must be exact up to fp32 summation (relative 1e-5 of sum |w_i * d_b q_i|): this catches any unpacking,
//   scale, offset or tiling error. Against the unquantized x the difference is the activation rounding, bounded
//   by sum_b (d_b / 2) * sum_{i in b} |w_i| (each |x_i - d_b q_i| <= d_b / 2), plus the same fp32 slack.
// - F32/F16/BF16 weights: no quantization, only the fp32 summation order differs (relative 1e-5). Except
//   BF16 prompts (2+ tokens) on CPUs with AVX512_BF16 (matmul_bf16.h): the activations are rounded to bf16
//   (to nearest even) first. Against that rounded input: relative 1e-5 as above; against x: the rounding,
//   |x_i - bf16(x_i)| <= 2^-9 |x_i|, so a bound of 2^-9 sum |w_i x_i| plus the same fp32 slack.
#include <doctest/doctest.h>
#include <hwy/targets.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "runtime/cpu/kernels.h"
#include "runtime/cpu/matmul_bf16.h"
#include "runtime/cpu/matmul_fast.h"
#include "runtime/cpu/packed_weights.h"
#include "runtime/quant/quant.h"
#include "runtime/dtype.h"
#include "tests/unit/random_blocks.h"

using namespace vkg;
using namespace vkg::cpu;

TEST_SUITE("quant") {

TEST_CASE("quantize_activations: per-32 scale, rounding, block sums") {
  std::vector<float> x(64);
  for (int i = 0; i < 64; ++i) x[i] = (i % 2 ? -1.0f : 1.0f) * static_cast<float>(i) * 0.25f;  // max |x| 15.75
  x[5] = 0.0f;
  std::vector<ActBlock> q(2);
  std::vector<float> dsum(2);
  quantize_activations(x.data(), 64, q.data(), dsum.data());
  CHECK(q[0].d == doctest::Approx(7.75f / 127.0f));   // block 0: max |x| = 31 * 0.25
  CHECK(q[1].d == doctest::Approx(15.75f / 127.0f));  // block 1: max |x| = 63 * 0.25
  CHECK(q[0].q[31] == -127);                          // x[31] = -7.75
  CHECK(q[1].q[30] == 125);                           // 62 * 0.25 / (15.75 / 127) = 124.98
  CHECK(q[0].q[5] == 0);
  for (int b = 0; b < 2; ++b) {
    int sum = 0;
    for (int i = 0; i < 32; ++i) {
      CHECK(std::fabs(x[32 * b + i] - q[b].d * q[b].q[i]) <= q[b].d * 0.5f * 1.0001f);
      CHECK(q[b].q[i] == static_cast<int>(std::nearbyint(x[32 * b + i] * (1.0f / q[b].d))));  // to nearest even
      sum += q[b].q[i];
    }
    CHECK(dsum[b] == q[b].d * static_cast<float>(sum));
  }
  // All zeros: scale 0, quants 0 (no division by zero).
  std::vector<float> z(32, 0.0f);
  quantize_activations(z.data(), 32, q.data(), dsum.data());
  CHECK(q[0].d == 0.0f);
  CHECK(q[0].q[17] == 0);
}

// quantize_activations against its definition, on random values with outliers (groups of 32 and 256).
void check_quantize_definition() {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(512);
  for (float& v : x) v = normal(rng) * (rng() % 16 == 0 ? 30.0f : 1.0f);
  for (int64_t group : {32, 256}) {
    std::vector<ActBlock> q(16);
    std::vector<float> dsum(16);
    std::vector<int32_t> qsum(16);
    quantize_activations(x.data(), 512, q.data(), dsum.data(), group, qsum.data());
    int bad = 0;
    for (int64_t b = 0; b < 16; ++b) {
      const int64_t g0 = b * 32 / group * group;  // the block's group
      float amax = 0;
      for (int64_t i = g0; i < g0 + group; ++i) amax = std::max(amax, std::fabs(x[i]));
      const float d = amax / 127.0f, inv = 1.0f / d;
      int sum = 0;
      for (int i = 0; i < 32; ++i) {
        const int want = static_cast<int>(std::nearbyint(x[32 * b + i] * inv));
        bad += q[b].q[i] != want;
        sum += want;
      }
      bad += q[b].d != d || qsum[b] != sum || dsum[b] != d * static_cast<float>(sum);
    }
    CHECK_MESSAGE(bad == 0, "group " << group);
  }
}

TEST_CASE("quantize_activations equals its definition (groups of 32 and 256)") { check_quantize_definition(); }

// The checks below, on the SIMD target the dispatcher picks.
void check_fast_against_exact() {
  std::mt19937 rng(99);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  ThreadPool pool(2);
  const int64_t N = 21;  // more than one 16-row group, and not a multiple of it
  // K = 36: the float kernels' scalar tails after whole vectors (quantized types need whole blocks).
  for (const int64_t K : {int64_t{512}, int64_t{36}})
  for (DType t : {DType::Q8_0, DType::Q4_0, DType::Q5_0, DType::Q4_K, DType::Q6_K, DType::F32, DType::F16,
                  DType::BF16}) {
    if (K % dtype_info(t).block_elems != 0) continue;
    REQUIRE(fast_matmul_supported(t));
    const auto raw = test::random_blocks(t, N * K / dtype_info(t).block_elems, rng);
    std::vector<float> w(static_cast<size_t>(N * K));
    dequantize_row(t, raw.data(), w.data(), N * K);
    TensorDesc desc;
    desc.name = "w";
    desc.shape = {N, K};
    desc.dtype = t;
    desc.role = TensorRole::weight;
    desc.data = raw.data();
    // Tiles of 8 tokens (Q4_0/Q5_0/Q8_0), 6 (float weights with AVX-512) or 4, then what is left: 8 and 64
    // exactly whole tiles, 9 and 13 a rest of 1 and of 4 + 1, 7 and 13 float tiles' rest of 1; 64 a perplexity
    // chunk's prefill. N = 21 rows on 2 threads: ranges of 16 and 5 rows, so float tiles' last row alone.
    // Packed F16 / BF16: tiles of up to 12 tokens, as even as they go (13: 7 + 6; 25: 9 + 8 + 8).
    for (int64_t n : {1, 2, 3, 4, 7, 8, 9, 12, 13, 25, 64}) {
      INFO("type " << std::string(dtype_name(t)) << ", K " << K << ", " << n << " tokens");
      std::vector<float> x(static_cast<size_t>(n * K));
      for (float& v : x) v = normal(rng) * (rng() % 8 == 0 ? 20.0f : 1.0f);  // some outliers, as in real activations
      std::vector<float> fast(static_cast<size_t>(n * N)), exact(fast.size());
      matmul(x.data(), n, K, desc, fast.data(), pool, MatmulMode::fast);
      matmul(x.data(), n, K, desc, exact.data(), pool, MatmulMode::exact);
      std::vector<float> packed_out;  // the packed kernels (2 groups of 8 rows, then 5 rows unpacked)
      if (fast_matmul_packs(t) && K % 32 == 0) {  // as the backend packs
        const PackedWeights packed = pack_weights(desc);
        REQUIRE(packed.groups == 2);
        packed_out.resize(fast.size());
        matmul(x.data(), n, K, desc, packed_out.data(), pool, MatmulMode::fast, &packed);
      }
      const bool quantized = fast_matmul_quantizes(t);
      // BF16 prompts where the CPU has a bf16 dot product: the activations rounded to bf16 (the definition:
      // round to nearest even on the top 16 bits), written here from the bits, not with round_to_bf16.
      const bool bf16_acts = t == DType::BF16 && n > 1 && K % 32 == 0 && bf16_dot_supported();
      auto bf16_round = [](float v) {
        uint32_t u;
        std::memcpy(&u, &v, 4);
        u = (u + 0x7FFFu + ((u >> 16) & 1u)) & 0xFFFF0000u;
        std::memcpy(&v, &u, 4);
        return v;
      };
      // The quantized input, for the quantized types' reference (their K is whole blocks of 32): with the
      // unpacked kernels' activation group, and with the packed ones' (32 for every type).
      struct Quantized {
        std::vector<ActBlock> q;
        std::vector<float> dsum;
      } xq_rows, xq_packed;
      for (auto [qa, group] : {std::pair{&xq_rows, fast_matmul_activation_group(t)},
                               std::pair{&xq_packed, fast_matmul_activation_group(t, true)}}) {
        qa->q.resize(quantized ? static_cast<size_t>(n * K / 32) : 0);
        qa->dsum.resize(qa->q.size());
        if (quantized) quantize_activations(x.data(), n * K, qa->q.data(), qa->dsum.data(), group);
      }
      int bad = 0;
      for (int64_t tok = 0; tok < n; ++tok) {
        for (int64_t r = 0; r < N; ++r) {
          const double want = exact[tok * N + r];
          // The fast result, its activations as quantized.
          auto check = [&](double got, const std::vector<ActBlock>& xq, bool rounded) {
            double ref_q = 0, mag_q = 0, mag = 0, bound = 0;
            for (int64_t i = 0; i < K; ++i) {
              const double wi = w[r * K + i], xi = x[tok * K + i];
              mag += std::fabs(wi * xi);
              if (rounded) {
                const double xbi = bf16_round(x[tok * K + i]);
                ref_q += wi * xbi;
                mag_q += std::fabs(wi * xbi);
              }
              if (!quantized) continue;
              const ActBlock& a = xq[(tok * K + i) / 32];
              const double xqi = static_cast<double>(a.d) * a.q[i % 32];
              ref_q += wi * xqi;
              mag_q += std::fabs(wi * xqi);
              bound += std::fabs(wi) * a.d * 0.5;
            }
            if (quantized) {
              if (std::fabs(got - ref_q) > 1e-5 * mag_q + 1e-30) ++bad;
              if (std::fabs(got - want) > bound * 1.001 + 1e-5 * mag) ++bad;
            } else if (rounded) {
              if (std::fabs(got - ref_q) > 1e-5 * mag_q + 1e-30) ++bad;
              if (std::fabs(got - want) > std::ldexp(mag, -9) + 1e-5 * mag) ++bad;
            } else if (std::fabs(got - want) > 1e-5 * mag + 1e-30) {
              ++bad;
            }
          };
          check(fast[tok * N + r], xq_rows.q, bf16_acts);
          // Rows 16..20 are after the packed groups: the unpacked kernels. Packed F16 / BF16 (AVX-512) multiply
          // fp32 activations, their rest rows too: never rounded to bf16.
          if (!packed_out.empty())
            check(packed_out[tok * N + r], r < 2 * kPackedRows ? xq_packed.q : xq_rows.q, false);
        }
      }
      CHECK(bad == 0);
    }
  }
}

TEST_CASE("round_to_bf16: to nearest even on the top 16 bits, NaN stays NaN (SIMD lanes and the tail)") {
  const float nan = std::nanf(""), inf = INFINITY;
  std::vector<float> x = {1.0f, -1.0f, 0.0f, -0.0f, inf, -inf, nan, -nan, 3.0e38f, -3.0e38f, 1e-40f};
  const uint32_t ties[] = {0x3F808000u, 0x3F818000u, 0x3F80FFFFu, 0x3F807FFFu, 0x7F7FFFFFu, 0x7F800001u};
  for (uint32_t u : ties) {  // exact halves (even and odd), just above and below, the largest finite, an sNaN
    float v;
    std::memcpy(&v, &u, 4);
    x.push_back(v);
  }
  std::mt19937 rng(5);
  while (x.size() < 37) x.push_back(std::normal_distribution<float>(0.0f, 100.0f)(rng));
  std::vector<uint16_t> got(x.size());
  round_to_bf16(x.data(), static_cast<int64_t>(x.size()), got.data());
  for (size_t i = 0; i < x.size(); ++i) {
    uint32_t u;
    std::memcpy(&u, &x[i], 4);
    INFO("value bits 0x" << std::hex << u);
    if (std::isnan(x[i])) {
      CHECK((got[i] & 0x7F80u) == 0x7F80u);  // exponent all ones
      CHECK((got[i] & 0x7Fu) != 0u);         // a mantissa bit set: still NaN
      CHECK((got[i] & 0x8000u) == ((u >> 16) & 0x8000u));
    } else {
      CHECK(got[i] == static_cast<uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16));
    }
  }
}

TEST_CASE("fast matmul equals the exact one up to activation quantization (all fast types, 1-64 tokens)") {
  check_fast_against_exact();
}

// Each SIMD target compiled into the kernels that this CPU runs (AVX3_DL's VNNI, AVX3, AVX2, SSE4, ...), not only
// the best one: the CI machine's CPU decides which one the test above sees.
TEST_CASE("fast matmul on every SIMD target this CPU supports") {
  struct RestoreTargets {  // the other tests see the dispatcher's own choice again, even after a failure here
    ~RestoreTargets() { hwy::SetSupportedTargetsForTest(0); }
  } restore;
  hwy::SetSupportedTargetsForTest(0);
  const int64_t supported = hwy::SupportedTargets();
  int ran = 0;
  for (int64_t bits = supported; bits != 0; bits &= bits - 1) {
    const int64_t target = bits & ~(bits - 1);
    hwy::SetSupportedTargetsForTest(target);
    if (std::string(fast_matmul_target()) != hwy::TargetName(target)) continue;  // not compiled into the kernels
    if (!fast_matmul_supported(DType::Q8_0)) continue;  // a target without kernels (SCALAR): the exact path runs
    const std::string name = hwy::TargetName(target);
    INFO("SIMD target " << name);
    MESSAGE("fast matmul on " << name);
    check_quantize_definition();
    check_fast_against_exact();
    ++ran;
  }
  CHECK(ran >= 1);
}

}  // TEST_SUITE("quant")
