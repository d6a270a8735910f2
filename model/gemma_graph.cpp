#include "model/gemma_graph.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace vkg {

int KvLayout::capacity(const GemmaConfig& c, int layer) const {
  // All new keys are written before attention runs, and the first new query still needs the window - 1
  // keys before it: a ring of window + max_batch - 1 slots never overwrites a key that is still needed.
  if (c.layer_is_sliding[layer]) return std::min(context, c.sliding_window + max_batch - 1);
  return context;
}

int64_t KvLayout::bytes(const GemmaConfig& c) const {
  int64_t total = 0;
  for (int i = 0; i < c.n_layers; ++i) total += int64_t(capacity(c, i)) * c.n_kv_head * c.head_dim * 2 * 4;
  return total;
}

namespace {

// Adds nodes for one model; `w(name)` turns a GGUF weight name into a graph tensor on first use.
class Builder {
 public:
  Builder(const Model& m, const BuildOptions& o) : m_(m), c_(m.config()), o_(o), g_(o.n_tokens) {}

  Graph build() {
    if (o_.n_tokens < 1 || o_.n_tokens > o_.kv.max_batch)
      throw std::runtime_error("graph: " + std::to_string(o_.n_tokens) + " new tokens, expected 1 to " +
                               std::to_string(o_.kv.max_batch));
    g_.token_ids = g_.add_tensor({"token_ids", {o_.n_tokens}, DType::I32, TensorRole::input, nullptr});
    g_.positions = g_.add_tensor({"positions", {o_.n_tokens}, DType::I32, TensorRole::input, nullptr});
    g_.key_end = g_.add_tensor({"key_end", {o_.n_tokens}, DType::I32, TensorRole::input, nullptr});

    TensorId x = g_.add_node("inp_embd", {g_.token_ids, w("token_embd.weight")},
                             EmbedParams{c_.embed_scale()});
    if (o_.image_rows) {
      TensorId rows =
          g_.add_tensor({"image_rows", {o_.n_tokens, c_.hidden}, DType::F32, TensorRole::input, nullptr});
      TensorId use = g_.add_tensor({"image_row_use", {o_.n_tokens}, DType::I32, TensorRole::input, nullptr});
      x = g_.add_node("inp_embd_images", {x, rows, use}, ReplaceRowsParams{});
    }
    for (int i = 0; i < c_.n_layers; ++i) x = layer(i, x);
    if (!o_.logits) {
      g_.mark_output(x);
      return std::move(g_);
    }
    x = norm("output_norm", x, "output_norm.weight");
    if (!o_.all_logits) x = g_.add_node("last_token", {x}, LastRowParams{});
    TensorId logits = g_.add_node("logits", {x, w("token_embd.weight")}, MatmulParams{});
    if (c_.final_softcap > 0)
      logits = g_.add_node("logits_softcap", {logits}, SoftcapParams{c_.final_softcap});
    g_.logits = logits;
    g_.mark_output(logits);
    if (o_.greedy) {
      g_.greedy_token = g_.add_node("greedy_token", {logits}, ArgmaxParams{});
      g_.mark_output(g_.greedy_token);
    }
    if (o_.top_k > 0) {
      g_.top_logits = g_.add_node("top_logits", {logits}, TopKParams{o_.top_k});
      g_.mark_output(g_.top_logits);
    }
    return std::move(g_);
  }

