#include "model/gemma_graph.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "runtime/quant/quant.h"

namespace vkg {

int KvLayout::capacity(const GemmaConfig& c, int layer) const {
  if (!c.owns_kv(layer)) return 0;  // Gemma 4's KV-shared layers read an earlier layer's cache
  // All new keys are written before attention runs, and the first new query still needs the window - 1
  // keys before it: a ring of window + max_batch - 1 slots never overwrites a key that is still needed.
  if (c.layer_is_sliding[layer]) return std::min(held(), c.sliding_window + max_batch - 1);
  return held();
}

int64_t KvLayout::full_bytes(const GemmaConfig& c) const {
  KvLayout full = *this;
  full.allocated = 0;
  return full.bytes(c);
}

int64_t KvLayout::bytes(const GemmaConfig& c) const {
  int64_t total = 0;
  for (int i = 0; i < c.n_layers; ++i)
    total += int64_t(capacity(c, i)) * sequences * c.layer_kv_head(i) * c.layer_head_dim(i) * 2 * 4;
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
    g_.sequence = g_.add_tensor({"sequence", {o_.n_tokens}, DType::I32, TensorRole::input, nullptr});

    TensorId x = g_.add_node("inp_embd", {g_.token_ids, w("token_embd.weight")},
                             EmbedParams{c_.embed_scale()});
    if (o_.image_rows) {
      TensorId rows =
          g_.add_tensor({"image_rows", {o_.n_tokens, c_.hidden}, DType::F32, TensorRole::input, nullptr});
      TensorId use = g_.add_tensor({"image_row_use", {o_.n_tokens}, DType::I32, TensorRole::input, nullptr});
      x = g_.add_node("inp_embd_images", {x, rows, use}, ReplaceRowsParams{});
    }
    if (c_.generation == Generation::gemma4) {
      per_layer_ = per_layer_inputs(x);
      // KV-shared layers write no cache: a batch whose logits are not read (a long prompt's batches before
      // its last) stops before them (E2B: 15 of 35 layers run, E4B 24 of 42).
      const int layers = o_.logits ? c_.n_layers : c_.n_layers - c_.n_kv_shared_layers;
      for (int i = 0; i < layers; ++i) x = gemma4_layer(i, x);
    } else {
      for (int i = 0; i < c_.n_layers; ++i) x = layer(i, x);
    }
    if (!o_.logits) {
      g_.mark_output(x);
      return std::move(g_);
    }
    // The final norm goes with the logits product (norm_matmul), after the last row is taken (a row's norm is
    // its own).
    if (!o_.all_logits) x = g_.add_node("last_token", {x}, LastRowParams{});
    TensorId logits = norm_matmul("logits", x, "output_norm.weight", "token_embd.weight");
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
    // Each projection norms its input itself (norm_matmul): no norm pass, no barrier before the products.
    TensorId q = norm_matmul(p + "attn_q", x, p + "attn_norm.weight", p + "attn_q.weight");
    TensorId k = norm_matmul(p + "attn_k", x, p + "attn_norm.weight", p + "attn_k.weight");
    TensorId v = norm_matmul(p + "attn_v", x, p + "attn_norm.weight", p + "attn_v.weight");
    RopeParams rope{c_.head_dim, sliding ? c_.rope_theta_local : c_.rope_theta_global,
                    sliding ? 1.0f : c_.rope_freq_scale_global};
    const int64_t kv_cols = int64_t(c_.n_kv_head) * c_.head_dim;
    const int cap = o_.kv.capacity(c_, i), seqs = o_.kv.sequences;
    TensorId k_cache = g_.add_tensor({p + "k_cache", {int64_t(cap) * seqs, kv_cols}, DType::F32, TensorRole::kv_cache, nullptr});
    TensorId v_cache = g_.add_tensor({p + "v_cache", {int64_t(cap) * seqs, kv_cols}, DType::F32, TensorRole::kv_cache, nullptr});
    // The keys are rotated (Gemma 3: normalized and rotated) as they are written into their cache. Gemma 3:
    // q's norm and RoPE, k's into its cache and v's store as one op (one dispatch where they took three).
    if (c_.qk_norm) {
      q = g_.add_node(p + "attn_qkv_norm_rope_store",
                      {q, w(p + "attn_q_norm.weight"), k, w(p + "attn_k_norm.weight"), v, g_.positions, k_cache,
                       v_cache, g_.sequence},
                      QkvNormRopeStoreParams{{c_.rms_eps, rope}, seqs, false});
    } else {
      q = g_.add_node(p + "attn_q_rope", {q, g_.positions}, rope);
      g_.add_node_into(p + "attn_k_rope_store", {k, g_.positions, k_cache, g_.sequence}, RopeStoreParams{rope, seqs},
                       k_cache);
      g_.add_node_into(p + "v_store", {v, g_.positions, v_cache, g_.sequence}, KvStoreParams{seqs}, v_cache);
    }

    AttentionParams ap{c_.n_head, c_.n_kv_head, c_.head_dim, c_.attention_scale(), c_.attn_softcap,
                       sliding ? c_.sliding_window : 0, seqs};
    TensorId a = g_.add_node(p + "attn", {q, k_cache, v_cache, g_.positions, g_.key_end, g_.sequence}, ap);
    x = projection_residual(p + "attn_output", x, a, p + "attn_output.weight", p + "post_attention_norm.weight");

    // Feed-forward block (GeGLU). Gemma 1 calls this norm post_attention_layernorm; GGUF says ffn_norm.
    return projection_residual(p + "ffn_down", x, geglu_act(p, x), p + "ffn_down.weight", p + "post_ffw_norm.weight");
  }

