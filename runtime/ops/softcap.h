// softcap: (x) -> cap * tanh(x / cap).
#pragma once
#include "runtime/op_def.h"

namespace vkg {

struct SoftcapParams {
  float cap = 0.0f;

  static constexpr const char* kName = "softcap";
  static constexpr const char* kInputs[] = {"x"};
  Shape output_shape(const OpShapeCheck& c) const { return c.in(0).shape; }
  std::string describe() const { return "cap=" + format_param(cap); }
};

}  // namespace vkg
