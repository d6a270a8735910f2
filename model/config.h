// The numbers and switches of one Gemma model, whatever file it came from. The builder reads fields,
// never the model's name: generations differ only in these values.
#pragma once
#include <string>
#include <vector>

namespace vkg {

class GgufFile;

enum class Generation { gemma1, gemma2, gemma3, gemma4 };
const char* generation_name(Generation g);

struct GemmaConfig {
  Generation generation = Generation::gemma3;
  std::string name;
  int vocab_size = 0;
  int hidden = 0;       // H
  int ffn = 0;          // I
  int n_layers = 0;
  int n_head = 0;
  int n_kv_head = 0;
  int head_dim = 0;
  int context_length = 0;
  float rms_eps = 1e-6f;
  float rope_theta_global = 10000.0f;
  float rope_theta_local = 10000.0f;
  float rope_freq_scale_global = 1.0f;  // 1/8 for Gemma 3 4B+ (linear scaling)
  int sliding_window = 0;               // 0: no sliding-window layers
  std::vector<bool> layer_is_sliding;   // one per layer
  float attn_softcap = 0.0f;            // Gemma 2: 50
  float final_softcap = 0.0f;           // Gemma 2: 30
  float query_pre_attn_scalar = 0.0f;   // attention scale = query_pre_attn_scalar^-0.5
  bool qk_norm = false;                 // Gemma 3
  bool post_norms = false;              // Gemma 2, 3: norms after attention and after the FFN
  int bos_id = 2;
  int eos_id = 1;
  int end_of_turn_id = -1;  // the vocabulary's <end_of_turn>, -1 if it has none

  // Gemma 4 (gemma4.md): attention shapes per layer type, shared KV caches, per-layer embeddings, experts.
  int head_dim_global = 0;          // head_dim of full-attention layers; 0: head_dim
  std::vector<int> layer_kv_heads;  // per layer; empty: n_kv_head on every layer
  std::vector<int> layer_ffn;       // per layer (double-wide MLPs); empty: ffn on every layer
  int rope_global_pairs = 0;        // pairs rotated on full-attention layers (p-RoPE); 0: all
  bool k_eq_v = false;              // full-attention layers take V from the K projection (no attn_v)
  bool layer_scalars = false;       // each layer's output times its layer_output_scale
  int n_kv_shared_layers = 0;       // the last ones attend over an earlier layer's cache and own none
  int ple_width = 0;                // per-layer embedding width per layer (0: none)
  int n_experts = 0, n_experts_used = 0, expert_ffn = 0;  // routed experts beside the dense MLP (0: none)

  int layer_head_dim(int layer) const;
  int layer_kv_head(int layer) const;
  int layer_ffn_width(int layer) const;
  // The layer whose KV cache `layer` reads: itself, or for a KV-shared layer the last owning layer of its type.
  int kv_source(int layer) const;
  bool owns_kv(int layer) const { return kv_source(layer) == layer; }
  bool layer_has_v(int layer) const { return !(k_eq_v && !layer_is_sliding[layer]); }

  float attention_scale() const;
  float embed_scale() const;  // sqrt(H) in fp32, as llama.cpp and HF fp32 compute it
  int n_sliding_layers() const;
  // A multi-line human-readable summary (for `vkgemma info`).
  std::string describe() const;
};

// Gemma 3's image encoder: a SigLIP vision tower and the projector into the text model (gemma3-vision.md).
struct VisionConfig {
  int image_size = 0;  // input images are resized to image_size x image_size
  int patch_size = 0;
  int hidden = 0;
  int ffn = 0;
  int n_layers = 0;
  int n_head = 0;
  float eps = 1e-6f;          // LayerNorms and the soft-embedding RMSNorm
  int tokens_per_image = 0;   // after average pooling (mm_tokens_per_image)
  int text_hidden = 0;        // projection output width
  int boi_id = -1, eoi_id = -1;  // <start_of_image>, <end_of_image>
  int soft_id = -1;  // <image_soft_token> (a placeholder whose embedding is replaced); may be >= vocab

  int patches_per_side() const { return patch_size > 0 ? image_size / patch_size : 0; }
  int n_patches() const { return patches_per_side() * patches_per_side(); }
  int tokens_per_side() const;
  int pool_kernel() const { return tokens_per_side() > 0 ? patches_per_side() / tokens_per_side() : 0; }
  // Throws naming `origin` when the numbers do not fit together (patch grid, pooling, heads).
  void validate(const std::string& origin) const;
};

// Reads a config from GGUF metadata (architectures gemma, gemma2, gemma3, gemma4); throws naming the file and key.
GemmaConfig config_from_gguf(const GgufFile& f);
// A GGUF metadata count (layers, heads, lengths): an unsigned integer up to 2^30; throws naming file and key.
int gguf_count(const GgufFile& f, const std::string& key);
// Gemma 4's own keys (gemma4.md 5.1: per-layer arrays, sliding-window pattern, shared KV layers, per-layer
// embeddings, experts), over a config whose common fields are read. model/gemma4_config.cpp.
void read_gemma4_gguf(const GgufFile& f, GemmaConfig& c);
// Checks that the per-layer fields fit together (throws naming `origin`).
void validate_gemma4(const GemmaConfig& c, const std::string& origin);

}  // namespace vkg
