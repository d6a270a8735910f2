// VK_KHR_cooperative_matrix's structures, for headers that predate it (Debian 12's Vulkan 1.3.239 headers; the
// extension came with 1.3.255), and the query of the shapes matmul_tiled.comp COOPMAT can use.
#pragma once
#include <cstdint>
#include <vector>

#include "runtime/vulkan/vk_common.h"

namespace vkg::vk {

inline constexpr const char* kCooperativeMatrixExtension = "VK_KHR_cooperative_matrix";

// VkPhysicalDeviceCooperativeMatrixFeaturesKHR, laid out as the registry defines it.
struct CooperativeMatrixFeatures {
  VkStructureType sType = static_cast<VkStructureType>(1000506000);
  void* pNext = nullptr;
  VkBool32 cooperativeMatrix = VK_FALSE;
  VkBool32 cooperativeMatrixRobustBufferAccess = VK_FALSE;
};

// The square sizes n (n x n x n) at which the device multiplies fp16 A and B into fp32 C and result matrices at
// subgroup scope (NVIDIA and AMD: 16; lavapipe: 8). Empty where the extension or such a shape is missing.
std::vector<uint32_t> cooperative_matrix_f16_sizes(VkInstance instance, VkPhysicalDevice physical);

}  // namespace vkg::vk
