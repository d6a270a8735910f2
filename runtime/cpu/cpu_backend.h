// Runs a graph node by node with the CPU kernels. Every node's output is kept until the next run, so tests
// can compare any intermediate tensor.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/backend.h"
#include "runtime/cpu/aligned_vector.h"
#include "runtime/cpu/kernels.h"
#include "runtime/cpu/pack_cache.h"
#include "runtime/cpu/packed_weights.h"
#include "runtime/cpu/thread_pool.h"

namespace vkg::cpu {

class CpuBackend : public Backend {
 public:
  explicit CpuBackend(const BackendOptions& options);
  std::string name() const override { return "cpu"; }
  void run(const Graph& graph, const StepInputs& inputs) override;
  // Packs every matmul weight of `graph` now (or maps the packs from BackendOptions::pack_cache_path, writing
  // that file when it had not all of them).
  void load(const Graph& graph) override;
  void forget(const Graph& graph) override;  // its buffers freed
  std::vector<float> read(const Graph& graph, TensorId id) const override;
  void reset_cache() override;
  std::string step_summary(const Graph&) const override;  // matmul mode, SIMD target, threads
  int n_threads() const { return pool_.size(); }
  uint64_t memory_bytes() const override;
  uint64_t allocated_bytes() const override;
  MemoryParts memory_parts() const override;

 private:
  friend class CpuNode;  // op_kernel.h: a kernel's view of its inputs and output
  float* buffer(const Graph& graph, TensorId id);
  void check_memory(const Graph& graph) const;
  const float* f32_weight(const TensorDesc& t);  // small weights (norms) expanded once to fp32
  // A matmul weight packed once for the fast kernels (packed_weights.h), or null where its type has no packed
  // kernel on this CPU or the exact path runs.
  const PackedWeights* packed_weight(const TensorDesc& t);
  bool packs(const TensorDesc& t) const;  // whether packed_weight packs t

  ThreadPool pool_;
  bool profiling_ = false;
  MatmulMode matmul_mode_ = MatmulMode::fast;
  std::vector<AlignedVector<float>> activations_;  // indexed by TensorId of the last graph run
  uint64_t last_graph_ = 0;                       // its id: buffers are reused while the graph repeats
  std::map<uint64_t, std::vector<AlignedVector<float>>> parked_;  // the other graphs' buffers, by graph id
  std::map<TensorId, std::vector<int32_t>> i32_inputs_;  // every i32 graph input of this step
  std::map<std::string, AlignedVector<float>> kv_caches_;
  std::map<const void*, AlignedVector<float>> f32_weights_;
  std::map<const void*, PackedWeights> packed_weights_;
  std::string pack_cache_path_, pack_cache_identity_;
  std::unique_ptr<PackCache> pack_cache_;  // mapped: packs found in it are views of its file
};

}  // namespace vkg::cpu
