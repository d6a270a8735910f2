// Runs a graph on a Vulkan device. The parts, one concern each: Context (device, limits, validation) and its
// DeviceMemory (blocks), WeightStore (weights uploaded once), the op table's planners (planner.h), the recorder
// (step.h: one command buffer per graph with the barriers its dependencies need), Transfer (uploads and
// read-back). This class prepares a step (activation buffers, planning, descriptor sets), replays it with new
// token ids and positions, and reads results back.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/backend.h"
#include "runtime/vulkan/buffer.h"
#include "runtime/vulkan/context.h"
#include "runtime/vulkan/pipeline.h"
#include "runtime/vulkan/pipeline_cache.h"
#include "runtime/vulkan/planner.h"
#include "runtime/vulkan/planner.h"
#include "runtime/vulkan/transfer.h"
#include "runtime/vulkan/weight_store.h"

namespace vkg::vk {

struct Step;

class VulkanBackend : public Backend {
 public:
  explicit VulkanBackend(const BackendOptions& options);
  ~VulkanBackend() override;
  std::string name() const override { return "vulkan (" + ctx_->info().name + ")"; }
  void run(const Graph& graph, const StepInputs& inputs) override;
  void load(const Graph& graph) override { prepare(graph); }
  std::vector<float> read(const Graph& graph, TensorId id) const override;
  void reset_cache() override;
  std::string step_summary(const Graph& g) const override;
  uint64_t memory_bytes() const override { return ctx_->device_local_budget(); }
  uint64_t allocated_bytes() const override { return ctx_->allocated_bytes(); }
  MemoryParts memory_parts() const override;
  void forget(const Graph& graph) override;
  uint64_t max_tensor_bytes() const override { return ctx_->limits().maxStorageBufferRange - 64; }
  const Context& context() const { return *ctx_; }
  // A CPU-type device (lavapipe) running its own shader set (texel buffers, subgroup sums).
  bool cpu_shaders() const { return ctx_->info().type == "cpu" && !gpu_shaders_; }

 private:
  friend class NodePlanner;  // the PlanContext planners see (vulkan_backend.cpp)
  const Pipeline& pipeline(const ShaderCode& code);  // made on first use (layouts only), kept
  // Compiles the pipelines the step's dispatches use that are not compiled yet.
  void compile_pipelines(const Step& s);
  Step& prepare(const Graph& g);
  void prepare_step(Step& s, const Graph& g);
  void check_memory(const Graph& g) const;
  void destroy_step(Step& s) const;
  // The dispatches of every node (planner.h), with the step's scratch sized by a first pass.
  void plan_nodes(Step& s, const Graph& g);
  void collect_profile(const Step& s, const Graph& g);

  std::unique_ptr<Context> ctx_;
  bool profiling_ = false;
  bool gpu_shaders_ = false;  // BackendOptions::gpu_shaders: no CPU-device shader variants
  // The kernel variants, chosen once from the device (PlanContext hands them to the planners);
  // VKGEMMA_KERNELS=flat-decode / tree-sum force the others, so tests keep every variant correct.
  bool lane_rows_ = false;  // CPU-type devices: decode and prompt matmuls with rows per lane (matmul_lanes.comp)
  bool decode_rows2_ = false;      // GPU decode: 2 rows per workgroup (matmul.comp ROWS_PER_WG=2)
  PlanContext::DecodeThreads decode_threads_ = PlanContext::DecodeThreads::by_shape;  // GPU decode: 64 or 256
  bool int8_dot_ = false;          // GPU decode: 8-bit activations, packed dot products (matmul.comp INT8_DOT)
  uint32_t coopmat_size_ = 0;      // GPU prompts: fp16 cooperative matrices of this size (matmul_tiled.comp COOPMAT)
  bool flash_attention_ = true;    // GPU prompts: attention_flash.comp (else attention.comp per query)
  bool subgroup_sums_ = false;     // GPU matmuls: subgroup shuffle sums (matmul.comp SUBGROUP_SUM)
  bool exact_ = false;        // BackendOptions::exact_matmul: fp32 activations in every product
  bool capture_decode_step_ = false;  // RenderDoc: capture the next single-token step
  std::unique_ptr<PipelineCache> pipeline_cache_;  // every pipeline's; saved after a step made new ones
  size_t unsaved_pipelines_ = 0;  // compiled since the cache was last saved (a failed step's too)
  std::unique_ptr<Transfer> transfer_;
  std::unique_ptr<WeightStore> weights_;
  std::map<const ShaderCode*, std::unique_ptr<Pipeline>> pipelines_;
  std::map<std::string, std::unique_ptr<Buffer>> kv_caches_;
  std::map<uint64_t, std::unique_ptr<Step>> steps_;
};

}  // namespace vkg::vk
