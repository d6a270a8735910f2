// runtime/services.h, the Vulkan parts.
#include "runtime/services.h"

#include "runtime/vulkan/context.h"
#include "runtime/vulkan/renderdoc.h"
#include "runtime/vulkan/shader_registry.h"

namespace vkg {

std::vector<std::string> vulkan_device_lines() {
  std::vector<std::string> lines;
  for (const vk::DeviceInfo& d : vk::Context::list_devices()) lines.push_back(d.describe());
  return lines;
}

std::vector<VulkanDevice> vulkan_devices() {
  std::vector<VulkanDevice> out;
  for (const vk::DeviceInfo& d : vk::Context::list_devices()) out.push_back({d.index, d.name, d.type, d.device_local_bytes});
  return out;
}

bool renderdoc_attached() { return vk::RenderDoc::get() != nullptr; }

std::vector<EmbeddedShader> embedded_shaders() {
  std::vector<EmbeddedShader> out;
  for (const vk::ShaderCode& s : vk::all_shaders()) {
    EmbeddedShader e;
    e.name = std::string(s.name);
    e.words = s.words;
    e.word_count = s.word_count;
    e.bindings = s.layout.n_bindings;
    for (uint32_t b = 0; b < s.layout.n_bindings; ++b) e.texel_bindings += s.layout.is_texel(b) ? 1 : 0;
    e.push_constant_bytes = s.layout.push_constant_bytes;
    for (int i = 0; i < 3; ++i) e.local_size[i] = s.layout.local_size[i];
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace vkg
