// Element and block types of tensors, numbered as GGUF/ggml numbers them so a GGUF type id maps directly.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace vkg {

enum class DType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  BF16 = 30,
};

// Layout of one type: `block_elems` values are stored in `block_bytes` bytes.
struct DTypeInfo {
  const char* name;
  int64_t block_elems;
  int64_t block_bytes;
  bool supported;  // readable by our kernels (dequantize + dot)
};

// Returns nullptr for an id that is not a known type.
const DTypeInfo* dtype_info(uint32_t id);
const DTypeInfo& dtype_info(DType t);
inline const char* dtype_name(DType t) { return dtype_info(t).name; }

// Bytes of a row of `n` elements; n must be a multiple of the block size (checked by callers).
inline int64_t row_bytes(DType t, int64_t n) {
  const DTypeInfo& i = dtype_info(t);
  return n / i.block_elems * i.block_bytes;
}

}  // namespace vkg
