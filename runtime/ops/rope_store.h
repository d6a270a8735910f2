// rope_store: (x[n, kv], positions[n] i32, cache[C * S, kv], sequence[n] i32) -> cache: kv_store(rope(x)): the
// key's rotation as it is written into its cache (one dispatch and one activation round trip fewer).
#pragma once
#include "runtime/ops/rope.h"

namespace vkg {

struct RopeStoreParams {
  RopeParams rope;
  int sequences = 1;  // as kv_store's

  static constexpr const char* kName = "rope_store";
  static constexpr const char* kInputs[] = {"x", "positions", "cache", "sequence"};
  Shape output_shape(const OpShapeCheck& c) const {
    c.expect_heads(0, rope.head_dim);
    c.expect_positions(1, c.in(0).rows());
    c.expect_cols(0, c.in(2).cols());
    c.expect_sequences(2, sequences);
    c.expect_positions(3, c.in(0).rows());
    return c.in(2).shape;
  }
  std::string describe() const {
    return rope.describe() + (sequences > 1 ? " sequences=" + std::to_string(sequences) : "");
  }
};

}  // namespace vkg
