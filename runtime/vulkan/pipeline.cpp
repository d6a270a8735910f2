#include "runtime/vulkan/pipeline.h"

#include <spirv_cross/spirv_cross_c.h>

#include <memory>
#include <vector>

#include "runtime/vulkan/shader_registry.h"

namespace vkg::vk {

ShaderLayout reflect_shader(const uint32_t* words, size_t word_count, const std::string& name) {
  spvc_context context = nullptr;
  if (spvc_context_create(&context) != SPVC_SUCCESS) throw std::runtime_error("spirv-cross: cannot create a context");
  std::unique_ptr<spvc_context_s, void (*)(spvc_context)> guard(context, spvc_context_destroy);
  auto fail = [&](const char* what) {
    throw std::runtime_error("shader '" + name + "': reflection failed at " + what + ": " +
                             spvc_context_get_last_error_string(context));
  };
  spvc_parsed_ir ir = nullptr;
  if (spvc_context_parse_spirv(context, words, word_count, &ir) != SPVC_SUCCESS) fail("parse");
  spvc_compiler compiler = nullptr;
  if (spvc_context_create_compiler(context, SPVC_BACKEND_NONE, ir, SPVC_CAPTURE_MODE_TAKE_OWNERSHIP, &compiler) !=
      SPVC_SUCCESS)
    fail("compiler");
  spvc_resources resources = nullptr;
  if (spvc_compiler_create_shader_resources(compiler, &resources) != SPVC_SUCCESS) fail("resources");

  ShaderLayout layout;
  const spvc_reflected_resource* list = nullptr;
  size_t count = 0;
  spvc_resources_get_resource_list_for_type(resources, SPVC_RESOURCE_TYPE_STORAGE_BUFFER, &list, &count);
  std::vector<bool> seen(count, false);
  for (size_t i = 0; i < count; ++i) {
    const unsigned set = spvc_compiler_get_decoration(compiler, list[i].id, SpvDecorationDescriptorSet);
    const unsigned binding = spvc_compiler_get_decoration(compiler, list[i].id, SpvDecorationBinding);
    if (set != 0 || binding >= count || seen[binding])
      throw std::runtime_error("shader '" + name + "': storage buffers must be set 0, bindings 0.." +
                               std::to_string(count - 1) + " without gaps");
    seen[binding] = true;
  }
  layout.n_bindings = static_cast<uint32_t>(count);

  spvc_resources_get_resource_list_for_type(resources, SPVC_RESOURCE_TYPE_PUSH_CONSTANT, &list, &count);
  if (count > 1) throw std::runtime_error("shader '" + name + "': more than one push-constant block");
  if (count == 1) {
    size_t size = 0;
    spvc_type type = spvc_compiler_get_type_handle(compiler, list[0].base_type_id);
    if (spvc_compiler_get_declared_struct_size(compiler, type, &size) != SPVC_SUCCESS) fail("push-constant size");
    layout.push_constant_bytes = static_cast<uint32_t>(size);
  }
  for (unsigned d = 0; d < 3; ++d)
    layout.local_size[d] = spvc_compiler_get_execution_mode_argument_by_index(compiler, SpvExecutionModeLocalSize, d);
  return layout;
}

Pipeline::Pipeline(const Context& ctx, const std::string& shader_name) : ctx_(ctx), name_(shader_name) {
  const ShaderCode* code = find_shader(shader_name);
  if (!code) throw std::runtime_error("vulkan: no embedded shader named '" + shader_name + "'");
  layout_ = reflect_shader(code->words, code->word_count, shader_name);
  if (layout_.push_constant_bytes > ctx.limits().maxPushConstantsSize)
    throw std::runtime_error("shader '" + shader_name + "': push constants exceed the device limit");

  VkDevice dev = ctx.device();
  VkShaderModuleCreateInfo mi{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
  mi.codeSize = code->word_count * 4;
  mi.pCode = code->words;
  VK_CHECK(vkCreateShaderModule(dev, &mi, nullptr, &module_));

  std::vector<VkDescriptorSetLayoutBinding> bindings(layout_.n_bindings);
  for (uint32_t i = 0; i < layout_.n_bindings; ++i)
    bindings[i] = {i, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
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

  VkComputePipelineCreateInfo ci{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
  ci.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
  ci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  ci.stage.module = module_;
  ci.stage.pName = "main";
  ci.layout = pipeline_layout_;
  VK_CHECK(vkCreateComputePipelines(dev, VK_NULL_HANDLE, 1, &ci, nullptr, &pipeline_));
  ctx.set_name(VK_OBJECT_TYPE_PIPELINE, reinterpret_cast<uint64_t>(pipeline_), shader_name);
}

Pipeline::~Pipeline() {
  VkDevice dev = ctx_.device();
  vkDestroyPipeline(dev, pipeline_, nullptr);
  vkDestroyPipelineLayout(dev, pipeline_layout_, nullptr);
  vkDestroyDescriptorSetLayout(dev, set_layout_, nullptr);
  vkDestroyShaderModule(dev, module_, nullptr);
}

}  // namespace vkg::vk
