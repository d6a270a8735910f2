// Quantizing fp32 rows into GGUF block formats, exactly as ggml's reference quantizers (and gguf-py) do,
// for quantization on load (`--quant`): weights stored as F32/F16/BF16 become Q8_0 (int8) or Q4_0 (4-bit).
#pragma once
#include <cstdint>

#include "runtime/dtype.h"

namespace vkg {

// n must be a multiple of 32. Q8_0: d = max|x| / 127, q = round(x / d) (half away from zero).
// Q4_0: m = the value of largest magnitude, d = m / -8, q = min(15, trunc(x / d + 8.5)).
void quantize_row(DType type, const float* x, void* dst, int64_t n);

}  // namespace vkg
