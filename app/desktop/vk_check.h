// VK_CHECK for the desktop app's own Vulkan calls (window, swapchain, textures): a failure throws with the call
// and the result's name, which the app shows (or, in script mode, prints) instead of crashing.
#pragma once

#define GLFW_INCLUDE_VULKAN
#include <GLFW/glfw3.h>

#include <stdexcept>
#include <string>

namespace vkg_desktop {

const char* vk_result_name(VkResult r);

[[noreturn]] inline void throw_vk_failure(const char* call, VkResult r) {
  throw std::runtime_error(std::string("vulkan: ") + call + " failed: " + vk_result_name(r));
}

}  // namespace vkg_desktop

#define VK_CHECK(call)                                                                  \
  do {                                                                                  \
    const VkResult vk_check_result_ = (call);                                           \
    if (vk_check_result_ < 0) ::vkg_desktop::throw_vk_failure(#call, vk_check_result_); \
  } while (0)
