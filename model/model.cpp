#include "model/model.h"

#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>

#include "model/generation_rules.h"
#include "model/hf_config.h"
#include "model/safetensors.h"
#include "runtime/quant/quant.h"
#include "runtime/quant/quantize.h"
#include "runtime/read_file.h"

namespace vkg {
namespace {

// Shapes every weight of layer-free and per-layer Gemma tensors must have, checked at load so a wrong
// file fails here with a clear message instead of deep inside a kernel.
void check_shape(const Model& m, const std::string& name, std::vector<int64_t> expected) {
  const TensorDesc& t = m.weight(name);
  if (t.shape != expected) {
    TensorDesc e;
    e.shape = expected;
    throw std::runtime_error(m.path() + ": tensor '" + name + "' has shape " + t.shape_string() + ", expected " +
                             e.shape_string());
  }
}

// Per layer by the config's per-layer answers (Gemma 4: head_dim and KV heads by layer type, MLP width per
// layer, no K/V on layers that read another's cache, no V where K = V; Gemma 1-3: the same everywhere), with
// the parts a generation has: q/k norms, post-norms, layer scalars, per-layer embeddings, experts
// (gemma4.md 5.2).
void check_weights(const Model& m) {
  const GemmaConfig& c = m.config();
  const int64_t H = c.hidden, L = c.n_layers, P = c.ple_width;
  check_shape(m, "token_embd.weight", {c.vocab_size, H});
  check_shape(m, "output_norm.weight", {H});
  if (P > 0) {
    const TensorDesc& t = m.weight("per_layer_token_embd.weight");
    if (t.shape.size() != 2 || t.shape[0] < c.vocab_size || t.shape[1] != L * P)
      throw std::runtime_error(m.path() + ": tensor 'per_layer_token_embd.weight' has shape " + t.shape_string() +
                               ", expected [>= " + std::to_string(c.vocab_size) + ", " + std::to_string(L * P) + "]");
    check_shape(m, "per_layer_model_proj.weight", {L * P, H});
    check_shape(m, "per_layer_proj_norm.weight", {P});
  }
  for (int i = 0; i < c.n_layers; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    const int64_t hd = c.layer_head_dim(i), q = int64_t(c.n_head) * hd, kv = int64_t(c.layer_kv_head(i)) * hd;
    const int64_t I = c.layer_ffn_width(i);
    check_shape(m, p + "attn_norm.weight", {H});
    check_shape(m, p + "attn_q.weight", {q, H});
    if (c.owns_kv(i)) {
      check_shape(m, p + "attn_k.weight", {kv, H});
      if (c.layer_has_v(i)) check_shape(m, p + "attn_v.weight", {kv, H});
    }
    check_shape(m, p + "attn_output.weight", {H, q});
    check_shape(m, p + "ffn_norm.weight", {H});
    check_shape(m, p + "ffn_gate.weight", {I, H});
    check_shape(m, p + "ffn_up.weight", {I, H});
    check_shape(m, p + "ffn_down.weight", {H, I});
    if (c.qk_norm) {
      check_shape(m, p + "attn_q_norm.weight", {hd});
      if (c.owns_kv(i)) check_shape(m, p + "attn_k_norm.weight", {hd});
    }
    if (c.post_norms) {
      check_shape(m, p + "post_attention_norm.weight", {H});
      check_shape(m, p + "post_ffw_norm.weight", {H});
    }
    if (c.layer_scalars) check_shape(m, p + "layer_output_scale.weight", {1});
    if (P > 0) {
      check_shape(m, p + "inp_gate.weight", {P, H});
      check_shape(m, p + "proj.weight", {H, P});
      check_shape(m, p + "post_norm.weight", {H});
    }
    if (c.n_experts > 0) {
      const int64_t E = c.n_experts, X = c.expert_ffn;
      check_shape(m, p + "ffn_gate_inp.weight", {E, H});
      check_shape(m, p + "ffn_gate_inp.scale", {H});
      check_shape(m, p + "ffn_down_exps.scale", {E});
      for (const char* n : {"pre_ffw_norm_2", "post_ffw_norm_1", "post_ffw_norm_2"}) check_shape(m, p + n + ".weight", {H});
      if (m.weights().count(p + "ffn_gate_up_exps.weight")) {
        check_shape(m, p + "ffn_gate_up_exps.weight", {E * 2 * X, H});
      } else {
        check_shape(m, p + "ffn_gate_exps.weight", {E * X, H});
        check_shape(m, p + "ffn_up_exps.weight", {E * X, H});
      }
      check_shape(m, p + "ffn_down_exps.weight", {E * H, X});
    }
  }
}

// Hugging Face tensor name -> our (GGUF) name; nullopt for tensors the text decoder does not use (vision
// tower, projector, tied lm_head). Throws for an unexpected per-layer tensor.
std::optional<std::string> gguf_name_from_hf(Generation gen, const std::string& hf, const std::string& origin) {
  std::string rest;
  for (const char* prefix : {"model.language_model.", "language_model.model.", "model."})
    if (hf.rfind(prefix, 0) == 0) {
      rest = hf.substr(std::strlen(prefix));
      break;
    }
  if (rest.empty()) return std::nullopt;
  if (rest == "embed_tokens.weight") return "token_embd.weight";
  if (rest == "norm.weight") return "output_norm.weight";
  if (gen == Generation::gemma4) {  // per-layer embeddings (gemma4.md 5.2)
    if (rest == "embed_tokens_per_layer.weight") return "per_layer_token_embd.weight";
    if (rest == "per_layer_model_projection.weight") return "per_layer_model_proj.weight";
    if (rest == "per_layer_projection_norm.weight") return "per_layer_proj_norm.weight";
  }
  if (rest.rfind("layers.", 0) != 0) return std::nullopt;
  const size_t dot = rest.find('.', 7);
  const std::string n = rest.substr(7, dot == std::string::npos ? std::string::npos : dot - 7);
  if (dot == std::string::npos || n.empty() || n.find_first_not_of("0123456789") != std::string::npos)
    throw std::runtime_error(origin + ": unexpected tensor '" + hf + "'");
  const std::string part = rest.substr(dot + 1);
  static const std::map<std::string, std::string> table = {
      {"input_layernorm.weight", "attn_norm"},
      {"self_attn.q_proj.weight", "attn_q"},
      {"self_attn.k_proj.weight", "attn_k"},
      {"self_attn.v_proj.weight", "attn_v"},
      {"self_attn.o_proj.weight", "attn_output"},
      {"self_attn.q_norm.weight", "attn_q_norm"},
      {"self_attn.k_norm.weight", "attn_k_norm"},
      {"pre_feedforward_layernorm.weight", "ffn_norm"},
      {"post_feedforward_layernorm.weight", "post_ffw_norm"},
      {"mlp.gate_proj.weight", "ffn_gate"},
      {"mlp.up_proj.weight", "ffn_up"},
      {"mlp.down_proj.weight", "ffn_down"},
  };
  // Gemma 4's additions, with llama.cpp's names (some end in .scale, not .weight).
  static const std::map<std::string, std::string> gemma4 = {
      {"layer_scalar", "layer_output_scale.weight"},
      {"per_layer_input_gate.weight", "inp_gate.weight"},
      {"per_layer_projection.weight", "proj.weight"},
      {"post_per_layer_input_norm.weight", "post_norm.weight"},
      {"router.proj.weight", "ffn_gate_inp.weight"},
      {"router.scale", "ffn_gate_inp.scale"},
      {"router.per_expert_scale", "ffn_down_exps.scale"},
      {"experts.gate_up_proj", "ffn_gate_up_exps.weight"},
      {"experts.down_proj", "ffn_down_exps.weight"},
      {"pre_feedforward_layernorm_2.weight", "pre_ffw_norm_2.weight"},
      {"post_feedforward_layernorm_1.weight", "post_ffw_norm_1.weight"},
      {"post_feedforward_layernorm_2.weight", "post_ffw_norm_2.weight"},
  };
  if (gen == Generation::gemma4)
    if (auto it = gemma4.find(part); it != gemma4.end()) return "blk." + n + "." + it->second;
  std::string ours;
  // Without post-norms (Gemma 1) HF's post_attention_layernorm is the pre-MLP norm; with them, after attention.
  if (part == "post_attention_layernorm.weight")
    ours = rules_of(gen).post_norms ? "post_attention_norm" : "ffn_norm";
  else if (auto it = table.find(part); it != table.end())
    ours = it->second;
  else
    throw std::runtime_error(origin + ": unexpected tensor '" + hf + "' (not part of a Gemma decoder layer)");
  return "blk." + n + "." + ours + ".weight";
}

std::string shape_str(const std::vector<int64_t>& shape) {
  TensorDesc t;
  t.shape = shape;
  return t.shape_string();
}

// n values of an F32 / F16 / BF16 array at any alignment, as fp32.
std::vector<float> cpu_values(DType dtype, const void* data, int64_t n) {
  std::vector<float> v(static_cast<size_t>(n));
  std::vector<uint8_t> raw(static_cast<size_t>(row_bytes(dtype, n)));
  std::memcpy(raw.data(), data, raw.size());
  dequantize_row(dtype, raw.data(), v.data(), n);
  return v;
}

// The vocabulary's end-of-turn token: <turn|> in Gemma 4's (gemma4.md 4), <end_of_turn> before; -1 if none.
int end_of_turn_token(const Model& m) {
  const char* name = m.config().generation == Generation::gemma4 ? "<turn|>" : "<end_of_turn>";
  return m.tokenizer().find_token(name).value_or(-1);
}

}  // namespace

Model::Model() = default;
Model::~Model() = default;

// The shards, the config and the tokenizer of a Hugging Face directory; weights stay memory-mapped except
// the norms, which are stored here as 1 + w (the GGUF form the graph multiplies by).
// The safetensors files of a Hugging Face directory: model.safetensors, or the shards that
// model.safetensors.index.json names (weight_map: tensor -> its shard).
std::vector<std::string> hf_shards(const std::filesystem::path& dir, const std::string& path,
                                   std::map<std::string, std::string>& weight_map) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  const fs::path index = dir / "model.safetensors.index.json";
  if (fs::exists(dir / "model.safetensors")) {
    files.push_back((dir / "model.safetensors").string());
  } else if (fs::exists(index)) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(read_file(index.string()));
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(index.string() + ": not valid JSON: " + e.what());
    }
    if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object())
      throw std::runtime_error(index.string() + ": no weight_map object");
    std::set<std::string> shards;
    for (const auto& [name, file] : j["weight_map"].items()) {
      if (!file.is_string()) throw std::runtime_error(index.string() + ": weight_map entry '" + name + "' is not a file name");
      const std::string f = file.get<std::string>();
      if (f.empty() || f.find('/') != std::string::npos || f.find('\\') != std::string::npos)
        throw std::runtime_error(index.string() + ": shard name '" + f + "' is not a plain file name");
      weight_map[name] = (dir / f).string();
      shards.insert((dir / f).string());
    }
    files.assign(shards.begin(), shards.end());
  } else {
    throw std::runtime_error(path + ": neither model.safetensors nor model.safetensors.index.json found");
  }
  return files;
}

