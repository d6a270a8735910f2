// Runs a graph on a Vulkan device: weights uploaded once (split so no binding exceeds
// maxStorageBufferRange), one command buffer per graph recorded once with every node's dispatches and the
// barriers their dependencies need, then replayed each step with new token ids and positions.
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
#include "runtime/vulkan/planner.h"

namespace vkg::vk {

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
  uint64_t max_tensor_bytes() const override { return ctx_->limits().maxStorageBufferRange - 64; }
  const Context& context() const { return *ctx_; }

  struct Step;  // everything prepared for one graph


 private:
  friend class NodePlanner;  // the PlanContext planners see (vulkan_backend.cpp)
  const Pipeline& pipeline(const std::string& name);
  const std::vector<WeightChunk>& weight_chunks(const TensorDesc& t);
  const Buffer& f32_weight(const TensorDesc& t);
  const Buffer& inv_freq(int head_dim, float theta);
  Step& prepare(const Graph& g);
  void prepare_step(Step& s, const Graph& g);
  void check_memory(const Graph& g) const;
  void destroy_step(Step& s) const;
  // The dispatches of every node (planner.h), with the step's scratch sized by a first pass.
  void plan_nodes(Step& s, const Graph& g);
  // A CPU-type device (lavapipe) running its own shader set (texel buffers, subgroup sums).
  bool cpu_shaders() const { return ctx_->info().type == "cpu" && !gpu_shaders_; }
  void record(Step& s, const Graph& g);
  void upload(const Buffer& dst, const void* data, uint64_t bytes);
  void download(const Buffer& src, void* data, uint64_t bytes) const;
  void submit_and_wait(VkCommandBuffer cmd) const;
  void run_once(const std::function<void(VkCommandBuffer)>& record) const;
  void check_validation() const;
  void collect_profile(const Step& s, const Graph& g);

  std::unique_ptr<Context> ctx_;
  bool profiling_ = false;
  bool gpu_shaders_ = false;  // BackendOptions::gpu_shaders: no CPU-device shader variants
  bool exact_ = false;        // BackendOptions::exact_matmul: fp32 activations in every product
  std::function<void(uint64_t)> on_weight_upload_;
  bool capture_decode_step_ = false;  // RenderDoc: capture the next single-token step
  VkCommandPool command_pool_ = VK_NULL_HANDLE;
  VkFence fence_ = VK_NULL_HANDLE;
  std::map<std::string, std::unique_ptr<Pipeline>> pipelines_;
  std::map<const void*, std::vector<WeightChunk>> weights_;
  std::map<const void*, std::unique_ptr<Buffer>> f32_weights_;
  std::map<std::pair<int, float>, std::unique_ptr<Buffer>> inv_freqs_;
  std::map<std::string, std::unique_ptr<Buffer>> kv_caches_;
  std::map<uint64_t, std::unique_ptr<Step>> steps_;
};

}  // namespace vkg::vk
