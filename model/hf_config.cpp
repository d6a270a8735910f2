#include "model/hf_config.h"

#include "model/generation_rules.h"
#include "runtime/read_file.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace vkg {

namespace {

using nlohmann::json;

class Reader {
 public:
  Reader(const json& j, const std::string& origin) : j_(j), origin_(origin) {}

  bool has(const char* key) const { return j_.contains(key) && !j_[key].is_null(); }

  int get_int(const char* key, int def) const {
    if (!has(key)) return def;
    const json& v = j_[key];
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > (int64_t(1) << 30))
      throw std::runtime_error(origin_ + ": '" + key + "' must be a non-negative integer, got " + v.dump());
    return static_cast<int>(v.get<int64_t>());
  }
  double get_number(const char* key, double def) const { return has(key) ? number(j_[key], key) : def; }
  // A number, or 0 for an explicit null (softcaps: null = none).
  double get_optional(const char* key, double def) const {
    if (!j_.contains(key)) return def;
    return j_[key].is_null() ? 0.0 : number(j_[key], key);
  }
  double number(const json& v, const std::string& key) const {
    if (!v.is_number()) throw std::runtime_error(origin_ + ": '" + key + "' must be a number, got " + v.dump());
    return v.get<double>();
  }
  // The first id of an integer or a list of integers.
  int get_id(const char* key, int def) const {
    if (!has(key)) return def;
    const json& v = j_[key];
    const json& first = v.is_array() && !v.empty() ? v[0] : v;
    if (!first.is_number_integer()) throw std::runtime_error(origin_ + ": '" + key + "' must be a token id, got " + v.dump());
    return first.get<int>();
  }
  const json& at(const char* key) const { return j_[key]; }

 private:
  const json& j_;
  const std::string& origin_;
};

// rope_scaling / rope_parameters entry: returns the frequency scale (1/factor for linear, 1 for default).
float rope_scale(const json& r, const std::string& origin, const std::string& what) {
  if (r.is_null()) return 1.0f;
  if (!r.is_object()) throw std::runtime_error(origin + ": '" + what + "' must be an object, got " + r.dump());
  std::string type = "default";
  if (r.contains("rope_type") && r["rope_type"].is_string()) type = r["rope_type"].get<std::string>();
  else if (r.contains("type") && r["type"].is_string()) type = r["type"].get<std::string>();
  // proportional: Gemma 4's p-RoPE (the rotated share is read by read_gemma4); frequencies as default's.
  if (type == "default" || (type == "proportional" && !r.contains("factor"))) return 1.0f;
  if (type != "linear")
    throw std::runtime_error(origin + ": '" + what + "' has rope_type '" + type +
                             "' (supported: default, linear, proportional)");
  if (!r.contains("factor") || !r["factor"].is_number() || r["factor"].get<double>() <= 0)
    throw std::runtime_error(origin + ": '" + what + "' (linear) needs a positive factor");
  return static_cast<float>(1.0 / r["factor"].get<double>());
}

// RoPE: rope_theta / rope_local_base_freq / rope_scaling, or the newer rope_parameters.
void read_rope(const Reader& r, const GenerationRules& rules, const std::string& origin, GemmaConfig& c) {
  c.rope_theta_global = static_cast<float>(r.get_number("rope_theta", rules.hf.rope_theta));
  c.rope_theta_local = rules.own_local_rope_base
                           ? static_cast<float>(r.get_number("rope_local_base_freq", rules.hf.rope_local))
                           : c.rope_theta_global;
  if (r.has("rope_scaling")) c.rope_freq_scale_global = rope_scale(r.at("rope_scaling"), origin, "rope_scaling");
  if (r.has("rope_parameters")) {
    const json& p = r.at("rope_parameters");
    if (!p.is_object()) throw std::runtime_error(origin + ": 'rope_parameters' must be an object");
    auto theta = [&](const json& e, const std::string& what, float def) {
      return e.contains("rope_theta") ? static_cast<float>(r.number(e["rope_theta"], what + ".rope_theta")) : def;
    };
    if (p.contains("full_attention") || p.contains("sliding_attention")) {
      if (p.contains("full_attention")) {
        const json& e = p["full_attention"];
        c.rope_theta_global = theta(e, "rope_parameters.full_attention", c.rope_theta_global);
        c.rope_freq_scale_global = rope_scale(e, origin, "rope_parameters.full_attention");
      }
      if (p.contains("sliding_attention")) {
        const json& e = p["sliding_attention"];
        c.rope_theta_local = theta(e, "rope_parameters.sliding_attention", c.rope_theta_local);
        if (rope_scale(e, origin, "rope_parameters.sliding_attention") != 1.0f)
          throw std::runtime_error(origin + ": RoPE scaling on sliding-attention layers is not supported");
      }
    } else {
      c.rope_theta_global = theta(p, "rope_parameters", c.rope_theta_global);
      if (!rules.own_local_rope_base) c.rope_theta_local = c.rope_theta_global;
      c.rope_freq_scale_global = rope_scale(p, origin, "rope_parameters");
    }
  }
}