  // down(geglu_act(x)).
  TensorId geglu_mlp(const std::string& p, TensorId x) {
    return matmul(p + "ffn_down", geglu_act(p, x), p + "ffn_down.weight");
  }
  // gelu(gate h) * up h with h = ffn_norm(x): the norm, gate and up as one op (norm_gate_up) where gate and up
  // have one type, else the norm, the gate, and the up-projection with gelu(gate) * up in its epilogue.
  TensorId geglu_act(const std::string& p, TensorId x) {
    const std::string gate_w = p + "ffn_gate.weight", up_w = p + "ffn_up.weight";
    TensorId f;
    if (m_.weight(gate_w).dtype == m_.weight(up_w).dtype) {
      f = g_.add_node(p + "ffn_gate_up", {x, w(p + "ffn_norm.weight"), w(gate_w), w(up_w)},
                      NormGateUpParams{c_.rms_eps});
    } else {
      TensorId h = norm(p + "ffn_norm", x, p + "ffn_norm.weight");
      TensorId gate = matmul(p + "ffn_gate", h, gate_w);
      f = g_.add_node(p + "ffn_up_geglu", {h, w(up_w), gate}, MatmulGegluParams{});
    }
    return f;
  }

  // Gemma 4's per-layer embeddings for all layers at once, [n, layers * P] (gemma4.md 2.1): the token part
  // comes as input "per_layer_tokens" (rows gathered on the host from the table, which never leaves it:
  // model/per_layer_embeddings.h), the context part is projected from the scaled embedding h0.
  TensorId per_layer_inputs(TensorId h0) {
    if (c_.ple_width <= 0) return kNoTensor;
    const int64_t width = int64_t(c_.n_layers) * c_.ple_width;
    TensorId tokens =
        g_.add_tensor({"per_layer_tokens", {o_.n_tokens, width}, DType::F32, TensorRole::input, nullptr});
    TensorId proj = matmul("per_layer_model_proj", h0, "per_layer_model_proj.weight");
    proj = g_.add_node("per_layer_model_proj_scale", {proj}, ScaleParams{1.0f / std::sqrt(float(c_.hidden))});
    proj = g_.add_node("per_layer_proj_norm", {proj, w("per_layer_proj_norm.weight")}, RmsNormParams{c_.rms_eps});
    TensorId sum = g_.add_node("per_layer_inputs_sum", {proj, tokens}, AddParams{});
    return g_.add_node("per_layer_inputs", {sum}, ScaleParams{1.0f / std::sqrt(2.0f)});
  }

