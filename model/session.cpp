#include "model/session.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "model/image.h"
#include "model/per_layer_embeddings.h"
#include "runtime/bytes.h"
#include "runtime/platform/memory.h"

namespace vkg {

Session::Session(const Model& model, const SessionOptions& o)
    : model_(model), max_memory_(o.max_memory), kv_page_(o.kv_page) {
  const GemmaConfig& c = model.config();
  const int model_ctx = c.context_length;
  if (o.context < 0) throw std::runtime_error("context must be positive, got " + std::to_string(o.context));
  if (o.kv_page < 1) throw std::runtime_error("KV page must be positive, got " + std::to_string(o.kv_page));
  if (o.context > model_ctx)
    throw std::runtime_error("context " + std::to_string(o.context) + " exceeds the model's " +
                             std::to_string(model_ctx) + " tokens");
  BackendOptions bo;
  bo.n_threads = o.n_threads;
  bo.exact_matmul = o.exact_matmul;
  bo.device = o.device;
  bo.validation = o.validation;
  bo.profile = o.profile;
  bo.renderdoc_capture = o.renderdoc_capture;
  const int64_t total = model.device_weight_bytes();
  if (o.progress)
    bo.on_weight_upload = [done = std::make_shared<int64_t>(0), total, progress = o.progress](uint64_t bytes) {
      *done = std::min<int64_t>(total, *done + static_cast<int64_t>(bytes));
      progress(*done, total);
    };
  bo.max_memory = o.max_memory;
  if (o.pack_cache && !o.exact_matmul) {
    bo.pack_cache_path = pack_cache_path(model.path());
    bo.pack_cache_identity = model.source_identity();
  }
  std::string notice;
  backend_ = make_backend(o.backend, bo, &notice);
  if (!notice.empty()) notices_.push_back(notice);

  if (o.sequences < 1 || o.sequences > 256)
    throw std::runtime_error("sequences must be 1..256, got " + std::to_string(o.sequences));
  kv_.sequences = o.sequences;
  positions_.assign(size_t(o.sequences), 0);
  kv_.context = o.context > 0 ? o.context : model_ctx;
  // An image's tokens must go in one step (they attend to each other): batches hold at least one image.
  const int min_batch = model.vision() ? model.vision()->tokens_per_image : 1;
  kv_.max_batch = std::max(1, std::min(std::max(o.max_batch, min_batch), kv_.context));
  if (o.context == 0) {
    // The model's context, halved until the KV cache takes at most a quarter of the backend's memory and
    // each layer's cache fits one backend tensor.
    const uint64_t budget = backend_->memory_budget() / 4;
    const uint64_t per_token = uint64_t(c.n_kv_head) * c.head_dim * 4 * uint64_t(kv_.sequences);
    while (kv_.context > 1024 && ((budget > 0 && uint64_t(kv_.full_bytes(c)) > budget) ||
                                  uint64_t(kv_.context) * per_token > backend_->max_tensor_bytes()))
      kv_.context /= 2;
    kv_.max_batch = std::max(1, std::min(std::max(o.max_batch, min_batch), kv_.context));
    if (kv_.context < model_ctx)
      notices_.push_back("context " + std::to_string(kv_.context) + " tokens of the model's " +
                         std::to_string(model_ctx) + (kv_.sequences > 1 ? " per sequence" : "") +
                         ", so the KV cache fits this device (use --ctx N to choose)");
  }
  // The caches start with one page and grow with the sequence (the memory check above counts them whole).
  kv_.allocated = std::min(kv_.context, kv_page_);
  check_memory();  // before anything is uploaded
  backend_->load(graph(1, false));
  for (const std::string& line : backend_->notices()) notices_.push_back(line);
  if (o.progress) o.progress(total, total);
}

std::string pack_cache_path(const std::string& model_path) {
  std::error_code ec;
  if (std::filesystem::is_directory(model_path, ec))
    return (std::filesystem::path(model_path) / "vkgemma-cpu-packs").string();
  return model_path + ".vkgemma-cpu-packs";
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
  // The CPU reads the mapped file; a device holds all but the host-only tables.
  n.weights = static_cast<uint64_t>(backend_->name() == "cpu" ? model_.weight_bytes() : model_.device_weight_bytes());
  n.kv_cache = static_cast<uint64_t>(kv_.full_bytes(model_.config()));
  // The prefill graphs (a full batch without logits before the last batch of a long prompt, then the last
  // one with them) and the decode graph are all kept prepared (Vulkan).
  n.activations = activation_bytes(graph(kv_.max_batch, false)) +
                  (kv_.max_batch > 1 ? activation_bytes(graph(kv_.max_batch, false, false, 0, false)) +
                                           activation_bytes(graph(1, false))
                                     : 0);
  // eval_batch's step for every sequence at once (with every token's logits).
  if (kv_.sequences > 1) n.activations += activation_bytes(graph(std::min(kv_.sequences, kv_.max_batch), true));
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
    while (smaller.context > 16 && weights + acts + uint64_t(smaller.full_bytes(c)) > available) smaller.context /= 2;
    if (smaller.context < kv_.context && weights + acts + uint64_t(smaller.full_bytes(c)) <= available)
      tries.push_back("--ctx " + std::to_string(smaller.context));
  }
  if (kv_.sequences > 1 && weights + acts + kv / uint64_t(kv_.sequences) <= available)
    tries.push_back("fewer sequences (serve --parallel 1: each sequence has a KV cache of the whole context)");
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
                    " + KV cache " + format_bytes(kv) + " for " +
                    (kv_.sequences > 1 ? std::to_string(kv_.sequences) + " sequences of " : std::string()) +
                    std::to_string(kv_.context) + " tokens + activations " +
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

const Graph& Session::graph(int n_tokens, bool all_logits, bool image_rows, int top_k, bool logits, bool greedy_rows) {
  if (all_logits || !logits) top_k = 0;
  if (!logits) all_logits = false;
  greedy_rows = greedy_rows && all_logits;
  auto key = std::make_tuple(n_tokens, all_logits, image_rows, top_k, logits, greedy_rows);
  auto it = graphs_.find(key);
  if (it != graphs_.end()) return it->second;
  BuildOptions b;
  b.n_tokens = n_tokens;
  b.all_logits = all_logits;
  // one more small dispatch, so a greedy step reads back one id (greedy_rows: one per row)
  b.greedy = (logits && !all_logits && top_k == 0) || greedy_rows;
  b.top_k = top_k;
  b.logits = logits;
  b.image_rows = image_rows;
  b.kv = kv_;
  return graphs_.emplace(key, build_gemma_graph(model_, b)).first->second;
}

std::vector<float> Session::encode_image(const std::vector<float>& pixels) {
  const VisionConfig* v = model_.vision();
  if (!v && model_.config().generation == Generation::gemma4)
    throw std::runtime_error(model_.path() + ": image input for Gemma 4 is not supported yet (its text decoder is)");
  if (!v) throw std::runtime_error(model_.path() + ": this model has no vision tower (for a GGUF model, pass --mmproj)");
  if (!vision_graph_) vision_graph_ = std::make_unique<Graph>(build_vision_graph(model_));
  StepInputs in;
  in.floats["patches"] = image_patches(pixels, v->image_size, v->patch_size);
  const int T = v->n_patches();
  for (int i = 0; i < T; ++i) in.positions.push_back(i);
  in.key_end.assign(static_cast<size_t>(T), T - 1);  // every patch sees every patch
  backend_->run(*vision_graph_, in);
  return backend_->read(*vision_graph_, vision_graph_->logits);
}

const Graph& Session::forward(const std::vector<int>& tokens, bool all_logits, std::vector<float>* all,
                              const std::vector<std::vector<float>>& images, int top_k, bool want_logits) {
  if (tokens.empty()) throw std::runtime_error("eval: no tokens");
  int& position = positions_[size_t(sequence_)];
  if (position + static_cast<int64_t>(tokens.size()) > kv_.context)
    throw std::runtime_error("context full: " + std::to_string(position) + " tokens in the cache + " +
                             std::to_string(tokens.size()) + " new exceed the context of " +
                             std::to_string(kv_.context) + " tokens (use --ctx to raise it)");
  const GemmaConfig& c = model_.config();
  const int vocab = c.vocab_size;

  // Image tokens: each run of soft tokens is one image; it must be whole and go in one step.
  const size_t n_tok = tokens.size();
  std::vector<int> image_of(n_tok, -1), block_end(n_tok, -1);  // per token: image index, last index of its run
  if (!images.empty()) {
    const VisionConfig* v = model_.vision();
    if (!v && c.generation == Generation::gemma4)
      throw std::runtime_error(model_.path() + ": image input for Gemma 4 is not supported yet (its text decoder is)");
    if (!v) throw std::runtime_error(model_.path() + ": images given, but the model has no vision tower");
    const size_t rows = size_t(v->tokens_per_image), width = size_t(c.hidden);
    int k = 0;
    for (size_t i = 0; i < n_tok;) {
      if (tokens[i] != v->soft_id) {
        ++i;
        continue;
      }
      size_t e = i;
      while (e < n_tok && tokens[e] == v->soft_id) ++e;
      if (e - i != rows)
        throw std::runtime_error("prompt: a run of " + std::to_string(e - i) + " image tokens at token " +
                                 std::to_string(i) + ", expected " + std::to_string(rows) + " per image");
      if (k >= static_cast<int>(images.size()))
        throw std::runtime_error("prompt: more image slots than the " + std::to_string(images.size()) + " image(s) given");
      if (images[size_t(k)].size() != rows * width)
        throw std::runtime_error("image " + std::to_string(k) + ": " + std::to_string(images[size_t(k)].size()) +
                                 " embedding values, expected " + std::to_string(rows * width));
      for (size_t j = i; j < e; ++j) image_of[j] = k, block_end[j] = static_cast<int>(e - 1);
      ++k, i = e;
    }
    if (k != static_cast<int>(images.size()))
      throw std::runtime_error("prompt: " + std::to_string(images.size()) + " image(s) given but " + std::to_string(k) +
                               " image slot(s) in the tokens");
  }

  // With every token's logits, a batch's [n, vocab] output must fit one backend tensor.
  size_t batch = static_cast<size_t>(kv_.max_batch);
  if (all_logits) batch = std::max<size_t>(1, std::min<uint64_t>(batch, backend_->max_tensor_bytes() / (4ull * vocab)));
  const Graph* g = nullptr;
  for (size_t start = 0; start < n_tok;) {
    size_t n = std::min(batch, n_tok - start);
    // Never split an image: cut before its first token instead.
    if (start + n < n_tok && image_of[start + n] >= 0 && image_of[start + n - 1] == image_of[start + n]) {
      size_t b = start + n - 1;
      while (b > start && image_of[b - 1] == image_of[start + n]) --b;
      if (b == start)
        throw std::runtime_error("an image's " + std::to_string(model_.vision()->tokens_per_image) +
                                 " tokens exceed the batch of " + std::to_string(batch));
      n = b - start;
    }
    bool has_image = false;
    for (size_t i = start; i < start + n; ++i) has_image = has_image || image_of[i] >= 0;
    grow_cache(position + static_cast<int>(n));
    // Only the last batch's logits are read (or every batch's, with all_logits).
    const bool logits = all_logits || (want_logits && start + n == n_tok);
    g = &graph(static_cast<int>(n), all_logits, has_image, top_k, logits);
    StepInputs in;
    for (size_t i = 0; i < n; ++i) {
      const size_t t = start + i;
      const int pos = position + static_cast<int>(i);
      // The soft token's own embedding is replaced; id 0 keeps the lookup in range (as transformers does).
      in.token_ids.push_back(image_of[t] >= 0 ? 0 : tokens[t]);
      in.positions.push_back(pos);
      in.key_end.push_back(image_of[t] >= 0 ? position + (block_end[t] - static_cast<int>(start)) : pos);
    }
    in.sequence.assign(n, sequence_);
    if (c.ple_width > 0) in.floats["per_layer_tokens"] = per_layer_token_rows(model_, in.token_ids);
    if (has_image) {
      const size_t width = size_t(c.hidden), rows = size_t(model_.vision()->tokens_per_image);
      std::vector<float>& r = in.floats["image_rows"];
      std::vector<int32_t>& use = in.ints["image_row_use"];
      r.assign(n * width, 0.0f);
      use.assign(n, 0);
      for (size_t i = 0; i < n; ++i) {
        const size_t t = start + i;
        if (image_of[t] < 0) continue;
        const size_t row = rows - 1 - size_t(block_end[t] - static_cast<int>(t));
        std::copy_n(images[size_t(image_of[t])].begin() + static_cast<std::ptrdiff_t>(row * width), width,
                    r.begin() + static_cast<std::ptrdiff_t>(i * width));
        use[i] = 1;
      }
    }
    backend_->run(*g, in);
    position += static_cast<int>(n);
    start += n;
    if (all) {
      std::vector<float> l = backend_->read(*g, g->logits);
      all->insert(all->end(), l.begin(), l.end());
    }
  }
  return *g;
}

void Session::grow_cache(int positions) {
  if (positions <= kv_.held()) return;
  // At least a quarter more each time: a long generation re-plans its graphs a few dozen times, not per page.
  const int want = std::max(positions, kv_.held() + kv_.held() / 4);
  const int pages = (want + kv_page_ - 1) / kv_page_;
  for (auto& [key, g] : graphs_) backend_->forget(g);
  graphs_.clear();
  kv_.allocated = std::min(kv_.context, pages * kv_page_);
}

void Session::append(const std::vector<int>& tokens, const std::vector<std::vector<float>>& images) {
  forward(tokens, false, nullptr, images, 0, false);
}

std::vector<float> Session::eval_batch(const std::vector<int>& tokens, const std::vector<int>& sequences) {
  const Graph& g = run_batch(tokens, sequences, false);
  return backend_->read(g, g.logits);
}

std::vector<int> Session::eval_batch_greedy(const std::vector<int>& tokens, const std::vector<int>& sequences) {
  const Graph& g = run_batch(tokens, sequences, true);
  std::vector<int> ids;
  for (float id : backend_->read(g, g.greedy_token)) ids.push_back(static_cast<int>(id));
  return ids;
}

const Graph& Session::run_batch(const std::vector<int>& tokens, const std::vector<int>& sequences, bool greedy) {
  const size_t n = tokens.size();
  if (n == 0 || sequences.size() != n)
    throw std::runtime_error("eval_batch: " + std::to_string(n) + " tokens for " + std::to_string(sequences.size()) +
                             " sequences");
  if (n > size_t(kv_.max_batch))
    throw std::runtime_error("eval_batch: " + std::to_string(n) + " tokens exceed the batch of " +
                             std::to_string(kv_.max_batch));
  StepInputs in;
  int furthest = 0;
  for (size_t i = 0; i < n; ++i) {
    const int s = sequences[i];
    if (s < 0 || s >= kv_.sequences || std::count(sequences.begin(), sequences.end(), s) != 1)
      throw std::runtime_error("eval_batch: sequence " + std::to_string(s) + " is out of range 0.." +
                               std::to_string(kv_.sequences - 1) + " or given twice");
    if (positions_[size_t(s)] + 1 > kv_.context)
      throw std::runtime_error("context full: sequence " + std::to_string(s) + " holds " +
                               std::to_string(positions_[size_t(s)]) + " tokens, the context is " +
                               std::to_string(kv_.context));
    in.token_ids.push_back(tokens[i]);
    in.positions.push_back(positions_[size_t(s)]);
    in.sequence.push_back(s);
    furthest = std::max(furthest, positions_[size_t(s)] + 1);
  }
  if (model_.config().ple_width > 0) in.floats["per_layer_tokens"] = per_layer_token_rows(model_, in.token_ids);
  grow_cache(furthest);
  const Graph& g = graph(static_cast<int>(n), true, false, 0, true, greedy);
  backend_->run(g, in);
  for (int s : sequences) ++positions_[size_t(s)];
  return g;
}

void Session::select(int sequence) {
  if (sequence < 0 || sequence >= kv_.sequences)
    throw std::runtime_error("sequence " + std::to_string(sequence) + " is out of range 0.." +
                             std::to_string(kv_.sequences - 1));
  sequence_ = sequence;
}

std::vector<float> Session::eval(const std::vector<int>& tokens, bool all_logits,
                                 const std::vector<std::vector<float>>& images) {
  std::vector<float> result;
  const Graph& g = forward(tokens, all_logits, all_logits ? &result : nullptr, images);
  if (!all_logits) result = backend_->read(g, g.logits);
  return result;
}

int Session::eval_greedy(const std::vector<int>& tokens, const std::vector<std::vector<float>>& images) {
  const Graph& g = forward(tokens, false, nullptr, images);
  return static_cast<int>(backend_->read(g, g.greedy_token)[0]);
}

Session::TopLogits Session::eval_top_k(const std::vector<int>& tokens, int k,
                                       const std::vector<std::vector<float>>& images) {
  const int vocab = model_.config().vocab_size;
  if (k < 1 || k > kMaxTopK)
    throw std::runtime_error("top-k on the backend: k = " + std::to_string(k) + ", expected 1 to " + std::to_string(kMaxTopK));
  k = std::min(k, vocab);
  const Graph& g = forward(tokens, false, nullptr, images, k);
  const std::vector<float> top = backend_->read(g, g.top_logits);  // k logits, then k ids
  TopLogits r;
  r.logits.assign(top.begin(), top.begin() + k);
  for (int j = 0; j < k; ++j) r.ids.push_back(static_cast<int>(top[size_t(k + j)]));
  return r;
}

int Session::eval_sample(const std::vector<int>& tokens, Sampler& sampler,
                         const std::vector<std::vector<float>>& images) {
  if (sampler.greedy()) return eval_greedy(tokens, images);
  const int candidates = sampler.candidates_needed();  // top-k plus the penalized tokens
  if (candidates > 0 && candidates <= kMaxTopK) {
    const TopLogits top = eval_top_k(tokens, candidates, images);
    return sampler.sample_sorted(top.ids, top.logits);
  }
  return sampler.sample(eval(tokens, false, images));
}

void Session::reset() {
  positions_[size_t(sequence_)] = 0;
  // Another sequence's rows stay; a sequence's new keys are written before attention reads them, so what an
  // emptied sequence's rows still hold is never seen.
  if (kv_.sequences == 1) backend_->reset_cache();
}

}  // namespace vkg