// Sliding-window layers: the generation's pattern, or layer_types where the config lists them.
void read_sliding_layers(const Reader& r, const GenerationRules& rules, const std::string& origin, GemmaConfig& c) {
  c.sliding_window = rules.sliding == SlidingLayers::none ? 0 : r.get_int("sliding_window", rules.hf.sliding_window);
  const int pattern = r.has("sliding_window_pattern") ? r.get_int("sliding_window_pattern", 6)
                                                      : r.get_int("_sliding_window_pattern", 6);
  if (rules.sliding == SlidingLayers::period && c.sliding_window > 0 && pattern <= 0 && !r.has("layer_types"))
    throw std::runtime_error(origin + ": sliding_window_pattern must be positive");
  apply_generation_rules(c, rules, pattern > 0 ? pattern : 6);
  if (c.sliding_window > 0 && r.has("layer_types")) {
    const json& lt = r.at("layer_types");
    if (!lt.is_array() || lt.size() != static_cast<size_t>(c.n_layers))
      throw std::runtime_error(origin + ": 'layer_types' must list " + std::to_string(c.n_layers) + " layers");
    for (int i = 0; i < c.n_layers; ++i) {
      const std::string s = lt[i].is_string() ? lt[i].get<std::string>() : lt[i].dump();
      if (s != "sliding_attention" && s != "full_attention")
        throw std::runtime_error(origin + ": layer_types[" + std::to_string(i) + "] is '" + s +
                                 "' (expected sliding_attention or full_attention)");
      c.layer_is_sliding[i] = s == "sliding_attention";
    }
  }
}

// Gemma 4: attention shapes per layer type (global_head_dim / num_global_key_value_heads, or transformers'
// saved per_layer_config overrides), K = V, p-RoPE, shared KV layers, double-wide MLPs, per-layer embeddings,
// experts (gemma4.md 1.1).
void read_gemma4(const Reader& r, const std::string& origin, GemmaConfig& c) {
  c.layer_is_sliding.back() = false;  // transformers forces the last layer to full attention
  c.k_eq_v = r.has("attention_k_eq_v") && r.at("attention_k_eq_v").is_boolean() && r.at("attention_k_eq_v").get<bool>();
  c.layer_scalars = true;
  c.query_pre_attn_scalar = 1.0f;
  c.layer_kv_heads.assign(static_cast<size_t>(c.n_layers), c.n_kv_head);
  c.layer_ffn.assign(static_cast<size_t>(c.n_layers), c.ffn);
  if (r.has("per_layer_config")) {
    const json& per = r.at("per_layer_config");
    if (!per.is_object()) throw std::runtime_error(origin + ": 'per_layer_config' must be an object");
    c.head_dim_global = c.head_dim;
    bool seen_global = false;
    for (const auto& [key, o] : per.items()) {
      const std::string what = "per_layer_config." + key;
      int i = -1;
      try {
        i = std::stoi(key);
      } catch (const std::exception&) {
      }
      if (i < 0 || i >= c.n_layers || !o.is_object())
        throw std::runtime_error(origin + ": '" + what + "' is not an object for a layer below " + std::to_string(c.n_layers));
      const Reader l(o, origin);
      const int hd = l.get_int("head_dim", c.head_dim);
      if (c.layer_is_sliding[i] ? hd != c.head_dim : (seen_global && hd != c.head_dim_global))
        throw std::runtime_error(origin + ": '" + what + ".head_dim' " + std::to_string(hd) +
                                 ": every layer of a type must have the same head_dim");
      if (!c.layer_is_sliding[i]) c.head_dim_global = hd, seen_global = true;
      c.layer_kv_heads[i] = l.get_int("num_key_value_heads", c.n_kv_head);
      c.layer_ffn[i] = l.get_int("intermediate_size", c.ffn);
    }
  } else {
    c.head_dim_global = r.get_int("global_head_dim", 512);
    const int global_kv = r.get_int("num_global_key_value_heads", 0);
    for (int i = 0; i < c.n_layers; ++i)
      if (!c.layer_is_sliding[i] && c.k_eq_v && global_kv > 0) c.layer_kv_heads[i] = global_kv;
  }
  c.n_kv_shared_layers = r.get_int("num_kv_shared_layers", 0);
  const bool double_wide = r.has("use_double_wide_mlp") && r.at("use_double_wide_mlp").is_boolean() &&
                           r.at("use_double_wide_mlp").get<bool>();
  if (double_wide)
    for (int i = c.n_layers - c.n_kv_shared_layers; i < c.n_layers; ++i) c.layer_ffn[i] *= 2;
  c.ple_width = r.get_int("hidden_size_per_layer_input", 256);
  if (c.ple_width > 0 && r.get_int("vocab_size_per_layer_input", c.vocab_size) < c.vocab_size)
    throw std::runtime_error(origin + ": vocab_size_per_layer_input is smaller than vocab_size");
  const bool moe = r.has("enable_moe_block") && r.at("enable_moe_block").is_boolean() && r.at("enable_moe_block").get<bool>();
  if (moe) {
    c.n_experts = r.get_int("num_experts", 0);
    c.n_experts_used = r.get_int("top_k_experts", 0);
    c.expert_ffn = r.get_int("moe_intermediate_size", 0);
  }
  if (r.has("rope_parameters") && r.at("rope_parameters").is_object() && r.at("rope_parameters").contains("full_attention")) {
    const json& e = r.at("rope_parameters")["full_attention"];
    if (e.is_object() && e.contains("partial_rotary_factor")) {
      const double f = r.number(e["partial_rotary_factor"], "rope_parameters.full_attention.partial_rotary_factor");
      if (f <= 0 || f > 1) throw std::runtime_error(origin + ": partial_rotary_factor must be in (0, 1]");
      c.rope_global_pairs = static_cast<int>(f * c.head_dim_global) / 2;  // transformers: int(f * head_dim // 2)
    }
  }
  validate_gemma4(c, origin);
}

}  // namespace

