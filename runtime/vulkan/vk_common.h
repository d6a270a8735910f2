// Vulkan through volk: no link-time dependency on the loader, so a machine without Vulkan still runs the CPU
// backend. VK_CHECK turns a failed call into an exception naming the call and the result.
#pragma once
#ifndef VK_NO_PROTOTYPES
#define VK_NO_PROTOTYPES
#endif
#include <volk.h>

#include <stdexcept>
#include <string>

namespace vkg::vk {

const char* result_name(VkResult r);

[[noreturn]] inline void fail(const char* call, VkResult r) {
  throw std::runtime_error(std::string("vulkan: ") + call + " failed: " + result_name(r));
}

}  // namespace vkg::vk

#define VK_CHECK(call)                                 \
  do {                                                 \
    VkResult vk_check_result_ = (call);                \
    if (vk_check_result_ != VK_SUCCESS) ::vkg::vk::fail(#call, vk_check_result_); \
  } while (0)
