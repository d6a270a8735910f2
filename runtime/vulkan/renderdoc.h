// RenderDoc's in-application API: when vkgemma runs under RenderDoc, bracket one submit with a frame
// capture (a compute-only program never presents, so RenderDoc's hotkeys cannot trigger one).
#pragma once
#include <string>

#include "runtime/vulkan/vk_common.h"

namespace vkg::vk {

class RenderDoc {
 public:
  // nullptr unless the RenderDoc library is loaded into this process.
  static RenderDoc* get();
  void start_capture(VkInstance instance, const std::string& title);
  void end_capture(VkInstance instance);

 private:
  void* api_ = nullptr;
};

}  // namespace vkg::vk
