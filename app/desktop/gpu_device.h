// The desktop app's own Vulkan device for drawing its window: instance (with the Khronos validation layer when
// VKGEMMA_VALIDATION=1, as the project's tests run), the window's surface, a device with one queue that draws
// and presents, and the pools the renderer and thumbnails take from. The model's compute runs in the library
// (vkgemma_c) on its own instance; both may be on the same physical device.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "app/desktop/vk_check.h"

namespace vkg_desktop {

class GpuDevice {
 public:
  GpuDevice(GLFWwindow* window, bool validation);  // throws std::runtime_error naming what failed
  ~GpuDevice();
  GpuDevice(const GpuDevice&) = delete;
  GpuDevice& operator=(const GpuDevice&) = delete;

  VkInstance instance() const { return instance_; }
  VkPhysicalDevice physical() const { return physical_; }
  VkDevice device() const { return device_; }
  VkQueue queue() const { return queue_; }
  uint32_t queue_family() const { return queue_family_; }
  VkSurfaceKHR surface() const { return surface_; }
  VkCommandPool command_pool() const { return command_pool_; }
  VkDescriptorPool descriptor_pool() const { return descriptor_pool_; }
  const std::string& name() const { return name_; }

  uint32_t memory_type(uint32_t type_bits, VkMemoryPropertyFlags wanted) const;
  // Records `record` into a one-off command buffer, submits it and waits (uploads, read-backs).
  template <class F>
  void submit_and_wait(F&& record) {
    VkCommandBuffer cb = begin_one_off();
    record(cb);
    end_one_off(cb);
  }
  // Validation-layer errors since the last call (empty without VKGEMMA_VALIDATION=1).
  std::vector<std::string> take_validation_errors();

 private:
  static VKAPI_ATTR VkBool32 VKAPI_CALL on_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                   VkDebugUtilsMessageTypeFlagsEXT,
                                                   const VkDebugUtilsMessengerCallbackDataEXT* data, void* user);
  void create_instance(bool validation);
  void release();  // destroys what was created (also when the constructor fails half-way)
  void choose_physical_device();
  VkCommandBuffer begin_one_off();
  void end_one_off(VkCommandBuffer cb);

  VkInstance instance_ = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
  VkSurfaceKHR surface_ = VK_NULL_HANDLE;
  VkPhysicalDevice physical_ = VK_NULL_HANDLE;
  VkDevice device_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  uint32_t queue_family_ = 0;
  VkCommandPool command_pool_ = VK_NULL_HANDLE;
  VkDescriptorPool descriptor_pool_ = VK_NULL_HANDLE;
  std::string name_;
  std::mutex errors_mutex_;
  std::vector<std::string> errors_;
};

}  // namespace vkg_desktop
