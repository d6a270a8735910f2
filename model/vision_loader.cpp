// The vision tower and projector of Gemma 3: from a Hugging Face Gemma3ForConditionalGeneration directory or
// from a llama.cpp mmproj GGUF, both stored under the mmproj names (gemma3-vision.md, section 5).
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "model/model.h"
#include "runtime/quant/quant.h"
#include "runtime/read_file.h"

namespace vkg {
namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  TensorDesc t;
  t.shape = shape;
  return t.shape_string();
}

// All values of a tensor as fp32 (unaligned-safe).
std::vector<float> to_f32(DType dtype, const void* data, int64_t rows, int64_t cols) {
  std::vector<float> v(static_cast<size_t>(rows * cols));
  const int64_t rb = row_bytes(dtype, cols);
  std::vector<uint8_t> raw(static_cast<size_t>(rb));
  for (int64_t r = 0; r < rows; ++r) {
    std::memcpy(raw.data(), static_cast<const uint8_t*>(data) + r * rb, static_cast<size_t>(rb));
    dequantize_row(dtype, raw.data(), v.data() + r * cols, cols);
  }
  return v;
}

}  // namespace

std::optional<std::string> vision_name_from_hf(const std::string& hf) {
  if (hf == "multi_modal_projector.mm_input_projection_weight" ||
      hf == "model.multi_modal_projector.mm_input_projection_weight")
    return "mm.input_projection.weight";
  if (hf == "multi_modal_projector.mm_soft_emb_norm.weight" || hf == "model.multi_modal_projector.mm_soft_emb_norm.weight")
    return "mm.soft_emb_norm.weight";
  std::string rest;
  for (const char* prefix : {"model.vision_tower.vision_model.", "vision_tower.vision_model.", "model.vision_tower.",
                             "vision_tower."})
    if (hf.rfind(prefix, 0) == 0) {
      rest = hf.substr(std::strlen(prefix));
      break;
    }
  if (rest.empty()) return std::nullopt;
  static const std::map<std::string, std::string> fixed = {
      {"embeddings.patch_embedding.weight", "v.patch_embd.weight"},
      {"embeddings.patch_embedding.bias", "v.patch_embd.bias"},
      {"embeddings.position_embedding.weight", "v.position_embd.weight"},
      {"post_layernorm.weight", "v.post_ln.weight"},
      {"post_layernorm.bias", "v.post_ln.bias"},
  };
  if (auto it = fixed.find(rest); it != fixed.end()) return it->second;
  if (rest.rfind("encoder.layers.", 0) != 0) throw std::runtime_error("unexpected vision tensor '" + hf + "'");
  const size_t dot = rest.find('.', 15);
  const std::string n = rest.substr(15, dot == std::string::npos ? std::string::npos : dot - 15);
  const std::string part = dot == std::string::npos ? "" : rest.substr(dot + 1);
  const size_t last = part.rfind('.');
  const std::string module = last == std::string::npos ? "" : part.substr(0, last);
  const std::string kind = last == std::string::npos ? "" : part.substr(last + 1);
  static const std::map<std::string, std::string> table = {
      {"self_attn.q_proj", "attn_q"}, {"self_attn.k_proj", "attn_k"},   {"self_attn.v_proj", "attn_v"},
      {"self_attn.out_proj", "attn_out"}, {"layer_norm1", "ln1"},       {"layer_norm2", "ln2"},
      {"mlp.fc1", "ffn_up"},          {"mlp.fc2", "ffn_down"},
  };
  auto it = table.find(module);
  if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos || it == table.end() ||
      (kind != "weight" && kind != "bias"))
    throw std::runtime_error("unexpected vision tensor '" + hf + "'");
  return "v.blk." + n + "." + it->second + "." + kind;
}

