// Random quantized blocks for kernel tests: random bytes with every fp16/bf16 scale field set to a valid,
// moderate value (random bytes there would be infs and NaNs).
#pragma once
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "runtime/quant/quant.h"
#include "runtime/dtype.h"

namespace vkg::test {

inline void put_le16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v & 0xFF);
  p[1] = static_cast<uint8_t>(v >> 8);
}

// `nblocks` blocks of type t (one row, or rows * K / block_elems for a matrix).
inline std::vector<uint8_t> random_blocks(DType t, int64_t nblocks, std::mt19937& rng) {
  const DTypeInfo& info = dtype_info(t);
  std::vector<uint8_t> raw(static_cast<size_t>(nblocks * info.block_bytes));
  for (uint8_t& v : raw) v = static_cast<uint8_t>(rng() & 0xFF);
  std::uniform_real_distribution<float> scale(-0.05f, 0.05f);
  for (int64_t i = 0; i < nblocks; ++i) {
    uint8_t* b = raw.data() + i * info.block_bytes;
    switch (t) {
      case DType::Q4_0:
      case DType::Q5_0:
      case DType::Q8_0:
        put_le16(b, fp32_to_fp16(scale(rng)));
        break;
      case DType::Q4_K:
      case DType::Q5_K:
        put_le16(b, fp32_to_fp16(scale(rng)));
        put_le16(b + 2, fp32_to_fp16(scale(rng)));
        break;
      case DType::Q6_K:
        put_le16(b + 208, fp32_to_fp16(scale(rng)));
        break;
      case DType::F16:
        put_le16(b, fp32_to_fp16(scale(rng) * 100.0f));
        break;
      case DType::BF16:
        put_le16(b, fp32_to_bf16(scale(rng) * 100.0f));
        break;
      case DType::F32: {
        const float v = scale(rng) * 100.0f;
        std::memcpy(b, &v, 4);
        break;
      }
      default:
        break;
    }
  }
  return raw;
}

}  // namespace vkg::test
