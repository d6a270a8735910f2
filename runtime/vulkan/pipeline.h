// A compute pipeline made from an embedded SPIR-V module. Its descriptor set layout and push-constant range
// come from SPIRV-Cross reflection of the module at build time (shader_registry.h), not from hand-kept tables.
#pragma once
#include <string>

#include "runtime/vulkan/context.h"
#include "runtime/vulkan/shader_registry.h"

namespace vkg::vk {

class Pipeline {
 public:
  // Throws when the device cannot take the module (push constants past its limit, a failed create call).
  // `cache`: the driver's pipeline cache (pipeline_cache.h) to look the compiled pipeline up in and add it to.
  Pipeline(const Context& ctx, const ShaderCode& code, VkPipelineCache cache = VK_NULL_HANDLE);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  const std::string& name() const { return name_; }
  const ShaderLayout& layout() const { return layout_; }
  VkPipeline handle() const { return pipeline_; }
  VkPipelineLayout pipeline_layout() const { return pipeline_layout_; }
  VkDescriptorSetLayout set_layout() const { return set_layout_; }

 private:
  const Context& ctx_;
  std::string name_;
  ShaderLayout layout_;
  VkShaderModule module_ = VK_NULL_HANDLE;
  VkDescriptorSetLayout set_layout_ = VK_NULL_HANDLE;
  VkPipelineLayout pipeline_layout_ = VK_NULL_HANDLE;
  VkPipeline pipeline_ = VK_NULL_HANDLE;
};

}  // namespace vkg::vk
