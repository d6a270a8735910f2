// Instance, device choice, logical device and queue. One Context per backend.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/vulkan/vk_common.h"

namespace vkg::vk {

class DeviceMemory;

struct DeviceInfo {
  int index = 0;
  std::string name;
  std::string type;  // discrete, integrated, virtual, cpu, other
  std::string driver;  // driver name and version, e.g. "llvmpipe, Mesa 22.3.6 (LLVM 15.0.6)"
  uint32_t api_version = 0;
  uint64_t device_local_bytes = 0;
  uint32_t subgroup_size = 0;
  uint64_t max_storage_buffer_range = 0;
  uint32_t max_shared_memory = 0;  // maxComputeSharedMemorySize: the planners check their largest shared arrays
  uint32_t max_workgroup_size = 0;  // min(maxComputeWorkGroupInvocations, maxComputeWorkGroupSize[0]): 1-D workgroups
  uint64_t max_allocation_bytes = 0;
  bool storage_16bit = false, storage_8bit = false, shader_float16 = false, subgroup_arithmetic = false,
       subgroup_shuffle = false;
  // VK_KHR_shader_integer_dot_product's shaderIntegerDotProduct (enabled on the device where present), and
  // whether the driver says signed 4x8-bit packed dot products are faster than the same math in plain
  // integer instructions (GPUs with dp4a; lavapipe emulates them).
  bool int8_dot = false, int8_dot_accelerated = false;
  // VK_KHR_cooperative_matrix (enabled where present with shaderFloat16, vulkanMemoryModel(DeviceScope) and
  // VK_EXT_subgroup_size_control's computeFullSubgroups, which its pipelines need below SPIR-V 1.6): the square fp16 x fp16 -> fp32 shapes
  // at subgroup scope, sorted (cooperative_matrix.h); empty where none.
  std::vector<uint32_t> coopmat_f16_sizes;
  std::string describe() const;  // one line
};

struct ContextOptions {
  int device = -1;          // -1: best (discrete, integrated, virtual, cpu)
  bool validation = false;  // Khronos validation layer; its errors are recorded and reported as failures
  uint64_t max_memory = 0;  // cap on the device memory allocated through reserve() (0: the heaps' sizes)
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
  // The device-local memory this process may use: the driver's budget with VK_EXT_memory_budget (other
  // programs' use subtracted, ours included), else the device-local heaps' sizes.
  uint64_t device_local_budget() const;

  void set_name(VkObjectType type, uint64_t handle, const std::string& name) const;

  // Validation messages of severity error since the last call (empty when validation is off).
  std::vector<std::string> take_validation_errors();

  // Device memory accounting: every allocation is reserved first, so one that cannot fit (the heap's size,
  // the max_memory cap, maxMemoryAllocationCount) fails with the numbers before the driver is asked.
  void reserve(uint64_t bytes, uint32_t memory_type, const std::string& what) const;  // throws
  void release(uint64_t bytes, uint32_t memory_type) const;
  uint64_t allocated_bytes() const { return allocated_; }     // device memory held (whole blocks)
  uint32_t allocation_count() const { return allocations_; }  // VkDeviceMemory objects held
  // Where buffers get their memory (memory.h): ranges of a few large blocks.
  DeviceMemory& memory() const { return *memory_pool_; }
  uint64_t max_memory() const { return max_memory_; }

 private:
  void create_device();
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
  bool memory_budget_ext_ = false;
  uint64_t max_memory_ = 0;
  mutable uint64_t allocated_ = 0;
  mutable uint32_t allocations_ = 0;
  mutable std::vector<uint64_t> heap_allocated_;  // by heap index
  std::unique_ptr<DeviceMemory> memory_pool_;  // destroyed before the device
  std::mutex errors_mutex_;
  std::vector<std::string> errors_;
};

}  // namespace vkg::vk