void Model::add_vision_tensor(const std::string& name, std::vector<int64_t> shape, DType dtype, const void* data,
                              const std::string& origin) {
  if (weights_.count(name)) throw std::runtime_error(origin + ": vision tensor '" + name + "' appears twice");
  TensorDesc t;
  t.name = name;
  t.role = TensorRole::weight;
  t.dtype = dtype;
  t.data = data;
  if (name == "v.patch_embd.weight") {
    // [D, 3, p, p] (conv weight): rows of 3 * p * p values in (channel, y, x) order, as image_patches lays out.
    if (shape.size() != 4) throw std::runtime_error(origin + ": '" + name + "' has shape " + shape_text(shape) +
                                                    ", expected [hidden, 3, patch, patch]");
    shape = {shape[0], shape[1] * shape[2] * shape[3]};
  }
  if (shape.empty() || shape.size() > 2)
    throw std::runtime_error(origin + ": vision tensor '" + name + "' has shape " + shape_text(shape));
  t.shape = shape;
  const int64_t rows = t.rows(), cols = t.cols();
  if (name == "mm.input_projection.weight") {
    // Stored [D, H_text] and used as x @ W: transposed into the [out, in] form matmul takes.
    std::vector<float> v = to_f32(dtype, data, rows, cols);
    std::vector<float>& tr = owned_.emplace_back(v.size());
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) tr[static_cast<size_t>(c * rows + r)] = v[static_cast<size_t>(r * cols + c)];
    t.shape = {cols, rows};
    t.dtype = DType::F32;
    t.data = tr.data();
  } else if (reinterpret_cast<uintptr_t>(data) % static_cast<uintptr_t>(dtype_info(dtype).block_bytes)) {
    std::vector<float>& v = owned_.emplace_back(to_f32(dtype, data, rows, cols));
    t.dtype = DType::F32;
    t.data = v.data();
  }
  weights_[name] = std::move(t);
}

void Model::check_vision_weights() const {
  const VisionConfig& v = *vision_;
  const int64_t D = v.hidden, F = v.ffn;
  auto check = [&](const std::string& name, std::vector<int64_t> expected) {
    const TensorDesc& t = weight(name);
    if (t.shape != expected)
      throw std::runtime_error(path_ + ": tensor '" + name + "' has shape " + t.shape_string() + ", expected " +
                               shape_text(expected));
  };
  check("v.patch_embd.weight", {D, 3 * int64_t(v.patch_size) * v.patch_size});
  check("v.patch_embd.bias", {D});
  check("v.position_embd.weight", {v.n_patches(), D});
  for (int i = 0; i < v.n_layers; ++i) {
    const std::string p = "v.blk." + std::to_string(i) + ".";
    for (const char* n : {"attn_q", "attn_k", "attn_v", "attn_out"}) {
      check(p + n + ".weight", {D, D});
      check(p + n + ".bias", {D});
    }
    for (const char* n : {"ln1", "ln2"}) {
      check(p + n + ".weight", {D});
      check(p + n + ".bias", {D});
    }
    check(p + "ffn_up.weight", {F, D});
    check(p + "ffn_up.bias", {F});
    check(p + "ffn_down.weight", {D, F});
    check(p + "ffn_down.bias", {D});
  }
  check("v.post_ln.weight", {D});
  check("v.post_ln.bias", {D});
  check("mm.soft_emb_norm.weight", {D});
  check("mm.input_projection.weight", {v.text_hidden, D});
}

