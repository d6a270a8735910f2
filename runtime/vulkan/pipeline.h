// A compute pipeline made from an embedded SPIR-V module. Its descriptor set layout and push-constant range
// come from SPIRV-Cross reflection of the module at build time (shader_registry.h), not from hand-kept tables.
#pragma once
#include <string>

#include "runtime/vulkan/context.h"
#include "runtime/vulkan/shader_registry.h"

namespace vkg::vk {

class Pipeline {
 public:
  // Makes the layouts (cheap; descriptor sets are written against them). The pipeline itself is made by
  // compile(), once a step's final plan shows it is used: the scratch-sizing pass of a prompt plans variants
  // that the second pass replaces (lavapipe, the 270M: 4 of 24 pipelines, ~0.25 s of the first token).
  // Throws when the device cannot take the module (push constants past its limit, a failed create call).
  // `code` must outlive the pipeline (compile() reads it later): the registry's entries are static.
  Pipeline(const Context& ctx, const ShaderCode& code);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Compiles the module into the pipeline, looked up in and added to the driver's `cache` (pipeline_cache.h).
  // Distinct pipelines may be compiled on different threads at once. Throws on a failed create call.
  void compile(VkPipelineCache cache);
  bool compiled() const { return pipeline_ != VK_NULL_HANDLE; }

  const std::string& name() const { return name_; }
  const ShaderLayout& layout() const { return layout_; }
  VkPipeline handle() const { return pipeline_; }  // VK_NULL_HANDLE until compile()
  VkPipelineLayout pipeline_layout() const { return pipeline_layout_; }
  VkDescriptorSetLayout set_layout() const { return set_layout_; }

 private:
  const Context& ctx_;
  const ShaderCode& code_;
  std::string name_;
  ShaderLayout layout_;
  VkDescriptorSetLayout set_layout_ = VK_NULL_HANDLE;
  VkPipelineLayout pipeline_layout_ = VK_NULL_HANDLE;
  VkPipeline pipeline_ = VK_NULL_HANDLE;
};

}  // namespace vkg::vk
