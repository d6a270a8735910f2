// Quantization on load: our Q8_0 / Q4_0 quantizers against gguf-py's (bit-exact with ggml's reference).
#include <doctest/doctest.h>

#include <cstring>
#include <fstream>
#include <vector>

#include "../test_paths.h"
#include "runtime/quant/quant.h"
#include "runtime/quant/quantize.h"

using namespace vkg;

TEST_SUITE("quant") {
  TEST_CASE("quantize_row equals gguf-py's quantize byte for byte (Q8_0, Q4_0)") {
    const std::string path = test::source_path("assets/quant_reference/quantize_reference.bin");
    std::ifstream f(path, std::ios::binary);
    REQUIRE(f);
    char magic[8];
    f.read(magic, 8);
    REQUIRE(std::string(magic, 8) == "VKGQZ001");
    uint32_t entries = 0;
    f.read(reinterpret_cast<char*>(&entries), 4);
    REQUIRE(entries == 8);
    for (uint32_t e = 0; e < entries; ++e) {
      uint32_t type = 0, n = 0, bytes = 0;
      f.read(reinterpret_cast<char*>(&type), 4);
      f.read(reinterpret_cast<char*>(&n), 4);
      std::vector<float> x(n);
      f.read(reinterpret_cast<char*>(x.data()), n * 4);
      f.read(reinterpret_cast<char*>(&bytes), 4);
      std::vector<uint8_t> want(bytes);
      f.read(reinterpret_cast<char*>(want.data()), bytes);
      REQUIRE(f);
      CAPTURE(e);
      std::vector<uint8_t> got(bytes);
      quantize_row(static_cast<DType>(type), x.data(), got.data(), n);
      CHECK(got == want);
      // And the round trip stays within half a step (Q8_0) or one step (Q4_0) of each value, plus the fp16
      // rounding of the step itself times the largest quant (127 * 2^-11 ~ 0.062 steps for Q8_0).
      std::vector<float> back(n);
      dequantize_row(static_cast<DType>(type), got.data(), back.data(), n);
      for (uint32_t i = 0; i < n; ++i) {
        uint16_t dh;
        std::memcpy(&dh, &got[(i / 32) * (bytes / (n / 32))], 2);
        const float step = std::abs(fp16_to_fp32(dh));
        CHECK(std::abs(back[i] - x[i]) <= (type == 8 ? 0.57f : 1.01f) * step + 1e-6f);
      }
    }
  }

  TEST_CASE("quantize_row rejects other types and bad lengths") {
    std::vector<float> x(32, 1.0f);
    std::vector<uint8_t> out(64);
    CHECK_THROWS_WITH_AS(quantize_row(DType::Q4_K, x.data(), out.data(), 32), doctest::Contains("Q4_K"),
                         std::runtime_error);
    CHECK_THROWS_WITH_AS(quantize_row(DType::Q8_0, x.data(), out.data(), 31), doctest::Contains("multiple of 32"),
                         std::runtime_error);
  }
}