// A text-model tensor as the graph reads it: norm weights as owned fp32 copies of 1 + w (HF stores w), matrices
// in place (copied only when the writer left them misaligned).
template <class Owned>
TensorDesc hf_text_tensor(const std::string& name, const std::string& hf_name, const SafetensorsTensor& s,
                          const std::string& file, Owned& owned, bool norm_plus_one) {
  TensorDesc t;
  t.name = name;
  t.shape = s.shape;
  t.dtype = s.dtype;
  t.role = TensorRole::weight;
  t.data = s.data;
  const int64_t elem = dtype_info(s.dtype).block_bytes;
  const bool is_norm = name.size() >= 11 && name.compare(name.size() - 11, 11, "norm.weight") == 0;
  if (is_norm || s.shape.size() == 1) {
    // Vectors (norms; Gemma 4's layer scalar and router scales) as owned fp32 copies: Gemma 1-3's norms store
    // w and the graph multiplies by 1 + w.
    if (s.shape.size() != 1)
      throw std::runtime_error(file + ": norm tensor '" + hf_name + "' has shape " + shape_str(s.shape) +
                               ", expected one dimension");
    std::vector<float>& v = owned.emplace_back(static_cast<size_t>(s.shape[0]));
    if (s.dtype == DType::F32) std::memcpy(v.data(), s.data, v.size() * 4);  // unaligned-safe
    else {
      std::vector<uint16_t> raw(v.size());
      std::memcpy(raw.data(), s.data, raw.size() * 2);
      dequantize_row(s.dtype, raw.data(), v.data(), static_cast<int64_t>(v.size()));
    }
    if (is_norm && norm_plus_one)
      for (float& x : v) x = 1.0f + x;
    t.dtype = DType::F32;
    t.data = v.data();
  } else {
    // Experts stacked in one 3-D tensor [E, rows, cols] are read as [E * rows, cols] (expert e: a row range).
    if (s.shape.size() == 3) t.shape = {s.shape[0] * s.shape[1], s.shape[2]};
    else if (s.shape.size() != 2)
      throw std::runtime_error(file + ": tensor '" + hf_name + "' has shape " + shape_str(s.shape) +
                               ", expected [rows, cols]");
    if (reinterpret_cast<uintptr_t>(s.data) % static_cast<uintptr_t>(elem)) {
      // Misaligned data (a header not padded by its writer): an aligned copy.
      std::vector<float>& v = owned.emplace_back((s.bytes + 3) / 4);
      std::memcpy(v.data(), s.data, s.bytes);
      t.data = v.data();
    } else {
      t.file_backed = true;  // in the mapped shard
    }
  }
  return t;
}

