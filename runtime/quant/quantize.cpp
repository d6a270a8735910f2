#include "runtime/quant/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "runtime/quant/quant.h"
#include "runtime/quant/blocks.h"

namespace vkg {

namespace {

void put_d(uint8_t* block, float d) {
  const uint16_t h = fp32_to_fp16(d);
  std::memcpy(block, &h, 2);
}

void quantize_q8_0(const float* x, uint8_t* b) {
  float amax = 0.0f;
  for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  put_d(b, d);
  for (int j = 0; j < 32; ++j) b[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(std::roundf(x[j] * id)));
}

void quantize_q4_0(const float* x, uint8_t* b) {
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < 32; ++j)
    if (std::fabs(x[j]) > amax) {  // the first value of largest magnitude, with its sign
      amax = std::fabs(x[j]);
      max = x[j];
    }
  const float d = max / -8.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  put_d(b, d);
  for (int j = 0; j < 16; ++j) {
    const int lo = std::min(15, static_cast<int>(x[j] * id + 8.5f));
    const int hi = std::min(15, static_cast<int>(x[j + 16] * id + 8.5f));
    b[2 + j] = static_cast<uint8_t>(lo | (hi << 4));
  }
}

}  // namespace

void quantize_row(DType type, const float* x, void* dst, int64_t n) {
  if (n % 32 != 0)
    throw std::runtime_error("quantize: row length " + std::to_string(n) + " is not a multiple of 32");
  uint8_t* out = static_cast<uint8_t*>(dst);
  switch (type) {
    case DType::Q8_0:
      for (int64_t i = 0; i < n / 32; ++i) quantize_q8_0(x + 32 * i, out + sizeof(block_q8_0) * i);
      return;
    case DType::Q4_0:
      for (int64_t i = 0; i < n / 32; ++i) quantize_q4_0(x + 32 * i, out + sizeof(block_q4_0) * i);
      return;
    default:
      throw std::runtime_error(std::string("quantize: no quantizer for ") + dtype_name(type) + " (use q8_0 or q4_0)");
  }
}

}  // namespace vkg
