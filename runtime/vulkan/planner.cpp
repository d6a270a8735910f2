#include "runtime/vulkan/planner.h"

#include <stdexcept>

namespace vkg::vk {

bool PlanContext::subgroup_texels(uint32_t workgroup) const {
  const uint32_t subgroup = device().subgroup_size;
  return cpu_shaders() && device().subgroup_arithmetic && subgroup > 0 && workgroup % subgroup == 0;
}

const ShaderCode& PlanContext::shader_code(const ShaderKey& key) const {
  if (const ShaderCode* code = find_shader(key)) return *code;
  throw std::logic_error("node '" + node_.name + "': no shader variant of " + shader_source(key.shader) + ".comp" +
                         (key.has_weight ? std::string(" for weight type ") + dtype_name(key.weight) : std::string()) +
                         " with feature bits " + std::to_string(key.features) + " was compiled (shaders/CMakeLists.txt)");
}

Dispatch PlanContext::dispatch_words(const ShaderKey& key, std::vector<const Buffer*> buffers,
                                     std::vector<uint32_t> push, uint32_t gx, uint32_t gy) {
  const ShaderCode& code = shader_code(key);
  const std::string shader(code.name);
  Dispatch d;
  d.pipeline = &pipeline(code);
  d.buffers = std::move(buffers);
  d.push = std::move(push);
  if (gx > kMaxGroups && gy == 1) {
    gy = ceil_div(gx, kMaxGroups);
    gx = kMaxGroups;
  }
  d.groups[0] = gx;
  d.groups[1] = gy;
  const ShaderLayout& layout = d.pipeline->layout();
  if (d.buffers.size() != layout.n_bindings || d.push.size() * 4 != layout.push_constant_bytes)
    throw std::logic_error("node '" + node_.name + "': shader '" + shader + "' expects " +
                           std::to_string(layout.n_bindings) + " buffers and " +
                           std::to_string(layout.push_constant_bytes) + " push bytes, got " +
                           std::to_string(d.buffers.size()) + " and " + std::to_string(d.push.size() * 4));
  if (gx == 0 || gx > kMaxGroups || gy > kMaxGroups)
    throw std::runtime_error("node '" + node_.name + "': dispatch of " + std::to_string(gx) + "x" +
                             std::to_string(gy) + " workgroups exceeds the limit");
  return d;
}

}  // namespace vkg::vk
