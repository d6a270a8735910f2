// embed: (token_ids[n] i32, table[V, H] any dtype) -> [n, H]: row lookup times scale.
#pragma once
#include "runtime/op_def.h"

namespace vkg {

struct EmbedParams {
  float scale = 1.0f;

  static constexpr const char* kName = "embed";
  static constexpr const char* kInputs[] = {"token_ids", "table"};
  static constexpr int kTypedBy = 1;
  Shape output_shape(const OpShapeCheck& c) const {
    if (c.in(0).dtype != DType::I32) c.fail("token ids must be i32");
    return {c.in(0).elements(), c.in(1).cols()};
  }
  std::string describe() const { return "scale=" + format_param(scale); }
};

}  // namespace vkg
