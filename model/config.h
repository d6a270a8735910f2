// The numbers and switches of one Gemma model, whatever file it came from. The builder reads fields,
// never the model's name: generations differ only in these values.
#pragma once
#include <string>
#include <vector>

namespace vkg {

class GgufFile;

enum class Generation { gemma1, gemma2, gemma3 };
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

  float attention_scale() const;
  float embed_scale() const;  // sqrt(H) in fp32, as llama.cpp and HF fp32 compute it
  int n_sliding_layers() const;
  // A multi-line human-readable summary (for `vkgemma info`).
  std::string describe() const;
};

// Reads a config from GGUF metadata (architectures gemma, gemma2, gemma3); throws naming the file and key.
GemmaConfig config_from_gguf(const GgufFile& f);

}  // namespace vkg
