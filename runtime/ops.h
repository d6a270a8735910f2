// The op set: one enum value per op, its parameters, and one table row (name, input names). A backend
// implements every op; the graph checks shapes when a node is added (ops.cpp).
#pragma once
#include <variant>
#include <vector>

#include "runtime/tensor.h"

namespace vkg {

enum class Op {
  embed,      // (token_ids[n] i32, table[V, H]) -> [n, H]: row lookup times scale
  rms_norm,   // (x[r, c], w[g]) -> [r, c]: x * rsqrt(mean(x^2) + eps) * w over each group of g values
  rms_norm_add,  // (x[r, c], w[g], residual[r, c]) -> residual + rms_norm(x, w): a post-norm and the residual
                 // add after it in one pass (one dispatch and one activation round trip fewer)
  matmul,     // (x[n, K], w[N, K] any dtype) -> [n, N]: x @ w^T, fp32 accumulation
  matmul_geglu,  // (x[n, K], w[N, K], gate[n, N]) -> gelu_tanh(gate) * (x @ w^T): the up-projection with the
                 // GeGLU product in its epilogue (no separate pass over gate and up)
  rope,       // (x[n, heads*hd], positions[n] i32) -> same: half-split (NEOX) rotation per head
  rms_norm_rope,  // (x[n, heads*hd], w[hd], positions[n] i32) -> rope(rms_norm(x, w) per head): Gemma 3's
                  // query/key norm and RoPE in one pass
  kv_store,   // (x[n, kv], positions[n] i32, cache[C, kv]) -> cache: row p goes to slot p % C (ring)
  rope_store,  // (x[n, kv], positions[n] i32, cache[C, kv]) -> cache: kv_store(rope(x)): the key's rotation
               // as it is written into its cache (one dispatch and one activation round trip fewer)
  rms_norm_rope_store,  // (x[n, kv], w[hd], positions[n] i32, cache[C, kv]) -> cache: kv_store(rms_norm_rope(x,
                        // w)): Gemma 3's key norm and RoPE as the key is written into its cache
  attention,  // (q[n, nh*hd], k_cache[C, nkv*hd], v_cache[C, nkv*hd], positions[n], key_end[n]) -> [n, nh*hd]
              // query t sees keys j in [lo, key_end[t]], lo = positions[t] - window + 1 (sliding) or 0:
              // key_end = positions is causal; a larger key_end lets an image token see the rest of its image
  gelu_mul,   // (gate[n, I], up[n, I]) -> [n, I]: gelu_tanh(gate) * up
  add,        // (a, b) -> a + b; b has a's shape, or is one row of a's width (a bias added to every row)
  softcap,    // (x) -> cap * tanh(x / cap)
  last_row,   // (x[n, c]) -> [1, c]: the last token's row (logits of the last token only)
  argmax,     // (x[n, c]) -> [n, 1]: index of each row's maximum (first on ties) as a float, exact < 2^24
  top_k,      // (x[n, c]) -> [n, 2k]: each row's k largest values, largest first (the lower index first on
              // ties; NaN below everything, -0 equal to +0), then their indices as floats; 1 <= k <= kMaxTopK
  layer_norm, // (x[r, c], w[c], b[c]) -> [r, c]: (x - mean) / sqrt(var + eps) * w + b over each row
  gelu,       // (x) -> gelu_tanh(x)
  avg_pool,   // (x[side*side, c]) -> [(side/k)^2, c]: mean of each k x k block of a row-major side x side grid
  replace_rows,  // (x[n, c], rows[n, c], use[n] i32) -> [n, c]: row t of `rows` where use[t] != 0, else of x
  count_
};

struct EmbedParams {
  float scale = 1.0f;
};
struct RmsNormParams {
  float eps = 1e-6f;
};
struct MatmulParams {};
struct RopeParams {
  int head_dim = 0;
  float theta = 10000.0f;
  float freq_scale = 1.0f;  // linear RoPE scaling: angle = (pos * freq_scale) * inv_freq
};
struct RmsNormRopeParams {
  float eps = 1e-6f;
  RopeParams rope;
};
struct KvStoreParams {};
struct AttentionParams {
  int n_head = 0;
  int n_kv_head = 0;
  int head_dim = 0;
  float scale = 1.0f;    // multiplies q.k
  float softcap = 0.0f;  // 0: none; else scores = softcap * tanh(scores / softcap) before the mask
  int window = 0;        // 0: causal over all positions; else keys with pos_q - pos_k < window
};
struct GeluMulParams {};
struct AddParams {};
struct SoftcapParams {
  float cap = 0.0f;
};
struct LastRowParams {};
struct ArgmaxParams {};
// The most candidates top_k gives: one workgroup of the shader holds them all (shaders/top_k.comp).
constexpr int kMaxTopK = 256;
struct TopKParams {
  int k = 0;
};
struct LayerNormParams {
  float eps = 1e-6f;
};
struct GeluParams {};
struct AvgPoolParams {
  int side = 0;    // the input is a side x side grid of rows (row index y * side + x)
  int kernel = 0;  // k x k blocks, stride k; side % k == 0
};
struct ReplaceRowsParams {};

using OpParams = std::variant<EmbedParams, RmsNormParams, MatmulParams, RopeParams, RmsNormRopeParams, KvStoreParams,
                              AttentionParams, GeluMulParams, AddParams, SoftcapParams, LastRowParams, ArgmaxParams,
                              TopKParams, LayerNormParams, GeluParams, AvgPoolParams, ReplaceRowsParams>;

struct OpInfo {
  Op op;
  const char* name;
  std::vector<const char*> inputs;
};
const OpInfo& op_info(Op op);
inline const char* op_name(Op op) { return op_info(op).name; }

struct Node {
  Op op;
  std::string name;  // readable, e.g. "blk.7.attn": used by `vkgemma graph`, debug labels, profiles, errors
  std::vector<TensorId> inputs;
  TensorId output = kNoTensor;
  OpParams params;
};

// Shape of a node's output given its inputs; throws naming the node, the input and expected vs. got.
std::vector<int64_t> infer_output_shape(const Node& node, const std::vector<const TensorDesc*>& inputs);

std::string params_string(const OpParams& p);

}  // namespace vkg