  // One Gemma 4 decoder layer (gemma4.md 2.2): norms multiply by w, V normalized without a weight (or taken
  // from the K projection on K = V layers), attention scale 1, p-RoPE on full layers, caches of another layer
  // on KV-shared ones, the routed experts beside the MLP, the per-layer embedding, the layer scalar.
  TensorId gemma4_layer(int i, TensorId x) {
    const std::string p = "blk." + std::to_string(i) + ".";
    const bool sliding = c_.layer_is_sliding[i];
    const int hd = c_.layer_head_dim(i), n_kv = c_.layer_kv_head(i), src = c_.kv_source(i);

    // Each projection norms its input itself (norm_matmul), as in layer().
    const std::string attn_norm = p + "attn_norm.weight";
    TensorId q = norm_matmul(p + "attn_q", x, attn_norm, p + "attn_q.weight");
    const RopeParams rope{hd, sliding ? c_.rope_theta_local : c_.rope_theta_global,
                          sliding ? 1.0f : c_.rope_freq_scale_global, sliding ? 0 : c_.rope_global_pairs};
    if (src == i) {
      // q's norm and RoPE, k's into its cache, v normed (without a weight) into its cache: one op.
      const int64_t kv_cols = int64_t(n_kv) * hd;
      const int cap = o_.kv.capacity(c_, i), seqs = o_.kv.sequences;
      k_cache_[i] = g_.add_tensor({p + "k_cache", {int64_t(cap) * seqs, kv_cols}, DType::F32, TensorRole::kv_cache, nullptr});
      v_cache_[i] = g_.add_tensor({p + "v_cache", {int64_t(cap) * seqs, kv_cols}, DType::F32, TensorRole::kv_cache, nullptr});
      TensorId k = norm_matmul(p + "attn_k", x, attn_norm, p + "attn_k.weight");
      TensorId v = c_.layer_has_v(i) ? norm_matmul(p + "attn_v", x, attn_norm, p + "attn_v.weight") : k;  // K = V: the raw K
      q = g_.add_node(p + "attn_qkv_norm_rope_store",
                      {q, w(p + "attn_q_norm.weight"), k, w(p + "attn_k_norm.weight"), v, g_.positions, k_cache_[i],
                       v_cache_[i], g_.sequence},
                      QkvNormRopeStoreParams{{c_.rms_eps, rope}, seqs, true});
    } else {
      q = g_.add_node(p + "attn_q_norm_rope", {q, w(p + "attn_q_norm.weight"), g_.positions},
                      RmsNormRopeParams{c_.rms_eps, rope});
    }
    AttentionParams ap{c_.n_head, n_kv, hd, c_.attention_scale(), 0.0f, sliding ? c_.sliding_window : 0,
                       o_.kv.sequences};
    TensorId a = g_.add_node(p + "attn", {q, k_cache_.at(src), v_cache_.at(src), g_.positions, g_.key_end, g_.sequence},
                             ap);
    x = projection_residual(p + "attn_output", x, a, p + "attn_output.weight", p + "post_attention_norm.weight");

    if (c_.n_experts > 0) {
      TensorId f = geglu_mlp(p, x);
      f = norm(p + "post_ffw_norm_1", f, p + "post_ffw_norm_1.weight");
      f = g_.add_node(p + "moe_residual", {experts(p, x), w(p + "post_ffw_norm_2.weight"), f}, RmsNormAddParams{c_.rms_eps});
      x = residual(p + "ffn_residual", x, f, p + "post_ffw_norm.weight");
    } else {
      x = projection_residual(p + "ffn_down", x, geglu_act(p, x), p + "ffn_down.weight", p + "post_ffw_norm.weight");
    }

    if (per_layer_ != kNoTensor) {
      TensorId g = matmul(p + "inp_gate", x, p + "inp_gate.weight");
      TensorId mine = g_.add_node(p + "per_layer_input", {per_layer_}, SliceColsParams{i * c_.ple_width, c_.ple_width});
      g = g_.add_node(p + "inp_gate_gelu", {g, mine}, GeluMulParams{});
      g = matmul(p + "proj", g, p + "proj.weight");
      x = residual(p + "per_layer_residual", x, g, p + "post_norm.weight");
    }
    return g_.add_node(p + "layer_scale", {x}, ScaleParams{layer_scalar(p + "layer_output_scale.weight")});
  }

