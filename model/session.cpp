#include "model/session.h"

#include <algorithm>
#include <stdexcept>

#include "runtime/bytes.h"
#include "runtime/platform/memory.h"

namespace vkg {

Session::Session(const Model& model, const SessionOptions& o) : model_(model), max_memory_(o.max_memory) {
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
  bo.max_memory = o.max_memory;
  std::string notice;
  backend_ = make_backend(o.backend, bo, &notice);
  if (!notice.empty()) notices_.push_back(notice);

  kv_.context = o.context > 0 ? o.context : model_ctx;
  kv_.max_batch = std::max(1, std::min(o.max_batch, kv_.context));
  if (o.context == 0) {
    // The model's context, halved until the KV cache takes at most a quarter of the backend's memory and
    // each layer's cache fits one backend tensor.
    const uint64_t budget = backend_->memory_budget() / 4;
    const uint64_t per_token = uint64_t(c.n_kv_head) * c.head_dim * 4;
    while (kv_.context > 1024 && ((budget > 0 && uint64_t(kv_.bytes(c)) > budget) ||
                                  uint64_t(kv_.context) * per_token > backend_->max_tensor_bytes()))
      kv_.context /= 2;
    kv_.max_batch = std::max(1, std::min(o.max_batch, kv_.context));
    if (kv_.context < model_ctx)
      notices_.push_back("context " + std::to_string(kv_.context) + " tokens of the model's " +
                         std::to_string(model_ctx) + ", so the KV cache fits this device (use --ctx N to choose)");
  }
  check_memory();
}

namespace {

// Activation bytes of one step graph (what a backend allocates besides weights and caches).
uint64_t activation_bytes(const Graph& g) {
  uint64_t n = 0;
  for (const TensorDesc& t : g.tensors())
    if (t.role != TensorRole::weight && t.role != TensorRole::kv_cache) n += static_cast<uint64_t>(t.elements()) * 4;
  return n;
}

bool is_float_matrix(const std::string& name, const TensorDesc& t) {
  const bool norm = name.size() >= 11 && name.compare(name.size() - 11, 11, "norm.weight") == 0;
  return !norm && t.shape.size() == 2 && t.cols() % 32 == 0 &&
         (t.dtype == DType::F32 || t.dtype == DType::F16 || t.dtype == DType::BF16);
}

}  // namespace

MemoryNeed Session::memory_needed() {
  MemoryNeed n;
  n.weights = static_cast<uint64_t>(model_.weight_bytes());
  n.kv_cache = static_cast<uint64_t>(kv_.bytes(model_.config()));
  // The prefill and the decode graphs are both kept prepared (Vulkan).
  n.activations = activation_bytes(graph(kv_.max_batch, false)) +
                  (kv_.max_batch > 1 ? activation_bytes(graph(1, false)) : 0);
  return n;
}

void Session::check_memory() {
  const uint64_t budget = backend_->memory_budget();
  if (budget == 0) return;  // unknown: the backends' own checks still apply
  const GemmaConfig& c = model_.config();
  const MemoryNeed n = memory_needed();
  const uint64_t weights = n.weights, kv = n.kv_cache, acts = n.activations, need = n.total();
  const uint64_t used = backend_->allocated_bytes();
  const uint64_t available = budget > used ? budget - used : 0;
  if (need <= available) return;

  // What would fit: a shorter context, quantized weights, the CPU backend.
  std::vector<std::string> tries;
  if (weights + acts < available) {
    KvLayout smaller = kv_;
    while (smaller.context > 16 && weights + acts + uint64_t(smaller.bytes(c)) > available) smaller.context /= 2;
    if (smaller.context < kv_.context && weights + acts + uint64_t(smaller.bytes(c)) <= available)
      tries.push_back("--ctx " + std::to_string(smaller.context));
  }
  uint64_t q4_weights = 0;
  bool has_float = false;
  for (const auto& [name, t] : model_.weights()) {
    const bool f = is_float_matrix(name, t);
    has_float = has_float || f;
    q4_weights += f ? static_cast<uint64_t>(row_bytes(DType::Q4_0, t.cols()) * t.rows())
                    : static_cast<uint64_t>(row_bytes(t.dtype, t.cols()) * t.rows());
  }
  if (has_float && q4_weights + kv + acts <= available) tries.push_back("a quantized model (--quant q4_0)");
  if (backend_->name() != "cpu") {
    const uint64_t host = physical_memory_bytes();
    const uint64_t host_budget = max_memory_ && max_memory_ < host ? max_memory_ : host;
    if (host_budget >= need) tries.push_back("--backend cpu");
  }
  std::string msg = "model needs " + format_bytes(need) + " of memory (weights " + format_bytes(weights) +
                    " + KV cache " + format_bytes(kv) + " for " + std::to_string(kv_.context) + " tokens + activations " +
                    format_bytes(acts) + "), backend " + backend_->name() + " has " + format_bytes(available) +
                    " available";
  if (max_memory_ && budget == max_memory_) msg += " (capped by --max-memory)";
  if (!tries.empty()) {
    msg += ": try ";
    for (size_t i = 0; i < tries.size(); ++i)
      msg += (i == 0 ? "" : i + 1 == tries.size() ? " or " : ", ") + tries[i];
  } else {
    msg += ": it does not fit even with a small context; use a device with more memory";
  }
  throw std::runtime_error(msg);
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
