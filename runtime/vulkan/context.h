// Instance, device choice, logical device and queue. One Context per backend.
#pragma once
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/vulkan/vk_common.h"

namespace vkg::vk {

struct DeviceInfo {
  int index = 0;
  std::string name;
  std::string type;  // discrete, integrated, virtual, cpu, other
  std::string driver;  // driver name and version, e.g. "llvmpipe, Mesa 22.3.6 (LLVM 15.0.6)"
  uint32_t api_version = 0;
  uint64_t device_local_bytes = 0;
  uint32_t subgroup_size = 0;
  uint64_t max_storage_buffer_range = 0;
  uint64_t max_allocation_bytes = 0;
  bool storage_16bit = false, storage_8bit = false, shader_float16 = false, int8_dot = false, subgroup_arithmetic = false;
  std::string describe() const;  // one line
};

struct ContextOptions {
  int device = -1;          // -1: best (discrete, integrated, virtual, cpu)
  bool validation = false;  // Khronos validation layer; its errors are recorded and reported as failures
};

class Context {
 public:
  // Throws std::runtime_error with the reason (no loader, no driver, no suitable device).
  explicit Context(const ContextOptions& options);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // Lists devices without keeping an instance. Throws if Vulkan is unavailable.
  static std::vector<DeviceInfo> list_devices();

  VkInstance instance() const { return instance_; }
  VkDevice device() const { return device_; }
  VkPhysicalDevice physical_device() const { return physical_; }
  VkQueue queue() const { return queue_; }
  uint32_t queue_family() const { return queue_family_; }
  const DeviceInfo& info() const { return info_; }
  const VkPhysicalDeviceLimits& limits() const { return limits_; }
  const VkPhysicalDeviceMemoryProperties& memory_properties() const { return memory_; }
  bool debug_utils() const { return debug_utils_; }

  void set_name(VkObjectType type, uint64_t handle, const std::string& name) const;

  // Validation messages of severity error since the last call (empty when validation is off).
  std::vector<std::string> take_validation_errors();

 private:
  static VKAPI_ATTR VkBool32 VKAPI_CALL on_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                   VkDebugUtilsMessageTypeFlagsEXT type,
                                                   const VkDebugUtilsMessengerCallbackDataEXT* data, void* user);

  VkInstance instance_ = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
  VkPhysicalDevice physical_ = VK_NULL_HANDLE;
  VkDevice device_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  uint32_t queue_family_ = 0;
  DeviceInfo info_;
  VkPhysicalDeviceLimits limits_{};
  VkPhysicalDeviceMemoryProperties memory_{};
  bool debug_utils_ = false;
  std::mutex errors_mutex_;
  std::vector<std::string> errors_;
};

}  // namespace vkg::vk
