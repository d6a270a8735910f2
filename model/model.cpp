#include "model/model.h"

#include <stdexcept>

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

void check_weights(const Model& m) {
  const GemmaConfig& c = m.config();
  const int64_t H = c.hidden, I = c.ffn, q = int64_t(c.n_head) * c.head_dim, kv = int64_t(c.n_kv_head) * c.head_dim;
  check_shape(m, "token_embd.weight", {c.vocab_size, H});
  check_shape(m, "output_norm.weight", {H});
  for (int i = 0; i < c.n_layers; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    check_shape(m, p + "attn_norm.weight", {H});
    check_shape(m, p + "attn_q.weight", {q, H});
    check_shape(m, p + "attn_k.weight", {kv, H});
    check_shape(m, p + "attn_v.weight", {kv, H});
    check_shape(m, p + "attn_output.weight", {H, q});
    check_shape(m, p + "ffn_norm.weight", {H});
    check_shape(m, p + "ffn_gate.weight", {I, H});
    check_shape(m, p + "ffn_up.weight", {I, H});
    check_shape(m, p + "ffn_down.weight", {H, I});
    if (c.qk_norm) {
      check_shape(m, p + "attn_q_norm.weight", {c.head_dim});
      check_shape(m, p + "attn_k_norm.weight", {c.head_dim});
    }
    if (c.post_norms) {
      check_shape(m, p + "post_attention_norm.weight", {H});
      check_shape(m, p + "post_ffw_norm.weight", {H});
    }
  }
}

}  // namespace

std::unique_ptr<Model> Model::load(const std::string& path) {
  auto m = std::make_unique<Model>();
  m->path_ = path;
  m->gguf_ = std::make_unique<GgufFile>(path);
  m->config_ = config_from_gguf(*m->gguf_);
  for (const GgufTensor& g : m->gguf_->tensors()) {
    TensorDesc t;
    t.name = g.name;
    for (auto it = g.dims.rbegin(); it != g.dims.rend(); ++it) t.shape.push_back(*it);  // ggml order reversed
    t.dtype = g.type;
    t.role = TensorRole::weight;
    t.data = g.data;
    m->weights_[g.name] = std::move(t);
  }
  check_weights(*m);
  m->tokenizer_ = std::make_unique<Tokenizer>(Tokenizer::from_gguf(*m->gguf_));
  if (m->tokenizer_->vocab_size() != m->config_.vocab_size)
    throw std::runtime_error(path + ": tokenizer has " + std::to_string(m->tokenizer_->vocab_size()) +
                             " tokens but token_embd.weight has " + std::to_string(m->config_.vocab_size) + " rows");
  m->config_.end_of_turn_id = m->tokenizer_->find_token("<end_of_turn>").value_or(-1);
  return m;
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

}  // namespace vkg