void Model::load_hf(Model& m) {
  namespace fs = std::filesystem;
  const fs::path dir(m.path_);
  m.config_ = config_from_hf((dir / "config.json").string());
  // Gemma 4's image and audio towers are not read yet: its text decoder loads, images are refused (Session).
  const bool multimodal = m.config_.generation != Generation::gemma4 &&
                          read_file((dir / "config.json").string()).find("\"vision_config\"") != std::string::npos;
  if (multimodal) load_hf_vision(m, (dir / "config.json").string());
  m.config_.name = dir.filename().empty() ? dir.parent_path().filename().string() : dir.filename().string();

  // Shards: model.safetensors, or the files named by model.safetensors.index.json.
  std::map<std::string, std::string> weight_map;  // tensor -> shard (sharded form only)
  const fs::path index = dir / "model.safetensors.index.json";
  const std::vector<std::string> files = hf_shards(dir, m.path_, weight_map);

  // tokenizer.model (SentencePiece), or tokenizer.json (Gemma 4's BPE with merges).
  const fs::path tok = dir / "tokenizer.model", tok_json = dir / "tokenizer.json";
  if (fs::exists(tok)) m.tokenizer_ = std::make_unique<Tokenizer>(Tokenizer::from_model_file(tok.string()));
  else if (fs::exists(tok_json)) m.tokenizer_ = std::make_unique<Tokenizer>(Tokenizer::from_hf_json(tok_json.string()));
  else throw std::runtime_error(m.path_ + ": neither tokenizer.model nor tokenizer.json found");
  const int vocab = m.tokenizer_->vocab_size();

  for (const std::string& file : files) {
    m.safetensors_.push_back(std::make_unique<SafetensorsFile>(file));
    const SafetensorsFile& st = *m.safetensors_.back();
    for (const auto& [hf_name, s] : st.tensors()) {
      if (!weight_map.empty()) {
        auto it = weight_map.find(hf_name);
        if (it == weight_map.end() || it->second != file) continue;  // listed elsewhere (or not at all)
      }
      if (m.vision_)
        if (std::optional<std::string> vname = vision_name_from_hf(hf_name)) {
          if (*vname == "mm.soft_emb_norm.weight") {  // HF stores w; the norm multiplies by 1 + w
            std::vector<float> v = cpu_values(s.dtype, s.data, static_cast<int64_t>(s.bytes / dtype_info(s.dtype).block_bytes));
            for (float& x : v) x += 1.0f;
            std::vector<float>& owned = m.owned_.emplace_back(std::move(v));
            m.add_vision_tensor(*vname, s.shape, DType::F32, owned.data(), file);
          } else {
            m.add_vision_tensor(*vname, s.shape, s.dtype, s.data, file);
          }
          continue;
        }
      std::optional<std::string> name = gguf_name_from_hf(m.config_.generation, hf_name, file);
      if (!name) continue;
      if (m.weights_.count(*name))
        throw std::runtime_error(file + ": tensor '" + hf_name + "' maps to '" + *name + "', which is already loaded");
      m.weights_[*name] = hf_text_tensor(*name, hf_name, s, file, m.owned_, rules_of(m.config_.generation).hf_norm_plus_one);
    }
  }
  for (const auto& [hf_name, file] : weight_map) {
    bool found = false;
    for (const auto& st : m.safetensors_) found |= st->path() == file && st->find(hf_name);
    if (!found) throw std::runtime_error(file + ": tensor '" + hf_name + "' listed in " + index.string() + " is missing");
  }

  // Embedding rows beyond the tokenizer's vocabulary (Gemma 3 multimodal: 262208 vs 262144) are cut.
  auto embd = m.weights_.find("token_embd.weight");
  if (embd == m.weights_.end()) throw std::runtime_error(m.path_ + ": missing tensor 'model.embed_tokens.weight'");
  if (embd->second.shape.size() != 2 || embd->second.shape[0] < vocab)
    throw std::runtime_error(m.path_ + ": embedding has shape " + embd->second.shape_string() + " but the tokenizer has " +
                             std::to_string(vocab) + " tokens");
  embd->second.shape[0] = vocab;
  m.config_.vocab_size = vocab;

  // The chat template: chat_template.jinja, else tokenizer_config.json's string (a malformed file is ignored:
  // the generation's format applies).
  if (fs::exists(dir / "chat_template.jinja")) {
    m.chat_template_ = read_file((dir / "chat_template.jinja").string());
  } else if (fs::exists(dir / "tokenizer_config.json")) {
    const nlohmann::json tc = nlohmann::json::parse(read_file((dir / "tokenizer_config.json").string()), nullptr, false);
    if (tc.is_object() && tc.contains("chat_template") && tc["chat_template"].is_string())
      m.chat_template_ = tc["chat_template"].get<std::string>();
  }
}

