// qkv_norm_rope_store: (q[n, Hq*hd], q_norm[hd], k[n, Hk*hd], k_norm[hd], v[n, Hk*hd], positions[n] i32,
// k_cache[C * S, Hk*hd], v_cache[C * S, Hk*hd], sequence[n] i32) -> rms_norm_rope(q, q_norm), and, as they
// would, rms_norm_rope_store(k, k_norm) into k_cache and kv_store(v) into v_cache (v first rms-normed per head
// without a weight where v_norm: Gemma 4). The attention block's three inputs in one op, so that a decode step
// runs them as one dispatch where it ran three (Gemma 3: q norm-rope, k norm-rope-store, v store). The caches
// are inputs this op writes: the node's output is the rotated q.
#pragma once
#include "runtime/ops/rms_norm_rope.h"

namespace vkg {

struct QkvNormRopeStoreParams {
  RmsNormRopeParams norm_rope;  // q's and k's heads (hd = norm_rope.rope.head_dim)
  int sequences = 1;            // as kv_store's
  bool v_norm = false;

  static constexpr const char* kName = "qkv_norm_rope_store";
  static constexpr const char* kInputs[] = {"q", "q_norm", "k", "k_norm", "v", "positions", "k_cache", "v_cache",
                                            "sequence"};
  Shape output_shape(const OpShapeCheck& c) const {
    const int hd = norm_rope.rope.head_dim;
    c.expect_heads(0, hd);
    c.expect_heads(2, hd);
    for (size_t w : {size_t(1), size_t(3)})
      if (c.in(w).elements() != hd)
        c.fail("weight '" + c.in(w).name + "' has " + std::to_string(c.in(w).elements()) +
               " values, expected head_dim " + std::to_string(hd));
    c.expect_same_shape(2, 4);
    c.expect_positions(5, c.in(0).rows());
    c.expect_positions(8, c.in(0).rows());
    if (c.in(2).rows() != c.in(0).rows())
      c.fail("k '" + c.in(2).name + "' has " + std::to_string(c.in(2).rows()) + " rows, q " +
             std::to_string(c.in(0).rows()));
    c.expect_cols(2, c.in(6).cols());
    c.expect_same_shape(6, 7);
    c.expect_sequences(6, sequences);
    return c.in(0).shape;
  }
  std::string describe() const {
    return norm_rope.describe() + (v_norm ? " v_norm" : "") +
           (sequences > 1 ? " sequences=" + std::to_string(sequences) : "");
  }
};

}  // namespace vkg
