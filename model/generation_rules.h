// What tells the Gemma generations apart, in one table that every loader reads (GGUF: config.cpp, Hugging
// Face: hf_config.cpp): each generation's names in both formats, the switches the graph builder reads, how its
// layers alternate between sliding-window and global attention, and transformers' config defaults. A new
// generation is a new row here; the builder changes only where its math is new.
#pragma once
#include <string>
#include <vector>

#include "model/config.h"

namespace vkg {

enum class SlidingLayers {
  none,    // every layer global (Gemma 1)
  even,    // even layers slide, odd ones are global (Gemma 2)
  period,  // every period-th layer is global, the rest slide (Gemma 3: 5:1; the file may give the period)
};

// transformers' class defaults for the config.json keys we read (GemmaConfig, Gemma2Config, Gemma3TextConfig).
struct HfDefaults {
  int vocab, hidden, ffn, layers, heads, kv_heads, head_dim, max_pos, sliding_window;
  double rope_theta, rope_local, query_pre_attn_scalar, attn_softcap, final_softcap;
};

struct GenerationRules {
  Generation generation;
  const char* gguf_architecture;                  // general.architecture
  std::vector<std::string> hf_architectures;      // config.json architectures[0] or model_type
  std::vector<std::string> hf_multimodal;         // ... of checkpoints whose text keys are under text_config
  bool qk_norm;                                   // RMS norms on queries and keys per head
  bool post_norms;                                // norms after attention and after the FFN
  SlidingLayers sliding;
  bool own_local_rope_base;  // sliding layers have their own RoPE base (else the global one)
  bool query_scale_head_dim;  // queries scaled by 1/sqrt(head_dim), ignoring query_pre_attn_scalar
  // GGUF stores no query scale: the 27B models (these layer counts) scale by 1/sqrt(hidden / heads), the rest
  // by 1/sqrt(head_dim) (llama.cpp; gemma-models.md 3.5). 0: none.
  int gguf_hidden_scaled_query_layers;
  // Hugging Face checkpoints store norm weights as w and the model multiplies by 1 + w (Gemma 1-3; the loader
  // adds the 1, as llama.cpp's converter does); Gemma 4 multiplies by w itself.
  bool hf_norm_plus_one;
  HfDefaults hf;
};

const std::vector<GenerationRules>& generation_table();
const GenerationRules& rules_of(Generation g);
// The row for a GGUF architecture or a config.json architecture / model_type; null if none. *multimodal
// says whether the name is a multimodal checkpoint's.
const GenerationRules* rules_for_gguf(const std::string& architecture);
const GenerationRules* rules_for_hf(const std::string& architecture, bool* multimodal);
// "gemma, gemma2, gemma3" and the config.json names, for errors.
std::string gguf_architectures();
std::string hf_architectures();

// Applies a row's switches to a config whose n_layers and sliding_window are set: qk_norm, post_norms and
// layer_is_sliding (`period` for SlidingLayers::period).
void apply_generation_rules(GemmaConfig& c, const GenerationRules& r, int period);

}  // namespace vkg
