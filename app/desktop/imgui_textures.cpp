#include "app/desktop/imgui_textures.h"

#include <stdexcept>

#include "backends/imgui_impl_vulkan.h"

namespace vkg_desktop {
namespace {

// The head of the backend's private ImGui_ImplVulkan_Data (imgui_impl_vulkan.cpp, 1.84-1.87). Debian 12
// ships 1.86, and the Windows build compiles the same source package, so the mirror is pinned to that range.
static_assert(IMGUI_VERSION_NUM >= 18400 && IMGUI_VERSION_NUM < 18800,
              "ImGui >= 1.88: use ImGui_ImplVulkan_AddTexture and ImTextureID instead of the mirrored backend data");
struct BackendDataHead {
  ImGui_ImplVulkan_InitInfo VulkanInitInfo;
  VkRenderPass RenderPass;
  VkDeviceSize BufferMemoryAlignment;
  VkPipelineCreateFlags PipelineCreateFlags;
  VkDescriptorSetLayout DescriptorSetLayout;
  VkPipelineLayout PipelineLayout;
};

const BackendDataHead& backend() {
  const auto* head = static_cast<const BackendDataHead*>(ImGui::GetIO().BackendRendererUserData);
  if (!head || !head->DescriptorSetLayout) throw std::runtime_error("imgui: the Vulkan backend is not initialized");
  return *head;
}

VkCommandBuffer g_command_buffer = VK_NULL_HANDLE;  // the UI thread's frame being recorded

void bind_image_set(const ImDrawList*, const ImDrawCmd* cmd) {
  VkDescriptorSet set = static_cast<VkDescriptorSet>(cmd->UserCallbackData);
  vkCmdBindDescriptorSets(g_command_buffer, VK_PIPELINE_BIND_POINT_GRAPHICS, backend().PipelineLayout, 0, 1, &set, 0,
                          nullptr);
}

}  // namespace

VkDescriptorSetLayout imgui_texture_layout() { return backend().DescriptorSetLayout; }

void set_imgui_command_buffer(VkCommandBuffer cb) { g_command_buffer = cb; }

void imgui_image(VkDescriptorSet set, const ImVec2& size) {
  ImDrawList* draw_list = ImGui::GetWindowDrawList();
  draw_list->AddCallback(bind_image_set, static_cast<void*>(set));
  ImGui::Image(static_cast<ImTextureID>(set), size);
  draw_list->AddCallback(ImDrawCallback_ResetRenderState, nullptr);
}

}  // namespace vkg_desktop
