#include "runtime/dtype.h"

#include <stdexcept>

#include "runtime/quant/block_layouts.h"

namespace vkg {
namespace {
struct Row {
  uint32_t id;
  DTypeInfo info;
};
// Block sizes as GGUF defines them (ggml-common.h): QK4_0 = QK5_0 = QK8_0 = 32, QK_K = 256.
constexpr Row kTypes[] = {
    {0, {"F32", 1, 4, true}},          {1, {"F16", 1, 2, true}},
    {2, {"Q4_0", Q4_0_VALUES, Q4_0_BYTES, true}},       {3, {"Q4_1", 32, 20, false}},
    {6, {"Q5_0", Q5_0_VALUES, Q5_0_BYTES, true}},       {7, {"Q5_1", 32, 24, false}},
    {8, {"Q8_0", Q8_0_VALUES, Q8_0_BYTES, true}},       {9, {"Q8_1", 32, 36, false}},
    {10, {"Q2_K", 256, 84, false}},    {11, {"Q3_K", 256, 110, false}},
    {12, {"Q4_K", QK_K_VALUES, Q4_K_BYTES, true}},    {13, {"Q5_K", QK_K_VALUES, Q5_K_BYTES, true}},
    {14, {"Q6_K", QK_K_VALUES, Q6_K_BYTES, true}},    {15, {"Q8_K", 256, 292, false}},
    {24, {"I8", 1, 1, false}},         {25, {"I16", 1, 2, false}},
    {26, {"I32", 1, 4, false}},        {27, {"I64", 1, 8, false}},
    {28, {"F64", 1, 8, false}},        {30, {"BF16", 1, 2, true}},
};
}  // namespace

const DTypeInfo* dtype_info(uint32_t id) {
  for (const Row& r : kTypes)
    if (r.id == id) return &r.info;
  return nullptr;
}

const DTypeInfo& dtype_info(DType t) {
  const DTypeInfo* i = dtype_info(static_cast<uint32_t>(t));
  if (!i) throw std::logic_error("dtype_info: unknown DType " + std::to_string(static_cast<uint32_t>(t)));
  return *i;
}

}  // namespace vkg
