#include "model/session.h"

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace vkg {

Session::Session(const Model& model, const SessionOptions& o) : model_(model) {
  const GemmaConfig& c = model.config();
  const int model_ctx = c.context_length;
  if (o.context < 0) throw std::runtime_error("context must be positive, got " + std::to_string(o.context));
  if (o.context > model_ctx)
    throw std::runtime_error("context " + std::to_string(o.context) + " exceeds the model's " +
                             std::to_string(model_ctx) + " tokens");
  BackendOptions bo;
  bo.n_threads = o.n_threads;
  bo.device = o.device;
  bo.validation = o.validation;
  bo.profile = o.profile;
  bo.renderdoc_capture = o.renderdoc_capture;
  const int64_t total = model.weight_bytes();
  if (o.progress)
    bo.on_weight_upload = [done = std::make_shared<int64_t>(0), total, progress = o.progress](uint64_t bytes) {
      *done = std::min<int64_t>(total, *done + static_cast<int64_t>(bytes));
      progress(*done, total);
    };
  std::string notice;
  backend_ = make_backend(o.backend, bo, &notice);
  if (!notice.empty()) notices_.push_back(notice);

  kv_.context = o.context > 0 ? o.context : model_ctx;
  kv_.max_batch = std::max(1, std::min(o.max_batch, kv_.context));
  if (o.context == 0) {
    // The model's context, halved until the KV cache takes at most a quarter of the backend's memory and
    // each layer's cache fits one backend tensor.
    const uint64_t budget = backend_->memory_bytes() / 4;
    const uint64_t per_token = uint64_t(c.n_kv_head) * c.head_dim * 4;
    while (kv_.context > 1024 && ((budget > 0 && uint64_t(kv_.bytes(c)) > budget) ||
                                  uint64_t(kv_.context) * per_token > backend_->max_tensor_bytes()))
      kv_.context /= 2;
    kv_.max_batch = std::max(1, std::min(o.max_batch, kv_.context));
    if (kv_.context < model_ctx)
      notices_.push_back("context " + std::to_string(kv_.context) + " tokens of the model's " +
                         std::to_string(model_ctx) + ", so the KV cache fits this device (use --ctx N to choose)");
  }
  backend_->load(graph(1, false));
  if (o.progress) o.progress(total, total);
}

const Graph& Session::graph(int n_tokens, bool all_logits) {
  auto key = std::make_pair(n_tokens, all_logits);
  auto it = graphs_.find(key);
  if (it != graphs_.end()) return it->second;
  BuildOptions b;
  b.n_tokens = n_tokens;
  b.all_logits = all_logits;
  b.greedy = !all_logits;  // one more small dispatch, so a greedy step reads back one id
  b.kv = kv_;
  return graphs_.emplace(key, build_gemma_graph(model_, b)).first->second;
}

const Graph& Session::forward(const std::vector<int>& tokens, bool all_logits, std::vector<float>* all) {
  if (tokens.empty()) throw std::runtime_error("eval: no tokens");
  if (position_ + static_cast<int64_t>(tokens.size()) > kv_.context)
    throw std::runtime_error("context full: " + std::to_string(position_) + " tokens in the cache + " +
                             std::to_string(tokens.size()) + " new exceed the context of " +
                             std::to_string(kv_.context) + " tokens (use --ctx to raise it)");
  const int vocab = model_.config().vocab_size;
  // With every token's logits, a batch's [n, vocab] output must fit one backend tensor.
  size_t batch = static_cast<size_t>(kv_.max_batch);
  if (all_logits) batch = std::max<size_t>(1, std::min<uint64_t>(batch, backend_->max_tensor_bytes() / (4ull * vocab)));
  const Graph* g = nullptr;
  for (size_t start = 0; start < tokens.size(); start += batch) {
    const int n = static_cast<int>(std::min(batch, tokens.size() - start));
    g = &graph(n, all_logits);
    StepInputs in;
    for (int i = 0; i < n; ++i) {
      in.token_ids.push_back(tokens[start + i]);
      in.positions.push_back(position_ + i);
    }
    backend_->run(*g, in);
    position_ += n;
    if (all) {
      std::vector<float> l = backend_->read(*g, g->logits);
      all->insert(all->end(), l.begin(), l.end());
    }
  }
  return *g;
}

std::vector<float> Session::eval(const std::vector<int>& tokens, bool all_logits) {
  std::vector<float> result;
  const Graph& g = forward(tokens, all_logits, all_logits ? &result : nullptr);
  if (!all_logits) result = backend_->read(g, g.logits);
  return result;
}

int Session::eval_greedy(const std::vector<int>& tokens) {
  const Graph& g = forward(tokens, false, nullptr);
  return static_cast<int>(backend_->read(g, g.greedy_token)[0]);
}

void Session::reset() {
  position_ = 0;
  backend_->reset_cache();
}

}  // namespace vkg