DType parse_quant(const std::string& name) {
  std::string n = name;
  for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (n == "q8_0") return DType::Q8_0;
  if (n == "q4_0") return DType::Q4_0;
  throw std::runtime_error("unknown quantization '" + name + "' (use q8_0 or q4_0)");
}

void Model::quantize_weights(DType type, const std::function<void(int64_t, int64_t)>& progress) {
  auto quantizable = [](const std::string& name, const TensorDesc& t) {
    const bool is_norm = name.size() >= 11 && name.compare(name.size() - 11, 11, "norm.weight") == 0;
    const bool is_float = t.dtype == DType::F32 || t.dtype == DType::F16 || t.dtype == DType::BF16;
    // The vision tower and projector stay as stored (llama.cpp keeps them F16/F32 too: quality).
    const bool is_vision = name.rfind("v.", 0) == 0 || name.rfind("mm.", 0) == 0;
    return !is_norm && !is_vision && is_float && t.shape.size() == 2 && t.cols() % 32 == 0;
  };
  int64_t total = 0, done = 0;
  for (auto& [name, t] : weights_)
    if (quantizable(name, t)) total += t.rows() * row_bytes(t.dtype, t.cols());
  for (auto& [name, t] : weights_) {
    if (!quantizable(name, t)) continue;
    done += t.rows() * row_bytes(t.dtype, t.cols());
    std::vector<uint8_t> q(static_cast<size_t>(row_bytes(type, t.cols()) * t.rows()));
    std::vector<float> row(static_cast<size_t>(t.cols()));
    for (int64_t r = 0; r < t.rows(); ++r) {
      dequantize_row(t.dtype, static_cast<const uint8_t*>(t.data) + r * row_bytes(t.dtype, t.cols()), row.data(),
                          t.cols());
      quantize_row(type, row.data(), q.data() + r * row_bytes(type, t.cols()), t.cols());
    }
    quantized_.push_back(std::move(q));
    t.data = quantized_.back().data();
    t.file_backed = false;
    t.dtype = type;
    if (progress) progress(done, total);
  }
}

