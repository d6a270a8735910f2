// Images in ImGui 1.86's Vulkan backend, which draws everything with its font's descriptor set and ignores
// ImTextureID (1.88 added ImGui_ImplVulkan_AddTexture). An image is drawn between two draw callbacks: the
// first binds the image's descriptor set, the second (ImDrawCallback_ResetRenderState) the font's again.
#pragma once

#include "app/desktop/vk_check.h"
#include "imgui.h"

namespace vkg_desktop {

// The layout to allocate an image's descriptor set with: the backend's own (its immutable sampler included).
VkDescriptorSetLayout imgui_texture_layout();
// The command buffer ImGui_ImplVulkan_RenderDrawData records into, for the callbacks (they get no other way).
void set_imgui_command_buffer(VkCommandBuffer cb);
// ImGui::Image for a descriptor set allocated with imgui_texture_layout().
void imgui_image(VkDescriptorSet set, const ImVec2& size);

}  // namespace vkg_desktop