 private:
  TensorId layer(int i, TensorId x) {
    const std::string p = "blk." + std::to_string(i) + ".";
    const bool sliding = c_.layer_is_sliding[i];

    // Attention block.
    TensorId h = norm(p + "attn_norm", x, p + "attn_norm.weight");
    TensorId q = matmul(p + "attn_q", h, p + "attn_q.weight");
    TensorId k = matmul(p + "attn_k", h, p + "attn_k.weight");
    TensorId v = matmul(p + "attn_v", h, p + "attn_v.weight");
    RopeParams rope{c_.head_dim, sliding ? c_.rope_theta_local : c_.rope_theta_global,
                    sliding ? 1.0f : c_.rope_freq_scale_global};
    const int64_t kv_cols = int64_t(c_.n_kv_head) * c_.head_dim;
    const int cap = o_.kv.capacity(c_, i);
    TensorId k_cache = g_.add_tensor({p + "k_cache", {cap, kv_cols}, DType::F32, TensorRole::kv_cache, nullptr});
    TensorId v_cache = g_.add_tensor({p + "v_cache", {cap, kv_cols}, DType::F32, TensorRole::kv_cache, nullptr});
    // The keys are normalized (Gemma 3) and rotated as they are written into their cache: one op each.
    if (c_.qk_norm) {
      q = g_.add_node(p + "attn_q_norm_rope", {q, w(p + "attn_q_norm.weight"), g_.positions},
                      RmsNormRopeParams{c_.rms_eps, rope});
      g_.add_node_into(p + "attn_k_norm_rope_store",
                       {k, w(p + "attn_k_norm.weight"), g_.positions, k_cache}, RmsNormRopeStoreParams{{c_.rms_eps, rope}},
                       k_cache);
    } else {
      q = g_.add_node(p + "attn_q_rope", {q, g_.positions}, rope);
      g_.add_node_into(p + "attn_k_rope_store", {k, g_.positions, k_cache}, RopeStoreParams{rope}, k_cache);
    }
    g_.add_node_into(p + "v_store", {v, g_.positions, v_cache}, KvStoreParams{}, v_cache);

    AttentionParams ap{c_.n_head, c_.n_kv_head, c_.head_dim, c_.attention_scale(), c_.attn_softcap,
                       sliding ? c_.sliding_window : 0};
    TensorId a = g_.add_node(p + "attn", {q, k_cache, v_cache, g_.positions, g_.key_end}, ap);
    a = matmul(p + "attn_output", a, p + "attn_output.weight");
    x = residual(p + "attn_residual", x, a, p + "post_attention_norm.weight");

    // Feed-forward block (GeGLU). Gemma 1 calls this norm post_attention_layernorm; GGUF says ffn_norm.
    h = norm(p + "ffn_norm", x, p + "ffn_norm.weight");
    TensorId gate = matmul(p + "ffn_gate", h, p + "ffn_gate.weight");
    // The up-projection with gelu(gate) * up in its epilogue.
    TensorId f = g_.add_node(p + "ffn_up_geglu", {h, w(p + "ffn_up.weight"), gate}, MatmulGegluParams{});
    f = matmul(p + "ffn_down", f, p + "ffn_down.weight");
    return residual(p + "ffn_residual", x, f, p + "post_ffw_norm.weight");
  }

  // x + the block's output, through the block's post-norm first where the model has them (Gemma 2/3: one
  // fused op).
  TensorId residual(const std::string& name, TensorId x, TensorId block_out, const std::string& post_norm_weight) {
    if (!c_.post_norms) return g_.add_node(name, {x, block_out}, AddParams{});
    return g_.add_node(name, {block_out, w(post_norm_weight), x}, RmsNormAddParams{c_.rms_eps});
  }

  TensorId w(const std::string& name) {
    auto it = weight_ids_.find(name);
    if (it != weight_ids_.end()) return it->second;
    TensorId id = g_.add_tensor(m_.weight(name));
    weight_ids_[name] = id;
    return id;
  }
  // GGUF norm weights already hold 1 + w (the converter folds Gemma's offset in), so this is a plain scale.
  TensorId norm(const std::string& name, TensorId x, const std::string& weight) {
    return g_.add_node(name, {x, w(weight)}, RmsNormParams{c_.rms_eps});
  }
  TensorId matmul(const std::string& name, TensorId x, const std::string& weight) {
    return g_.add_node(name, {x, w(weight)}, MatmulParams{});
  }

  const Model& m_;
  const GemmaConfig& c_;
  const BuildOptions& o_;
  Graph g_;
  std::map<std::string, TensorId> weight_ids_;
};

}  // namespace

Graph build_gemma_graph(const Model& model, const BuildOptions& options) { return Builder(model, options).build(); }