std::unique_ptr<Model> Model::load(const std::string& path, const LoadOptions& options) {
  auto m = std::make_unique<Model>();
  m->path_ = path;
  if (options.quant) m->quant_ = dtype_name(*options.quant);
  if (std::filesystem::is_directory(path)) {
    load_hf(*m);
    check_weights(*m);
    if (m->vision_) {
      m->vision_->text_hidden = m->config_.hidden;
      m->check_vision_weights();
    }
    if (!options.mmproj.empty())
      throw std::runtime_error(options.mmproj + ": --mmproj goes with a GGUF text model; " + path +
                               " is a Hugging Face directory (its vision tower, if any, is read from it)");
    m->config_.end_of_turn_id = end_of_turn_token(*m);
    if (options.quant) m->quantize_weights(*options.quant, options.progress);
    return m;
  }
  m->gguf_ = std::make_unique<GgufFile>(path);
  m->config_ = config_from_gguf(*m->gguf_);
  for (const GgufTensor& g : m->gguf_->tensors()) {
    TensorDesc t;
    t.name = g.name;
    for (auto it = g.dims.rbegin(); it != g.dims.rend(); ++it) t.shape.push_back(*it);  // ggml order reversed
    if (t.shape.size() == 3) t.shape = {t.shape[0] * t.shape[1], t.shape[2]};  // experts: [E * rows, cols]
    t.dtype = g.type;
    t.role = TensorRole::weight;
    t.data = g.data;
    t.file_backed = true;
    m->weights_[g.name] = std::move(t);
  }
  check_weights(*m);
  m->tokenizer_ = std::make_unique<Tokenizer>(Tokenizer::from_gguf(*m->gguf_));
  if (m->gguf_->has("tokenizer.chat_template")) m->chat_template_ = m->gguf_->get_string("tokenizer.chat_template");
  if (m->tokenizer_->vocab_size() != m->config_.vocab_size)
    throw std::runtime_error(path + ": tokenizer has " + std::to_string(m->tokenizer_->vocab_size()) +
                             " tokens but token_embd.weight has " + std::to_string(m->config_.vocab_size) + " rows");
  m->config_.end_of_turn_id = end_of_turn_token(*m);
  if (!options.mmproj.empty()) {
    load_mmproj(*m, options.mmproj);
    m->check_vision_weights();
  }
  if (options.quant) m->quantize_weights(*options.quant, options.progress);
  return m;
}