// The vision part of config.json (Gemma3Config: vision_config, mm_tokens_per_image, token ids); missing keys
// take the released Gemma 3 values.
void Model::load_hf_vision(Model& m, const std::string& config_json) {
  const nlohmann::json top = nlohmann::json::parse(read_file(config_json), nullptr, false);
  if (top.is_discarded() || !top.is_object()) throw std::runtime_error(config_json + ": not valid JSON");
  static const nlohmann::json kEmpty = nlohmann::json::object();
  const nlohmann::json& vj = top.contains("vision_config") && top["vision_config"].is_object() ? top["vision_config"] : kEmpty;
  auto get_int = [&](const nlohmann::json& j, const char* key, int fallback) {
    if (!j.contains(key) || j[key].is_null()) return fallback;
    if (!j[key].is_number_integer()) throw std::runtime_error(config_json + ": '" + key + "' is not an integer");
    return j[key].get<int>();
  };
  VisionConfig v;
  v.image_size = get_int(vj, "image_size", 896);
  v.patch_size = get_int(vj, "patch_size", 14);
  v.hidden = get_int(vj, "hidden_size", 1152);
  v.ffn = get_int(vj, "intermediate_size", 4304);
  v.n_layers = get_int(vj, "num_hidden_layers", 27);
  v.n_head = get_int(vj, "num_attention_heads", 16);
  if (vj.contains("layer_norm_eps") && vj["layer_norm_eps"].is_number()) v.eps = vj["layer_norm_eps"].get<float>();
  if (vj.contains("num_channels") && get_int(vj, "num_channels", 3) != 3)
    throw std::runtime_error(config_json + ": vision num_channels must be 3");
  v.tokens_per_image = get_int(top, "mm_tokens_per_image", 256);
  v.text_hidden = m.config_.hidden;
  v.boi_id = get_int(top, "boi_token_index", 255999);
  v.eoi_id = get_int(top, "eoi_token_index", 256000);
  v.soft_id = get_int(top, "image_token_index", get_int(top, "image_token_id", 262144));
  v.validate(config_json);
  m.vision_ = v;
}

void Model::load_mmproj(Model& m, const std::string& path) {
  m.mmproj_ = std::make_unique<GgufFile>(path);
  const GgufFile& g = *m.mmproj_;
  std::string type;
  if (g.has("clip.projector_type")) type = g.get_string("clip.projector_type");
  else if (g.has("clip.vision.projector_type")) type = g.get_string("clip.vision.projector_type");
  if (type != "gemma3")
    throw std::runtime_error(path + ": projector type '" + type + "', expected 'gemma3' (a Gemma 3 mmproj GGUF)");
  auto u = [&](const std::string& key) { return static_cast<int>(g.get_uint(key)); };
  VisionConfig v;
  v.image_size = u("clip.vision.image_size");
  v.patch_size = u("clip.vision.patch_size");
  v.hidden = u("clip.vision.embedding_length");
  v.ffn = u("clip.vision.feed_forward_length");
  v.n_layers = u("clip.vision.block_count");
  v.n_head = u("clip.vision.attention.head_count");
  v.eps = static_cast<float>(g.find_float("clip.vision.attention.layer_norm_epsilon").value_or(1e-6));
  v.text_hidden = u("clip.vision.projection_dim");
  if (v.text_hidden != m.config_.hidden)
    throw std::runtime_error(path + ": projection_dim " + std::to_string(v.text_hidden) + " does not match the text model's " +
                             std::to_string(m.config_.hidden) + " (" + m.path_ + ")");
  const int kernel = static_cast<int>(g.find_uint("clip.vision.projector.scale_factor").value_or(4));
  if (kernel <= 0 || v.patch_size <= 0 || (v.image_size / v.patch_size) % kernel)
    throw std::runtime_error(path + ": pooling factor " + std::to_string(kernel) + " does not divide the patch grid");
  const int side = v.image_size / v.patch_size / kernel;
  v.tokens_per_image = side * side;
  v.boi_id = m.tokenizer_->find_token("<start_of_image>").value_or(-1);
  v.eoi_id = m.tokenizer_->find_token("<end_of_image>").value_or(-1);
  v.soft_id = m.tokenizer_->find_token("<image_soft_token>").value_or(m.config_.vocab_size);
  v.validate(path);
  m.vision_ = v;
  for (const GgufTensor& t : g.tensors()) {
    if (t.name.rfind("v.", 0) != 0 && t.name.rfind("mm.", 0) != 0) continue;
    std::vector<int64_t> shape(t.dims.rbegin(), t.dims.rend());  // ggml order reversed
    m.add_vision_tensor(t.name, shape, t.type, t.data, path);
  }
}

}  // namespace vkg