namespace {

// SigLIP: patch embedding + learned positions, pre-LN encoder layers (biased linears, GELU-tanh MLP,
// attention over all patches), post-LN; then the Gemma 3 projector: average pooling to tokens_per_image,
// RMSNorm (weight already 1 + w), projection to the text width. Weight names are llama.cpp's mmproj names.
class VisionBuilder {
 public:
  explicit VisionBuilder(const Model& m) : m_(m), c_(*m.vision()), g_(c_.n_patches()) {}

  Graph build() {
    const int T = c_.n_patches();
    TensorId patches = g_.add_tensor(
        {"patches", {T, 3 * int64_t(c_.patch_size) * c_.patch_size}, DType::F32, TensorRole::input, nullptr});
    g_.positions = g_.add_tensor({"positions", {T}, DType::I32, TensorRole::input, nullptr});
    g_.key_end = g_.add_tensor({"key_end", {T}, DType::I32, TensorRole::input, nullptr});

    TensorId x = linear("v.patch_embd", patches, "v.patch_embd");
    x = g_.add_node("v.position_embd", {x, w("v.position_embd.weight")}, AddParams{});
    for (int i = 0; i < c_.n_layers; ++i) x = layer(i, x);
    x = layer_norm("v.post_ln", x, "v.post_ln");
    x = g_.add_node("mm.pool", {x}, AvgPoolParams{c_.patches_per_side(), c_.pool_kernel()});
    x = g_.add_node("mm.soft_emb_norm", {x, w("mm.soft_emb_norm.weight")}, RmsNormParams{c_.eps});
    x = g_.add_node("mm.input_projection", {x, w("mm.input_projection.weight")}, MatmulParams{});
    g_.logits = x;
    g_.mark_output(x);
    g_.reuse_activations = true;  // 4096 x 1152 fp32 activations: ~19 MB each, hundreds of them
    return std::move(g_);
  }

 private:
  TensorId layer(int i, TensorId x) {
    const std::string p = "v.blk." + std::to_string(i) + ".";
    TensorId h = layer_norm(p + "ln1", x, p + "ln1");
    TensorId q = linear(p + "attn_q", h, p + "attn_q");
    TensorId k = linear(p + "attn_k", h, p + "attn_k");
    TensorId v = linear(p + "attn_v", h, p + "attn_v");
    const int hd = c_.hidden / c_.n_head;
    AttentionParams ap{c_.n_head, c_.n_head, hd, 1.0f / std::sqrt(static_cast<float>(hd)), 0.0f, 0};
    TensorId a = g_.add_node(p + "attn", {q, k, v, g_.positions, g_.key_end}, ap);
    a = linear(p + "attn_out", a, p + "attn_out");
    x = g_.add_node(p + "attn_residual", {x, a}, AddParams{});
    h = layer_norm(p + "ln2", x, p + "ln2");
    h = linear(p + "ffn_up", h, p + "ffn_up");
    h = g_.add_node(p + "ffn_gelu", {h}, GeluParams{});
    h = linear(p + "ffn_down", h, p + "ffn_down");
    return g_.add_node(p + "ffn_residual", {x, h}, AddParams{});
  }

  TensorId w(const std::string& name) {
    auto it = ids_.find(name);
    if (it != ids_.end()) return it->second;
    return ids_[name] = g_.add_tensor(m_.weight(name));
  }
  TensorId linear(const std::string& name, TensorId x, const std::string& weight) {
    TensorId y = g_.add_node(name, {x, w(weight + ".weight")}, MatmulParams{});
    return g_.add_node(name + "_bias", {y, w(weight + ".bias")}, AddParams{});
  }
  TensorId layer_norm(const std::string& name, TensorId x, const std::string& weight) {
    return g_.add_node(name, {x, w(weight + ".weight"), w(weight + ".bias")}, LayerNormParams{c_.eps});
  }

  const Model& m_;
  const VisionConfig& c_;
  Graph g_;
  std::map<std::string, TensorId> ids_;
};

}  // namespace

Graph build_vision_graph(const Model& model) {
  if (!model.vision()) throw std::runtime_error(model.path() + ": the model has no vision tower");
  return VisionBuilder(model).build();
}

}  // namespace vkg
