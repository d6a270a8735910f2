// rms_norm_rope_store: (x[n, kv], w[hd], positions[n] i32, cache[C * S, kv], sequence[n] i32) -> cache:
// kv_store(rms_norm_rope(x, w)): Gemma 3's key norm and RoPE as the key is written into its cache.
#pragma once
#include "runtime/ops/rms_norm_rope.h"

namespace vkg {

struct RmsNormRopeStoreParams {
  RmsNormRopeParams norm_rope;
  int sequences = 1;  // as kv_store's

  static constexpr const char* kName = "rms_norm_rope_store";
  static constexpr const char* kInputs[] = {"x", "weight", "positions", "cache", "sequence"};
  Shape output_shape(const OpShapeCheck& c) const {
    norm_rope.check(c);
    c.expect_cols(0, c.in(3).cols());
    c.expect_sequences(3, sequences);
    c.expect_positions(4, c.in(0).rows());
    return c.in(3).shape;
  }
  std::string describe() const {
    return norm_rope.describe() + (sequences > 1 ? " sequences=" + std::to_string(sequences) : "");
  }
};

}  // namespace vkg
