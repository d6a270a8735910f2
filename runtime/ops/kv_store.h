// kv_store: (x[n, kv], positions[n] i32, cache[C * S, kv], sequence[n] i32) -> cache: row r goes to ring slot
// positions[r] % C of sequence sequence[r], cache row (slot * S + sequence): S sequences' rings interleaved, so
// that a cache growing in C keeps every row in place.
#pragma once
#include "runtime/op_def.h"

namespace vkg {

struct KvStoreParams {
  int sequences = 1;  // S: sequences sharing the cache

  static constexpr const char* kName = "kv_store";
  static constexpr const char* kInputs[] = {"x", "positions", "cache", "sequence"};
  Shape output_shape(const OpShapeCheck& c) const {
    c.expect_cols(0, c.in(2).cols());
    c.expect_positions(1, c.in(0).rows());
    c.expect_sequences(2, sequences);
    c.expect_positions(3, c.in(0).rows());
    return c.in(2).shape;
  }
  std::string describe() const { return sequences > 1 ? "sequences=" + std::to_string(sequences) : ""; }
};

}  // namespace vkg
