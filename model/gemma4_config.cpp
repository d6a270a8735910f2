// Gemma 4's GGUF keys (llama.cpp's gemma4 converter, gemma4.md 5.1) and the checks its per-layer fields need.
#include <cstring>
#include <stdexcept>
#include <string>

#include "model/config.h"
#include "model/generation_rules.h"
#include "model/gguf.h"

namespace vkg {

namespace {

// A key that is one integer for every layer or an array with one per layer (llama.cpp writes arrays only
// where the layers differ). Returns the per-layer values, or an empty vector for a scalar (stored in *scalar).
std::vector<int> per_layer(const GgufFile& f, const std::string& key, int layers, int* scalar) {
  const GgufValue& v = f.metadata().at(key);
  if (v.type != GgufType::ARRAY) {
    *scalar = gguf_count(f, key);
    return {};
  }
  const std::vector<int64_t> a = f.get_int_array(key);
  if (a.size() != static_cast<size_t>(layers))
    throw std::runtime_error(f.path() + ": '" + key + "' has " + std::to_string(a.size()) + " values, expected one per layer (" +
                             std::to_string(layers) + ")");
  std::vector<int> out;
  for (int64_t x : a) {
    if (x < 0 || x > (int64_t(1) << 30))
      throw std::runtime_error(f.path() + ": metadata '" + key + "' has the value " + std::to_string(x) + ", out of range");
    out.push_back(static_cast<int>(x));
  }
  *scalar = out.front();
  return out;
}

}  // namespace

void read_gemma4_gguf(const GgufFile& f, GemmaConfig& c) {
  const std::string a = "gemma4.", origin = f.path();
  auto u32 = [&](const std::string& key) { return gguf_count(f, key); };
  c.n_layers = u32(a + "block_count");
  c.n_head = u32(a + "attention.head_count");
  c.context_length = u32(a + "context_length");
  c.rms_eps = static_cast<float>(f.get_float(a + "attention.layer_norm_rms_epsilon"));
  if (c.n_layers <= 0 || c.hidden <= 0 || c.n_head <= 0)
    throw std::runtime_error(origin + ": block_count, embedding_length and head_count must be positive");
  if (!f.has(a + "attention.head_count_kv")) throw std::runtime_error(origin + ": missing '" + a + "attention.head_count_kv'");
  c.layer_kv_heads = per_layer(f, a + "attention.head_count_kv", c.n_layers, &c.n_kv_head);
  if (!f.has(a + "feed_forward_length")) throw std::runtime_error(origin + ": missing '" + a + "feed_forward_length'");
  c.layer_ffn = per_layer(f, a + "feed_forward_length", c.n_layers, &c.ffn);

  // Head sizes: key_length is the full-attention layers' (512), key_length_swa the sliding layers' (256).
  c.head_dim_global = u32(a + "attention.key_length");
  c.head_dim = f.has(a + "attention.key_length_swa") ? u32(a + "attention.key_length_swa") : c.head_dim_global;
  if (f.has(a + "attention.value_length") && u32(a + "attention.value_length") != c.head_dim_global)
    throw std::runtime_error(origin + ": attention.value_length differs from key_length");
  if (f.has(a + "attention.value_length_swa") && u32(a + "attention.value_length_swa") != c.head_dim)
    throw std::runtime_error(origin + ": attention.value_length_swa differs from key_length_swa");

  const GenerationRules& rules = rules_of(Generation::gemma4);
  c.qk_norm = rules.qk_norm;
  c.post_norms = rules.post_norms;
  c.layer_scalars = true;
  c.query_pre_attn_scalar = 1.0f;  // attention scale 1: the q/k norms replace 1/sqrt(head_dim)
  c.sliding_window = static_cast<int>(f.find_uint(a + "attention.sliding_window").value_or(0));
  if (f.has(a + "attention.sliding_window_pattern")) {
    c.layer_is_sliding = f.get_bool_array(a + "attention.sliding_window_pattern");
    if (c.layer_is_sliding.size() != static_cast<size_t>(c.n_layers))
      throw std::runtime_error(origin + ": attention.sliding_window_pattern has " + std::to_string(c.layer_is_sliding.size()) +
                               " values, expected one per layer (" + std::to_string(c.n_layers) + ")");
  } else {
    apply_generation_rules(c, rules, 6);
  }
  if (c.sliding_window <= 0) c.layer_is_sliding.assign(static_cast<size_t>(c.n_layers), false);
  c.rope_theta_global = static_cast<float>(f.find_float(a + "rope.freq_base").value_or(1000000.0));
  c.rope_theta_local = static_cast<float>(f.find_float(a + "rope.freq_base_swa").value_or(10000.0));
  // p-RoPE as llama.cpp stores it: rope_freqs holds a divisor per pair, 1 for the rotated ones and ~1e30 (angle
  // ~0) for the rest; here they are the pairs that rotate, the rest pass through exactly.
  if (const GgufTensor* t = f.find_tensor("rope_freqs.weight")) {
    if (t->type != DType::F32 || t->dims.size() != 1 || t->dims[0] != c.head_dim_global / 2)
      throw std::runtime_error(origin + ": tensor 'rope_freqs.weight' must be F32 with " +
                               std::to_string(c.head_dim_global / 2) + " values");
    std::vector<float> v(static_cast<size_t>(c.head_dim_global / 2));
    std::memcpy(v.data(), t->data, v.size() * sizeof(float));
    int pairs = 0;
    while (pairs < c.head_dim_global / 2 && v[pairs] == 1.0f) ++pairs;
    for (int i = pairs; i < c.head_dim_global / 2; ++i)
      if (!(v[i] >= 1e20f))
        throw std::runtime_error(origin + ": rope_freqs.weight[" + std::to_string(i) + "] = " + std::to_string(v[i]) +
                                 ": expected 1 for rotated pairs then ~1e30 (p-RoPE)");
    c.rope_global_pairs = pairs;
  }
  c.final_softcap = static_cast<float>(f.find_float(a + "final_logit_softcapping").value_or(0.0));
  c.n_kv_shared_layers = static_cast<int>(f.find_uint(a + "attention.shared_kv_layers").value_or(0));
  c.ple_width = static_cast<int>(f.find_uint(a + "embedding_length_per_layer_input").value_or(0));
  c.n_experts = static_cast<int>(f.find_uint(a + "expert_count").value_or(0));
  c.n_experts_used = static_cast<int>(f.find_uint(a + "expert_used_count").value_or(0));
  c.expert_ffn = static_cast<int>(f.find_uint(a + "expert_feed_forward_length").value_or(0));

  const GgufTensor& embd = f.tensor("token_embd.weight");
  if (embd.dims.size() != 2 || embd.dims[0] != c.hidden)
    throw std::runtime_error(origin + ": tensor 'token_embd.weight' has row length " + std::to_string(embd.dims[0]) +
                             ", expected embedding_length " + std::to_string(c.hidden));
  c.vocab_size = static_cast<int>(embd.dims[1]);
  // K = V is not a key: the full-attention layers that own a cache have no attn_v.
  for (int i = 0; i < c.n_layers; ++i)
    if (!c.layer_is_sliding[i] && c.owns_kv(i)) {
      c.k_eq_v = !f.find_tensor("blk." + std::to_string(i) + ".attn_v.weight");
      break;
    }
  c.bos_id = static_cast<int>(f.find_uint("tokenizer.ggml.bos_token_id").value_or(2));
  c.eos_id = static_cast<int>(f.find_uint("tokenizer.ggml.eos_token_id").value_or(1));
  validate_gemma4(c, origin);
}

void validate_gemma4(const GemmaConfig& c, const std::string& origin) {
  auto fail = [&](const std::string& what) { throw std::runtime_error(origin + ": " + what); };
  if (c.layer_is_sliding.size() != static_cast<size_t>(c.n_layers)) fail("layer types do not cover every layer");
  if (!c.layer_kv_heads.empty() && c.layer_kv_heads.size() != static_cast<size_t>(c.n_layers))
    fail("KV head counts do not cover every layer");
  if (!c.layer_ffn.empty() && c.layer_ffn.size() != static_cast<size_t>(c.n_layers))
    fail("feed-forward widths do not cover every layer");
  for (int i = 0; i < c.n_layers; ++i) {
    const int kv = c.layer_kv_head(i), hd = c.layer_head_dim(i);
    if (kv <= 0 || c.n_head % kv)
      fail("layer " + std::to_string(i) + ": " + std::to_string(c.n_head) + " heads are not a multiple of " +
           std::to_string(kv) + " KV heads");
    if (hd <= 0 || hd % 2 || hd > 512) fail("layer " + std::to_string(i) + ": head_dim " + std::to_string(hd) + " (expected even, at most 512)");
    if (c.layer_ffn_width(i) <= 0) fail("layer " + std::to_string(i) + ": feed-forward width must be positive");
  }
  if (c.n_kv_shared_layers < 0 || c.n_kv_shared_layers >= c.n_layers)
    fail("shared_kv_layers " + std::to_string(c.n_kv_shared_layers) + " must be below the layer count " +
         std::to_string(c.n_layers));
  for (int i = c.n_layers - c.n_kv_shared_layers; i < c.n_layers; ++i)
    if (c.kv_source(i) == i)
      fail("KV-shared layer " + std::to_string(i) + " has no earlier layer of its type (sliding or full) to read");
  if (c.rope_global_pairs < 0 || c.rope_global_pairs > c.layer_head_dim(c.n_layers - 1) / 2) fail("rotated RoPE pairs out of range");
  if (c.ple_width < 0) fail("per-layer embedding width must not be negative");
  if (c.n_experts > 0 && (c.n_experts > 256 || c.n_experts_used < 1 || c.n_experts_used > c.n_experts || c.expert_ffn <= 0))
    fail("experts: " + std::to_string(c.n_experts) + " of width " + std::to_string(c.expert_ffn) + ", " +
         std::to_string(c.n_experts_used) + " per token (expected 1 <= used <= count <= 256, width > 0)");
}

}  // namespace vkg
