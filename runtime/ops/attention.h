// attention: (q[n, nh*hd], k_cache[C * S, nkv*hd], v_cache[C * S, nkv*hd], positions[n], key_end[n],
// sequence[n]) -> [n, nh*hd]. Query t sees keys j in [lo, key_end[t]] of its sequence s = sequence[t], key j in
// cache row (j % C) * S + s (kv_store's layout); lo = positions[t] - window + 1 (sliding) or 0: key_end =
// positions is causal; a larger key_end lets an image token see the rest of its image.
#pragma once
#include "runtime/op_def.h"

namespace vkg {

struct AttentionParams {
  int n_head = 0;
  int n_kv_head = 0;
  int head_dim = 0;
  float scale = 1.0f;    // multiplies q.k
  float softcap = 0.0f;  // 0: none; else scores = softcap * tanh(scores / softcap) before the mask
  int window = 0;        // 0: causal over all positions; else keys with pos_q - pos_k < window
  int sequences = 1;     // S: sequences sharing the caches (kv_store.h)

  static constexpr const char* kName = "attention";
  static constexpr const char* kInputs[] = {"q", "k_cache", "v_cache", "positions", "key_end", "sequence"};
  Shape output_shape(const OpShapeCheck& c) const {
    if (n_kv_head <= 0 || n_head % n_kv_head)
      c.fail("n_head " + std::to_string(n_head) + " is not a multiple of n_kv_head " + std::to_string(n_kv_head));
    c.expect_cols(0, int64_t(n_head) * head_dim);
    c.expect_cols(1, int64_t(n_kv_head) * head_dim);
    c.expect_cols(2, int64_t(n_kv_head) * head_dim);
    c.expect_positions(3, c.in(0).rows());
    c.expect_positions(4, c.in(0).rows());
    c.expect_sequences(1, sequences);
    c.expect_same_shape(1, 2);
    c.expect_positions(5, c.in(0).rows());
    return c.in(0).shape;
  }
  std::string describe() const {
    std::string s = "heads=" + std::to_string(n_head) + "/" + std::to_string(n_kv_head) +
                    " head_dim=" + std::to_string(head_dim) + " scale=" + format_param(scale);
    if (softcap > 0) s += " softcap=" + format_param(softcap);
    s += window > 0 ? " window=" + std::to_string(window) : std::string(" causal");
    return s + (sequences > 1 ? " sequences=" + std::to_string(sequences) : "");
  }
};

}  // namespace vkg