  // The routed experts for the residual r (gemma4.md 2.4): the router reads RMS(r) * scale (its hidden^-1/2 on
  // the E logits instead of the H inputs: the same product), the experts read pre_ffw_norm_2(r); only the k
  // chosen experts' rows are read.
  TensorId experts(const std::string& p, TensorId r) {
    const int k = c_.n_experts_used, X = c_.expert_ffn;
    TensorId z = g_.add_node(p + "ffn_gate_inp_norm", {r, w(p + "ffn_gate_inp.scale")}, RmsNormParams{c_.rms_eps});
    TensorId logits = matmul(p + "ffn_gate_inp", z, p + "ffn_gate_inp.weight");
    TensorId routes = g_.add_node(p + "moe_route", {logits, w(p + "ffn_down_exps.scale")},
                                  MoeRouteParams{k, 1.0f / std::sqrt(float(c_.hidden))});
    TensorId xe = norm(p + "pre_ffw_norm_2", r, p + "pre_ffw_norm_2.weight");
    const bool merged = m_.weights().count(p + "ffn_gate_up_exps.weight") > 0;
    const std::string gate_w = merged ? p + "ffn_gate_up_exps.weight" : p + "ffn_gate_exps.weight";
    const std::string up_w = merged ? gate_w : p + "ffn_up_exps.weight";
    TensorId gate = g_.add_node(p + "ffn_gate_exps", {xe, w(gate_w), routes},
                                MatmulExpertParams{c_.n_experts, k, X, 0});
    TensorId up = g_.add_node(p + "ffn_up_exps", {xe, w(up_w), routes}, MatmulExpertParams{c_.n_experts, k, X, merged ? X : 0});
    TensorId act = g_.add_node(p + "ffn_exps_geglu", {gate, up}, GeluMulParams{});
    TensorId down = g_.add_node(p + "ffn_down_exps", {act, w(p + "ffn_down_exps.weight"), routes},
                                MatmulExpertParams{c_.n_experts, k, c_.hidden, 0});
    return g_.add_node(p + "moe_sum", {down, routes}, MoeSumParams{k});
  }

  // A one-value weight read on the host when the graph is built (Gemma 4's layer scalar).
  float layer_scalar(const std::string& name) {
    const TensorDesc& t = m_.weight(name);
    float v = 0.0f;
    dequantize_row(t.dtype, t.data, &v, 1);
    return v;
  }

  // x + the block's output projection of `in` (weight), through the block's post-norm first where the model has
  // them (Gemma 2-4: the projection, the norm and the add as one op, matmul_norm_add).
  TensorId projection_residual(const std::string& name, TensorId x, TensorId in, const std::string& weight,
                               const std::string& post_norm_weight) {
    if (!c_.post_norms) return residual(name + "_residual", x, matmul(name, in, weight), post_norm_weight);
    return g_.add_node(name + "_residual", {in, w(weight), w(post_norm_weight), x}, MatmulNormAddParams{c_.rms_eps});
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
  TensorId norm_matmul(const std::string& name, TensorId x, const std::string& norm_weight, const std::string& weight) {
    return g_.add_node(name, {x, w(norm_weight), w(weight)}, NormMatmulParams{c_.rms_eps});
  }

  const Model& m_;
  const GemmaConfig& c_;
  const BuildOptions& o_;
  Graph g_;
  std::map<std::string, TensorId> weight_ids_;
  std::map<int, TensorId> k_cache_, v_cache_;  // Gemma 4: by owning layer, read by the layers sharing them
  TensorId per_layer_ = kNoTensor;             // Gemma 4: per-layer embeddings [n, layers * P]
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
    g_.sequence = g_.add_tensor({"sequence", {T}, DType::I32, TensorRole::input, nullptr});  // all 0: one image

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
    TensorId a = g_.add_node(p + "attn", {q, k, v, g_.positions, g_.key_end, g_.sequence}, ap);
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