std::string Model::source_identity() const {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  std::error_code ec;
  if (fs::is_directory(path_, ec)) {
    for (const auto& e : fs::directory_iterator(path_, ec))
      if (e.is_regular_file() && (e.path().extension() == ".safetensors" || e.path().extension() == ".json"))
        files.push_back(e.path());
    std::sort(files.begin(), files.end());  // the directory's order is the file system's
  } else {
    files.push_back(path_);
  }
  std::string id = "quant=" + quant_ + ";";
  for (const fs::path& f : files) {
    const auto size = fs::file_size(f, ec);
    const auto time = fs::last_write_time(f, ec).time_since_epoch().count();
    id += f.filename().string() + ":" + std::to_string(size) + ":" + std::to_string(time) + ";";
  }
  return id;
}

const TensorDesc& Model::weight(const std::string& name) const {
  auto it = weights_.find(name);
  if (it == weights_.end()) throw std::runtime_error(path_ + ": missing tensor '" + name + "'");
  return it->second;
}

int64_t Model::weight_bytes() const {
  int64_t n = 0;
  for (const auto& [name, t] : weights_) n += row_bytes(t.dtype, t.cols()) * t.rows();
  return n;
}

int64_t Model::device_weight_bytes() const {
  int64_t n = 0;
  for (const auto& [name, t] : weights_)
    if (!host_only(name)) n += row_bytes(t.dtype, t.cols()) * t.rows();
  return n;
}

}  // namespace vkg
