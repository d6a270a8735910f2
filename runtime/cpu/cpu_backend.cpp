#include "runtime/cpu/cpu_backend.h"

#include <algorithm>
#include <set>
#include <chrono>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "runtime/cpu/kernels.h"
#include "runtime/cpu/op_kernel.h"
#include "runtime/cpu/matmul_bf16.h"
#include "runtime/cpu/matmul_fast.h"
#include "runtime/quant/quant.h"
#include "runtime/platform/memory.h"

namespace vkg::cpu {

CpuBackend::CpuBackend(const BackendOptions& options)
    : Backend(options),
      pool_(options.n_threads),
      profiling_(options.profile),
      matmul_mode_(options.exact_matmul ? MatmulMode::exact : MatmulMode::fast),
      pack_cache_path_(options.pack_cache_path),
      pack_cache_identity_(options.pack_cache_identity) {}

uint64_t CpuBackend::memory_bytes() const { return physical_memory_bytes(); }

// The weight of each matmul node, in node order.
static std::vector<const TensorDesc*> matmul_weights(const Graph& g) {
  std::vector<const TensorDesc*> w;
  for (const Node& node : g.nodes())
    if (std::holds_alternative<MatmulParams>(node.params) || std::holds_alternative<MatmulGegluParams>(node.params) ||
        std::holds_alternative<MatmulNormAddParams>(node.params))
      w.push_back(&g.tensor(node.inputs[1]));
    else if (std::holds_alternative<NormMatmulParams>(node.params))
      w.push_back(&g.tensor(node.inputs[2]));
    else if (std::holds_alternative<NormGateUpParams>(node.params))
      w.push_back(&g.tensor(node.inputs[2])), w.push_back(&g.tensor(node.inputs[3]));
  return w;
}

void CpuBackend::load(const Graph& g) {
  std::vector<const TensorDesc*> to_pack;
  for (const TensorDesc* w : matmul_weights(g))
    if (packs(*w) && !packed_weights_.count(w->data) &&
        std::find(to_pack.begin(), to_pack.end(), w) == to_pack.end())
      to_pack.push_back(w);
  if (to_pack.empty() || pack_cache_path_.empty()) {
    for (const TensorDesc* w : to_pack) packed_weight(*w);
    return;
  }
  if (!pack_cache_) pack_cache_ = std::make_unique<PackCache>(pack_cache_path_, pack_cache_identity_);
  size_t mapped = 0;
  for (const TensorDesc* w : to_pack) {
    if (std::optional<PackedWeights> p = pack_cache_->find(*w)) {
      packed_weights_.emplace(w->data, std::move(*p));
      ++mapped;
    } else {
      packed_weight(*w);
    }
  }
  if (mapped == to_pack.size()) {
    notices_.push_back("packed weights mapped from " + pack_cache_path_);
    return;
  }
  std::vector<std::pair<const TensorDesc*, const PackedWeights*>> all;
  for (const TensorDesc* w : to_pack) all.emplace_back(w, &packed_weights_.at(w->data));
  const std::string why = pack_cache_->write(all);
  notices_.push_back(why.empty() ? "packed weights written to " + pack_cache_path_ + " (the next run maps them)"
                                 : "packed weights not cached: " + why);
}

std::string CpuBackend::step_summary(const Graph& g) const {
  std::string s = matmul_mode_ == MatmulMode::exact ? "exact fp32 matmuls" : "fast matmuls (8-bit activations)";
  const std::vector<const TensorDesc*> weights = matmul_weights(g);
  const auto packed = std::count_if(weights.begin(), weights.end(), [&](const TensorDesc* w) { return packs(*w); });
  if (packed > 0)
    s += ", " + std::to_string(packed) + " of " + std::to_string(weights.size()) + " weights packed by 8 rows";
  const bool bf16 =
      std::any_of(weights.begin(), weights.end(), [](const TensorDesc* w) { return w->dtype == DType::BF16; });
  if (matmul_mode_ == MatmulMode::fast && bf16 && bf16_dot_supported())
    s += ", BF16 prompts with bf16 activations (AVX512_BF16)";
  return s + ", SIMD " + fast_matmul_target() + ", " + std::to_string(pool_.size()) + " threads";
}

uint64_t CpuBackend::allocated_bytes() const {
  const MemoryParts m = memory_parts();
  return m.repacked + m.kv_cache + m.activations;
}

Backend::MemoryParts CpuBackend::memory_parts() const {
  MemoryParts m;  // weights: none of its own, the kernels read the mapped file (or the packs)
  for (const auto& a : activations_) m.activations += a.size() * 4;
  for (const auto& [id, set] : parked_)
    for (const auto& a : set) m.activations += a.size() * 4;
  for (const auto& [name, c] : kv_caches_) m.kv_cache += c.size() * 4;
  for (const auto& [data, w] : f32_weights_) m.repacked += w.size() * 4;
  for (const auto& [data, w] : packed_weights_) {
    m.repacked += w.data.size();
    if (!w.data.owned()) m.repacked_mapped += w.data.size();
  }
  return m;
}

// With BackendOptions::max_memory, a new graph's buffers must fit before any is allocated (the OS would
// overcommit rather than fail, so the cap is checked here).
void CpuBackend::check_memory(const Graph& g) const {
  if (max_memory_ == 0) return;
  // Everything held stays: run() has already parked the previous graph's buffers with the others.
  const uint64_t kept = allocated_bytes();
  uint64_t activations = 0, caches = 0;
  uint64_t packed = 0;  // matmul weights this graph packs first (the same bytes as the tensor's), each once
  std::set<const void*> to_pack;
  for (const TensorDesc* w : matmul_weights(g))
    if (packs(*w) && !packed_weights_.count(w->data) && to_pack.insert(w->data).second)
      packed += static_cast<uint64_t>(w->rows()) * static_cast<uint64_t>(row_bytes(w->dtype, w->cols()));
  for (const TensorDesc& t : g.tensors()) {
    const uint64_t bytes = static_cast<uint64_t>(t.elements()) * 4;
    if (t.role == TensorRole::kv_cache) {
      auto it = kv_caches_.find(t.name);
      if (it == kv_caches_.end() || it->second.size() * 4 != bytes) caches += bytes;
    } else if (t.role != TensorRole::weight) {
      activations += bytes;
    }
  }
  if (kept + activations + caches + packed > max_memory_)
    throw std::runtime_error("cpu backend: a step of " + std::to_string(g.n_tokens()) + " token(s) needs " +
                             format_bytes(activations) + " of activations + " + format_bytes(caches) +
                             " of new KV cache + " + format_bytes(packed) + " of packed weights beside the " +
                             format_bytes(kept) + " held, more than the " + format_bytes(max_memory_) +
                             " memory cap");
}

void CpuBackend::reset_cache() {
  for (auto& [name, cache] : kv_caches_) std::fill(cache.begin(), cache.end(), 0.0f);
}

float* CpuBackend::buffer(const Graph& g, TensorId id) {
  const TensorDesc& t = g.tensor(id);
  if (t.role == TensorRole::kv_cache) {
    // A cache that grew with the sequence keeps its rows in place (the session grows a sliding layer's ring
    // only while no position has wrapped, so slot = position in what is kept).
    AlignedVector<float>& cache = kv_caches_[t.name];
    if (cache.size() != static_cast<size_t>(t.elements())) cache.resize(static_cast<size_t>(t.elements()), 0.0f);
    return cache.data();
  }
  AlignedVector<float>& a = activations_[static_cast<size_t>(id)];
  if (a.size() != static_cast<size_t>(t.elements())) a.assign(static_cast<size_t>(t.elements()), 0.0f);
  return a.data();
}

const float* CpuBackend::f32_weight(const TensorDesc& t) {
  if (t.dtype == DType::F32) return static_cast<const float*>(t.data);
  auto it = f32_weights_.find(t.data);
  if (it != f32_weights_.end()) return it->second.data();
  AlignedVector<float> v(static_cast<size_t>(t.elements()));
  dequantize_rows(t.dtype, t.data, t.rows(), t.cols(), v.data());
  return f32_weights_.emplace(t.data, std::move(v)).first->second.data();
}

bool CpuBackend::packs(const TensorDesc& t) const {
  return matmul_mode_ == MatmulMode::fast && fast_matmul_packs(t.dtype) && t.rows() >= kPackedRows &&
         t.cols() % 32 == 0;
}

const PackedWeights* CpuBackend::packed_weight(const TensorDesc& t) {
  if (!packs(t)) return nullptr;
  auto it = packed_weights_.find(t.data);
  if (it == packed_weights_.end()) {
    // The packed copy is what the kernels read: pack_weights releases the mapped file's pages as it goes (the
    // few rows read from the tensor itself, an embedding row or a last partial group, fault back in).
    it = packed_weights_.emplace(t.data, pack_weights(t, &pool_)).first;
  }
  return &it->second;
}

void CpuBackend::forget(const Graph& g) {
  parked_.erase(g.id());
  if (g.id() == last_graph_) activations_.clear(), last_graph_ = 0;
}

void CpuBackend::run(const Graph& g, const StepInputs& in) {
  // Each graph keeps its buffers: a decode step repeats one graph, and a session alternates a few (a prompt's,
  // the decode step's). Reallocating a prompt's buffers after every generation cost page faults and zeroing:
  // pp128 at 0.7x in a bench that also generates.
  if (g.id() != last_graph_) {
    if (last_graph_ != 0) parked_[last_graph_] = std::move(activations_);
    last_graph_ = 0;
    auto it = parked_.find(g.id());
    if (it != parked_.end()) {
      activations_ = std::move(it->second);
      parked_.erase(it);
    } else {
      activations_.clear();
      check_memory(g);
      activations_.assign(g.tensors().size(), {});
    }
    last_graph_ = g.id();
  }
  i32_inputs_.clear();
  for (size_t i = 0; i < g.tensors().size(); ++i) {
    const TensorDesc& t = g.tensors()[i];
    if (t.role != TensorRole::input) continue;
    const TensorId id = static_cast<TensorId>(i);
    const void* data = step_input_data(g, id, in);
    const size_t n = static_cast<size_t>(t.elements());
    if (t.dtype == DType::I32) {
      const int32_t* p = static_cast<const int32_t*>(data);
      i32_inputs_[id].assign(p, p + n);
    } else {
      std::memcpy(buffer(g, id), data, n * sizeof(float));
    }
  }
  const std::vector<int> last_use = g.reuse_activations ? g.last_uses() : std::vector<int>{};
  for (const Node& node : g.nodes()) {
    const auto t0 = std::chrono::steady_clock::now();
    try {
      const CpuNode cpu_node(*this, g, node, buffer(g, node.output));
      std::visit([&](const auto& p) { run_op(p, cpu_node); }, node.params);
    } catch (const std::exception& e) {
      throw std::runtime_error("cpu backend, node '" + node.name + "': " + e.what());
    }
    if (g.reuse_activations)  // free what no later node reads (outputs and inputs stay readable)
      for (TensorId in : node.inputs) {
        const TensorDesc& t = g.tensor(in);
        if (t.role == TensorRole::activation && last_use[static_cast<size_t>(in)] == static_cast<int>(&node - g.nodes().data()))
          AlignedVector<float>().swap(activations_[static_cast<size_t>(in)]);
      }
    if (profiling_)
      profile_.add(profile_key(g, node),
                   std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
}

const float* CpuNode::in(size_t i) const {
  const TensorDesc& t = desc(i);
  if (t.role == TensorRole::weight) return backend_.f32_weight(t);
  return backend_.buffer(graph_, node_.inputs[i]);
}

float* CpuNode::cache(size_t i) const {
  if (desc(i).role != TensorRole::kv_cache)
    throw std::runtime_error("node '" + node_.name + "': input '" + desc(i).name + "' is written, but is no KV cache");
  return backend_.buffer(graph_, node_.inputs[i]);
}

const int32_t* CpuNode::ints(size_t i) const {
  auto it = backend_.i32_inputs_.find(node_.inputs[i]);
  if (it == backend_.i32_inputs_.end())
    throw std::runtime_error("input '" + desc(i).name + "' must be an i32 graph input");
  return it->second.data();
}

const PackedWeights* CpuNode::packed(size_t i) const { return backend_.packed_weight(desc(i)); }
ThreadPool& CpuNode::pool() const { return backend_.pool_; }
MatmulMode CpuNode::matmul_mode() const { return backend_.matmul_mode_; }

std::vector<float> CpuBackend::read(const Graph& g, TensorId id) const {
  const TensorDesc& t = g.tensor(id);
  if (t.role == TensorRole::kv_cache) {
    auto it = kv_caches_.find(t.name);
    if (it == kv_caches_.end()) throw std::runtime_error("cpu backend: no cache '" + t.name + "'");
    return std::vector<float>(it->second.begin(), it->second.end());
  }
  if (g.id() != last_graph_ || static_cast<size_t>(id) >= activations_.size() ||
      activations_[static_cast<size_t>(id)].empty())
    throw std::runtime_error("cpu backend: tensor '" + t.name + "' was not computed by the last run");
  const AlignedVector<float>& a = activations_[static_cast<size_t>(id)];
  return std::vector<float>(a.begin(), a.end());
}

}  // namespace vkg::cpu
