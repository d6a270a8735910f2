#include "model/generation_rules.h"

#include <stdexcept>

namespace vkg {

const std::vector<GenerationRules>& generation_table() {
  static const std::vector<GenerationRules> table = {
      {.generation = Generation::gemma1,
       .gguf_architecture = "gemma",
       .hf_architectures = {"GemmaForCausalLM", "gemma"},
       .hf_multimodal = {},
       .qk_norm = false,
       .post_norms = false,
       .sliding = SlidingLayers::none,
       .own_local_rope_base = false,
       .query_scale_head_dim = true,
       .gguf_hidden_scaled_query_layers = 0,
       .hf_norm_plus_one = true,
       .hf = {256000, 3072, 24576, 28, 16, 16, 256, 8192, 0, 10000.0, 10000.0, 0.0, 0.0, 0.0}},
      {.generation = Generation::gemma2,
       .gguf_architecture = "gemma2",
       .hf_architectures = {"Gemma2ForCausalLM", "gemma2"},
       .hf_multimodal = {},
       .qk_norm = false,
       .post_norms = true,
       .sliding = SlidingLayers::even,
       .own_local_rope_base = false,
       .query_scale_head_dim = false,
       .gguf_hidden_scaled_query_layers = 46,
       .hf_norm_plus_one = true,
       .hf = {256000, 2304, 9216, 26, 8, 4, 256, 8192, 4096, 10000.0, 10000.0, 256.0, 50.0, 30.0}},
      {.generation = Generation::gemma3,
       .gguf_architecture = "gemma3",
       .hf_architectures = {"Gemma3ForCausalLM", "gemma3_text"},
       .hf_multimodal = {"Gemma3ForConditionalGeneration", "gemma3"},
       .qk_norm = true,
       .post_norms = true,
       .sliding = SlidingLayers::period,
       .own_local_rope_base = true,
       .query_scale_head_dim = false,
       .gguf_hidden_scaled_query_layers = 62,
       .hf_norm_plus_one = true,
       .hf = {262208, 2304, 9216, 26, 8, 4, 256, 131072, 4096, 1000000.0, 10000.0, 256.0, 0.0, 0.0}},
      // Gemma 4 (gemma4.md): its per-layer shapes, shared caches, per-layer embeddings and experts are read
      // by model/gemma4_config.cpp (GGUF) and hf_config.cpp; query_pre_attn_scalar 1 is its attention scale 1.
      {.generation = Generation::gemma4,
       .gguf_architecture = "gemma4",
       .hf_architectures = {"Gemma4ForCausalLM", "gemma4_text"},
       .hf_multimodal = {"Gemma4ForConditionalGeneration", "gemma4"},
       .qk_norm = true,
       .post_norms = true,
       .sliding = SlidingLayers::period,
       .own_local_rope_base = true,
       .query_scale_head_dim = false,
       .gguf_hidden_scaled_query_layers = 0,
       .hf_norm_plus_one = false,
       .hf = {262144, 2304, 9216, 30, 8, 4, 256, 131072, 512, 1000000.0, 10000.0, 1.0, 0.0, 0.0}},
  };
  return table;
}

const GenerationRules& rules_of(Generation g) {
  for (const GenerationRules& r : generation_table())
    if (r.generation == g) return r;
  throw std::logic_error("no generation rules for " + std::string(generation_name(g)));
}

const GenerationRules* rules_for_gguf(const std::string& architecture) {
  for (const GenerationRules& r : generation_table())
    if (architecture == r.gguf_architecture) return &r;
  return nullptr;
}

const GenerationRules* rules_for_hf(const std::string& architecture, bool* multimodal) {
  for (const GenerationRules& r : generation_table()) {
    for (const std::string& name : r.hf_architectures)
      if (architecture == name) return *multimodal = false, &r;
    for (const std::string& name : r.hf_multimodal)
      if (architecture == name) return *multimodal = true, &r;
  }
  return nullptr;
}

std::string gguf_architectures() {
  std::string s;
  for (const GenerationRules& r : generation_table()) s += (s.empty() ? "" : ", ") + std::string(r.gguf_architecture);
  return s;
}

std::string hf_architectures() {
  std::string s;
  for (const GenerationRules& r : generation_table()) {
    s += (s.empty() ? "" : ", ") + r.hf_architectures[0];
    if (!r.hf_multimodal.empty()) s += ", " + r.hf_multimodal[0];
  }
  return s;
}

void apply_generation_rules(GemmaConfig& c, const GenerationRules& r, int period) {
  c.generation = r.generation;
  c.qk_norm = r.qk_norm;
  c.post_norms = r.post_norms;
  c.layer_is_sliding.assign(static_cast<size_t>(c.n_layers), false);
  if (c.sliding_window <= 0) return;
  for (int i = 0; i < c.n_layers; ++i) {
    if (r.sliding == SlidingLayers::even) c.layer_is_sliding[i] = i % 2 == 0;
    if (r.sliding == SlidingLayers::period) c.layer_is_sliding[i] = (i + 1) % period != 0;
  }
}

}  // namespace vkg
