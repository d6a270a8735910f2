#include "runtime/vulkan/pipeline.h"

#include <stdexcept>
#include <vector>

namespace vkg::vk {

Pipeline::Pipeline(const Context& ctx, const ShaderCode& shader) : ctx_(ctx), code_(shader), name_(shader.name) {
  layout_ = shader.layout;
  if (layout_.push_constant_bytes > ctx.limits().maxPushConstantsSize)
    throw std::runtime_error("shader '" + name_ + "': push constants exceed the device limit");

  VkDevice dev = ctx.device();
  std::vector<VkDescriptorSetLayoutBinding> bindings(layout_.n_bindings);
  for (uint32_t i = 0; i < layout_.n_bindings; ++i)
    bindings[i] = {i, layout_.is_texel(i) ? VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1,
                   VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
  VkDescriptorSetLayoutCreateInfo li{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  li.bindingCount = layout_.n_bindings;
  li.pBindings = bindings.data();
  VK_CHECK(vkCreateDescriptorSetLayout(dev, &li, nullptr, &set_layout_));

  VkPushConstantRange range{VK_SHADER_STAGE_COMPUTE_BIT, 0, layout_.push_constant_bytes};
  VkPipelineLayoutCreateInfo pli{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  pli.setLayoutCount = 1;
  pli.pSetLayouts = &set_layout_;
  pli.pushConstantRangeCount = layout_.push_constant_bytes ? 1 : 0;
  pli.pPushConstantRanges = &range;
  VK_CHECK(vkCreatePipelineLayout(dev, &pli, nullptr, &pipeline_layout_));
}

void Pipeline::compile(VkPipelineCache cache) {
  if (compiled()) return;
  VkDevice dev = ctx_.device();
  VkShaderModuleCreateInfo mi{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
  mi.codeSize = code_.word_count * 4;
  mi.pCode = code_.words;
  VkShaderModule module = VK_NULL_HANDLE;
  VK_CHECK(vkCreateShaderModule(dev, &mi, nullptr, &module));

  VkComputePipelineCreateInfo ci{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
  ci.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
  ci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  ci.stage.module = module;
  ci.stage.pName = "main";
  // Cooperative matrices in SPIR-V below 1.6 (ours are 1.5): only in pipelines of whole subgroups (the context
  // enables computeFullSubgroups where it enables the matrices).
  if (code_.key.features & ShaderFeature::coopmat) ci.stage.flags = VK_PIPELINE_SHADER_STAGE_CREATE_REQUIRE_FULL_SUBGROUPS_BIT_EXT;
  ci.layout = pipeline_layout_;
  const VkResult r = vkCreateComputePipelines(dev, cache, 1, &ci, nullptr, &pipeline_);
  vkDestroyShaderModule(dev, module, nullptr);  // the pipeline keeps what it needs
  if (r != VK_SUCCESS) {
    pipeline_ = VK_NULL_HANDLE;
    VK_CHECK(r);
  }
  ctx_.set_name(VK_OBJECT_TYPE_PIPELINE, reinterpret_cast<uint64_t>(pipeline_), name_);
}

Pipeline::~Pipeline() {
  VkDevice dev = ctx_.device();
  vkDestroyPipeline(dev, pipeline_, nullptr);
  vkDestroyPipelineLayout(dev, pipeline_layout_, nullptr);
  vkDestroyDescriptorSetLayout(dev, set_layout_, nullptr);
}

}  // namespace vkg::vk
