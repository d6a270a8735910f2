#include "model/config.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "model/generation_rules.h"
#include "model/gguf.h"

namespace vkg {

const char* generation_name(Generation g) { return rules_of(g).gguf_architecture; }

float GemmaConfig::attention_scale() const { return 1.0f / std::sqrt(query_pre_attn_scalar); }
float GemmaConfig::embed_scale() const { return std::sqrt(static_cast<float>(hidden)); }

int GemmaConfig::layer_head_dim(int layer) const {
  return !layer_is_sliding[layer] && head_dim_global > 0 ? head_dim_global : head_dim;
}
int GemmaConfig::layer_kv_head(int layer) const {
  return layer_kv_heads.empty() ? n_kv_head : layer_kv_heads[layer];
}
int GemmaConfig::layer_ffn_width(int layer) const { return layer_ffn.empty() ? ffn : layer_ffn[layer]; }

int GemmaConfig::kv_source(int layer) const {
  const int first_shared = n_layers - n_kv_shared_layers;
  if (layer < first_shared) return layer;
  for (int j = first_shared - 1; j >= 0; --j)
    if (layer_is_sliding[j] == layer_is_sliding[layer]) return j;
  return layer;  // validate_gemma4 refuses a config where no earlier layer has the type
}

int GemmaConfig::n_sliding_layers() const {
  int n = 0;
  for (bool s : layer_is_sliding) n += s;
  return n;
}

std::string GemmaConfig::describe() const {
  std::ostringstream s;
  s << "generation " << generation_name(generation) << "\n"
    << "vocab " << vocab_size << ", hidden " << hidden << ", ffn " << ffn << ", layers " << n_layers << "\n"
    << "heads " << n_head << ", kv heads " << n_kv_head << ", head_dim " << head_dim << "\n"
    << "context " << context_length << ", rms eps " << rms_eps << "\n"
    << "rope theta global " << rope_theta_global << " (freq scale " << rope_freq_scale_global << "), local "
    << rope_theta_local << "\n"
    << "sliding window " << sliding_window << " on " << n_sliding_layers() << " of " << n_layers << " layers\n"
    << "attention scale 1/sqrt(" << query_pre_attn_scalar << ")";
  if (attn_softcap > 0) s << ", attention softcap " << attn_softcap;
  if (final_softcap > 0) s << ", final softcap " << final_softcap;
  s << "\nqk-norm " << (qk_norm ? "yes" : "no") << ", post-norms " << (post_norms ? "yes" : "no") << "\n"
    << "bos " << bos_id << ", eos " << eos_id << ", end_of_turn " << end_of_turn_id;
  if (generation == Generation::gemma4) {
    s << "\nglobal layers: head_dim " << layer_head_dim(n_layers - 1) << ", kv heads " << layer_kv_head(n_layers - 1)
      << ", rotated pairs " << (rope_global_pairs ? rope_global_pairs : layer_head_dim(n_layers - 1) / 2)
      << (k_eq_v ? ", K = V" : "") << "\nshared KV layers " << n_kv_shared_layers;
    if (n_kv_shared_layers > 0) s << " (the last " << n_kv_shared_layers << " read layers " << kv_source(n_layers - 1)
                                  << " and " << kv_source(n_layers - 2) << ")";
    s << "\nper-layer embeddings " << (ple_width > 0 ? std::to_string(ple_width) + " per layer (table on the host)" : "none");
    if (!layer_ffn.empty()) s << "\nffn per layer " << layer_ffn.front() << " .. " << layer_ffn.back();
    if (n_experts > 0) s << "\nexperts " << n_experts << " (" << n_experts_used << " per token) of width " << expert_ffn;
  }
  return s.str();
}

int gguf_count(const GgufFile& f, const std::string& key) {
  uint64_t v = f.get_uint(key);
  if (v > (1u << 30)) throw std::runtime_error(f.path() + ": metadata '" + key + "' = " + std::to_string(v) +
                                               " is implausibly large");
  return static_cast<int>(v);
}

namespace {

void check_positive(const GgufFile& f, const char* what, int v) {
  if (v <= 0) throw std::runtime_error(f.path() + ": " + what + " must be positive, got " + std::to_string(v));
}

}  // namespace

GemmaConfig config_from_gguf(const GgufFile& f) {
  const std::string& arch = f.get_string("general.architecture");
  const GenerationRules* rules = rules_for_gguf(arch);
  if (!rules)
    throw std::runtime_error(f.path() + ": unknown architecture '" + arch + "' (supported: " + gguf_architectures() + ")");
  GemmaConfig c;
  c.generation = rules->generation;
  const std::string a = arch + ".";
  if (f.has("general.name")) c.name = f.get_string("general.name");
  c.hidden = gguf_count(f, a + "embedding_length");
  if (c.generation == Generation::gemma4) {  // per-layer arrays and keys of its own
    read_gemma4_gguf(f, c);
    return c;
  }
  c.ffn = gguf_count(f, a + "feed_forward_length");
  c.n_layers = gguf_count(f, a + "block_count");
  c.n_head = gguf_count(f, a + "attention.head_count");
  check_positive(f, "head count", c.n_head);  // before it divides
  c.n_kv_head = f.has(a + "attention.head_count_kv") ? gguf_count(f, a + "attention.head_count_kv") : c.n_head;
  c.head_dim = f.has(a + "attention.key_length") ? gguf_count(f, a + "attention.key_length") : c.hidden / c.n_head;
  c.context_length = gguf_count(f, a + "context_length");
  c.rms_eps = static_cast<float>(f.get_float(a + "attention.layer_norm_rms_epsilon"));
  check_positive(f, "hidden size", c.hidden);
  check_positive(f, "ffn size", c.ffn);
  check_positive(f, "layer count", c.n_layers);
  check_positive(f, "head count", c.n_head);
  check_positive(f, "kv head count", c.n_kv_head);
  check_positive(f, "head_dim", c.head_dim);
  if (c.n_head % c.n_kv_head)
    throw std::runtime_error(f.path() + ": head count " + std::to_string(c.n_head) +
                             " is not a multiple of kv head count " + std::to_string(c.n_kv_head));
  if (f.has(a + "attention.value_length") && gguf_count(f, a + "attention.value_length") != c.head_dim)
    throw std::runtime_error(f.path() + ": value_length differs from key_length (not a Gemma)");

  const GgufTensor& embd = f.tensor("token_embd.weight");
  c.vocab_size = static_cast<int>(embd.dims.size() > 1 ? embd.dims[1] : 0);
  if (embd.dims.size() != 2 || embd.dims[0] != c.hidden)
    throw std::runtime_error(f.path() + ": tensor 'token_embd.weight' has row length " + std::to_string(embd.dims[0]) +
                             ", expected embedding_length " + std::to_string(c.hidden));

  // Defaults that llama.cpp hard-codes rather than stores (gemma-models.md 3.5).
  float freq_base = static_cast<float>(f.find_float(a + "rope.freq_base").value_or(10000.0));
  c.rope_theta_global = freq_base;
  c.rope_theta_local = rules->own_local_rope_base ? 10000.0f : freq_base;
  if (f.has(a + "rope.scaling.type") && f.get_string(a + "rope.scaling.type") == "linear")
    c.rope_freq_scale_global = 1.0f / static_cast<float>(f.get_float(a + "rope.scaling.factor"));
  c.attn_softcap = static_cast<float>(f.find_float(a + "attn_logit_softcapping").value_or(0.0));
  c.final_softcap = static_cast<float>(f.find_float(a + "final_logit_softcapping").value_or(0.0));
  c.sliding_window = static_cast<int>(f.find_uint(a + "attention.sliding_window").value_or(0));
  const bool hidden_scaled = rules->gguf_hidden_scaled_query_layers == c.n_layers;
  c.query_pre_attn_scalar = static_cast<float>(hidden_scaled ? c.hidden / c.n_head : c.head_dim);

  // Gemma 3: 5 sliding layers then a global one, unless the file says otherwise with llama.cpp's
  // attention.sliding_window_pattern (the period; small test models use 2).
  const int period = static_cast<int>(f.find_uint(a + "attention.sliding_window_pattern").value_or(6));
  if (period < 1) throw std::runtime_error(f.path() + ": " + a + "attention.sliding_window_pattern must be >= 1");
  apply_generation_rules(c, *rules, period);

  c.bos_id = static_cast<int>(f.find_uint("tokenizer.ggml.bos_token_id").value_or(2));
  c.eos_id = static_cast<int>(f.find_uint("tokenizer.ggml.eos_token_id").value_or(1));
  // end_of_turn_id comes from the vocabulary (Model::load): 106 in Gemma 3's, 107 in Gemma 1/2's.
  return c;
}

int VisionConfig::tokens_per_side() const {
  int s = 0;
  while ((s + 1) * (s + 1) <= tokens_per_image) ++s;
  return s;
}

void VisionConfig::validate(const std::string& origin) const {
  auto fail = [&](const std::string& what) { throw std::runtime_error(origin + ": vision config: " + what); };
  if (image_size <= 0 || patch_size <= 0 || hidden <= 0 || ffn <= 0 || n_layers <= 0 || n_head <= 0 ||
      tokens_per_image <= 0 || text_hidden <= 0)
    fail("image_size, patch_size, hidden, ffn, layers, heads, tokens per image and the text width must be positive");
  if (image_size % patch_size) fail("image size " + std::to_string(image_size) + " is not a multiple of the patch size " +
                                    std::to_string(patch_size));
  if (tokens_per_side() * tokens_per_side() != tokens_per_image)
    fail("tokens per image " + std::to_string(tokens_per_image) + " is not a square");
  if (patches_per_side() % tokens_per_side())
    fail(std::to_string(patches_per_side()) + " patches per side do not pool evenly to " +
         std::to_string(tokens_per_side()) + " tokens per side");
  if (hidden % n_head) fail("hidden " + std::to_string(hidden) + " is not a multiple of " + std::to_string(n_head) + " heads");
  if (hidden / n_head > 256) fail("head_dim " + std::to_string(hidden / n_head) + " exceeds 256");
  if (boi_id < 0 || eoi_id < 0) fail("the vocabulary has no <start_of_image> / <end_of_image> token");
}

}  // namespace vkg
