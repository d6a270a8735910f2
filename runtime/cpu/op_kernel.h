// How the CPU backend runs a node: run_op(params, node), one overload per op, found by the op's parameter
// type (each defined beside its kernel in runtime/cpu/ops/<stem>.cpp). A missing one is a link error naming
// the parameter type.
#pragma once
#include <cstdint>

#include "runtime/cpu/kernels.h"
#include "runtime/graph.h"

namespace vkg::cpu {

class CpuBackend;
struct PackedWeights;

// What a kernel sees of its node: inputs as fp32 (weights expanded to fp32 once) or i32, its output buffer,
// the thread pool and the matmul mode.
class CpuNode {
 public:
  CpuNode(CpuBackend& backend, const Graph& graph, const Node& node, float* out)
      : backend_(backend), graph_(graph), node_(node), out_(out) {}

  const TensorDesc& desc(size_t input) const { return graph_.tensor(node_.inputs[input]); }
  const TensorDesc& out_desc() const { return graph_.tensor(node_.output); }
  const float* in(size_t input) const;         // fp32 values
  const int32_t* ints(size_t input) const;     // an i32 graph input
  float* cache(size_t input) const;            // a KV-cache input the op writes besides its output
  const PackedWeights* packed(size_t input) const;  // the matmul weight packed for the fast kernels, or null
  float* out() const { return out_; }
  ThreadPool& pool() const;
  MatmulMode matmul_mode() const;

 private:
  CpuBackend& backend_;
  const Graph& graph_;
  const Node& node_;
  float* out_;
};

// The rings of the KV cache that is input `cache_input`, each token's sequence in input `sequence_input`.
KvRings kv_rings(const CpuNode& n, size_t cache_input, size_t sequence_input, int sequences);

#define VKG_CPU_DECLARE_RUN_OP(stem, Params) void run_op(const Params& p, const CpuNode& n);
VKG_FOR_EACH_OP(VKG_CPU_DECLARE_RUN_OP)
#undef VKG_CPU_DECLARE_RUN_OP

}  // namespace vkg::cpu