GemmaConfig config_from_hf_json(const std::string& text, const std::string& origin) {
  json top;
  try {
    top = json::parse(text);
  } catch (const json::exception& e) {
    throw std::runtime_error(origin + ": not valid JSON: " + e.what());
  }
  if (!top.is_object()) throw std::runtime_error(origin + ": not a JSON object");

  std::string arch;
  if (top.contains("architectures") && top["architectures"].is_array() && !top["architectures"].empty() &&
      top["architectures"][0].is_string())
    arch = top["architectures"][0].get<std::string>();
  else if (top.contains("model_type") && top["model_type"].is_string())
    arch = top["model_type"].get<std::string>();
  bool multimodal = false;
  const GenerationRules* rules = rules_for_hf(arch, &multimodal);
  if (!rules)
    throw std::runtime_error(origin + ": unknown architecture '" + arch + "' (supported: " + hf_architectures() + ")");
  GemmaConfig c;
  c.generation = rules->generation;
  const HfDefaults* d = &rules->hf;
  static const json kEmpty = json::object();
  const json& text_json = multimodal ? (top.contains("text_config") && top["text_config"].is_object()
                                            ? top["text_config"]
                                            : kEmpty)
                                     : top;
  const Reader r(text_json, origin), t(top, origin);

  c.vocab_size = r.get_int("vocab_size", d->vocab);
  c.hidden = r.get_int("hidden_size", d->hidden);
  c.ffn = r.get_int("intermediate_size", d->ffn);
  c.n_layers = r.get_int("num_hidden_layers", d->layers);
  c.n_head = r.get_int("num_attention_heads", d->heads);
  c.n_kv_head = r.get_int("num_key_value_heads", d->kv_heads);
  c.head_dim = r.get_int("head_dim", d->head_dim);
  c.context_length = r.get_int("max_position_embeddings", d->max_pos);
  c.rms_eps = static_cast<float>(r.get_number("rms_norm_eps", 1e-6));
  auto positive = [&](const char* what, int v) {
    if (v <= 0) throw std::runtime_error(origin + ": " + what + " must be positive, got " + std::to_string(v));
  };
  positive("hidden_size", c.hidden);
  positive("intermediate_size", c.ffn);
  positive("num_hidden_layers", c.n_layers);
  positive("num_attention_heads", c.n_head);
  positive("num_key_value_heads", c.n_kv_head);
  positive("head_dim", c.head_dim);
  if (c.n_head % c.n_kv_head)
    throw std::runtime_error(origin + ": num_attention_heads " + std::to_string(c.n_head) +
                             " is not a multiple of num_key_value_heads " + std::to_string(c.n_kv_head));

  read_rope(r, *rules, origin, c);

  c.attn_softcap = static_cast<float>(r.get_optional("attn_logit_softcapping", d->attn_softcap));
  c.final_softcap = static_cast<float>(r.get_optional("final_logit_softcapping", d->final_softcap));
  c.query_pre_attn_scalar = rules->query_scale_head_dim
                                ? static_cast<float>(c.head_dim)
                                : static_cast<float>(r.get_number("query_pre_attn_scalar", d->query_pre_attn_scalar));
  if (c.query_pre_attn_scalar <= 0) throw std::runtime_error(origin + ": query_pre_attn_scalar must be positive");
  read_sliding_layers(r, *rules, origin, c);
  if (c.generation == Generation::gemma4) read_gemma4(r, origin, c);

  c.bos_id = r.get_id("bos_token_id", t.get_id("bos_token_id", 2));
  c.eos_id = r.get_id("eos_token_id", t.get_id("eos_token_id", 1));
  return c;
}

GemmaConfig config_from_hf(const std::string& config_json_path) {
  return config_from_hf_json(read_file(config_json_path), config_json_path);
}

}  // namespace vkg
