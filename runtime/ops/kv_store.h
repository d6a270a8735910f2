// kv_store: (x[n, kv], positions[n] i32, cache[C, kv]) -> cache: row p goes to slot p % C (a ring).
#pragma once
#include "runtime/op_def.h"

namespace vkg {

struct KvStoreParams {
  static constexpr const char* kName = "kv_store";
  static constexpr const char* kInputs[] = {"x", "positions", "cache"};
  Shape output_shape(const OpShapeCheck& c) const {
    c.expect_cols(0, c.in(2).cols());
    c.expect_positions(1, c.in(0).rows());
    return c.in(2).shape;
  }
};

}  // namespace vkg
