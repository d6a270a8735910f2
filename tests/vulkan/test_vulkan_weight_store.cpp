// The Vulkan weight store's row layouts (runtime/vulkan/weight_store.h), read back byte by byte: on devices
// that run the rows-per-lane kernels, block-type rows padded to whole texels and interleaved texel by texel in
// groups of 8 (the layout shaders/include/wt_rows.glsl maps; the matmul, embed and expert tests check the
// shaders against the CPU on it); element types, and other devices, rows one after another.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "runtime/quant/quant.h"
#include "runtime/vulkan/context.h"
#include "runtime/vulkan/transfer.h"
#include "runtime/vulkan/weight_store.h"

using namespace vkg;

namespace {

struct Uploaded {
  std::vector<uint8_t> bytes;  // the chunk's buffer
  uint32_t row_stride = 0, interleave_shift = 0;
};

Uploaded upload(DType dtype, int64_t rows, int64_t cols, const std::vector<uint8_t>& data, bool lane_rows) {
  vk::ContextOptions co;
  co.validation = true;
  vk::Context ctx(co);
  vk::Transfer transfer(ctx);
  vk::WeightStore store(ctx, transfer, nullptr, lane_rows);
  TensorDesc t{.name = "w", .shape = {rows, cols}, .dtype = dtype, .role = TensorRole::weight, .data = data.data()};
  const std::vector<vk::WeightChunk>& chunks = store.chunks(t);
  REQUIRE(chunks.size() == 1);
  Uploaded u{std::vector<uint8_t>(chunks[0].buffer->size()), chunks[0].row_stride, chunks[0].interleave_shift};
  transfer.download(*chunks[0].buffer, u.bytes.data(), u.bytes.size());
  CHECK(ctx.take_validation_errors().empty());
  return u;
}

std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 7 + 1 + i / 251);  // no zero bytes
  return v;
}

}  // namespace

TEST_SUITE("vulkan_ops") {
  TEST_CASE("weight store: block-type rows interleaved texel by texel in groups of 8 where rows per lane run") {
    // 13 rows of Q8_0 with K = 64: 68 bytes a row, padded to 80 (5 texels); two groups, the second with 5 rows.
    const int64_t rows = 13, K = 64, rb = row_bytes(DType::Q8_0, K);
    const std::vector<uint8_t> data = pattern(static_cast<size_t>(rows * rb));
    const Uploaded u = upload(DType::Q8_0, rows, K, data, true);
    REQUIRE(u.interleave_shift == 3);
    REQUIRE(u.row_stride == 80);
    const int64_t row_texels = 5;
    REQUIRE(u.bytes.size() >= static_cast<size_t>(2 * 8 * 80));
    std::vector<bool> seen(u.bytes.size());
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < rb; ++j) {
        // Texel k = j / 16 of row r at texel ((r / 8) * row_texels + k) * 8 + r % 8.
        const size_t at = static_cast<size_t>((((r / 8) * row_texels + j / 16) * 8 + r % 8) * 16 + j % 16);
        CAPTURE(r);
        CAPTURE(j);
        REQUIRE(u.bytes[at] == data[static_cast<size_t>(r * rb + j)]);
        seen[at] = true;
      }
    // Everything else in the two groups (each row's padding, the second group's three missing rows) is zero.
    for (size_t i = 0; i < static_cast<size_t>(2 * 8 * 80); ++i)
      if (!seen[i]) REQUIRE(u.bytes[i] == 0);
  }

  TEST_CASE("weight store: rows one after another for element types, and where rows per lane do not run") {
    const int64_t rows = 13, K = 64;
    const std::vector<uint8_t> q8 = pattern(static_cast<size_t>(rows * row_bytes(DType::Q8_0, K)));
    const Uploaded plain = upload(DType::Q8_0, rows, K, q8, false);
    CHECK(plain.interleave_shift == 0);
    CHECK(plain.row_stride == 68);
    CHECK(std::vector<uint8_t>(plain.bytes.begin(), plain.bytes.begin() + static_cast<long>(q8.size())) == q8);
    const std::vector<uint8_t> f16 = pattern(static_cast<size_t>(rows * K * 2));
    const Uploaded element = upload(DType::F16, rows, K, f16, true);
    CHECK(element.interleave_shift == 0);
    CHECK(element.row_stride == 128);
    CHECK(std::vector<uint8_t>(element.bytes.begin(), element.bytes.begin() + static_cast<long>(f16.size())) == f16);
  }
}
