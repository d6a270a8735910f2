#include "runtime/vulkan/cooperative_matrix.h"

#include <algorithm>

namespace vkg::vk {

namespace {
// VkCooperativeMatrixPropertiesKHR and the query's function type.
struct CooperativeMatrixProperties {
  VkStructureType sType = static_cast<VkStructureType>(1000506001);
  void* pNext = nullptr;
  uint32_t MSize = 0, NSize = 0, KSize = 0;
  int32_t AType = 0, BType = 0, CType = 0, ResultType = 0;  // VkComponentTypeKHR
  VkBool32 saturatingAccumulation = VK_FALSE;
  int32_t scope = 0;  // VkScopeKHR
};
using GetProperties = VkResult(VKAPI_PTR*)(VkPhysicalDevice, uint32_t*, CooperativeMatrixProperties*);
constexpr int32_t kFloat16 = 0, kFloat32 = 1, kScopeSubgroup = 3;
}  // namespace

std::vector<uint32_t> cooperative_matrix_f16_sizes(VkInstance instance, VkPhysicalDevice physical) {
  std::vector<uint32_t> sizes;
  const auto get = reinterpret_cast<GetProperties>(
      vkGetInstanceProcAddr(instance, "vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR"));
  if (!get) return sizes;
  uint32_t n = 0;
  if (get(physical, &n, nullptr) != VK_SUCCESS || n == 0) return sizes;
  std::vector<CooperativeMatrixProperties> props(n);
  if (get(physical, &n, props.data()) != VK_SUCCESS) return sizes;
  for (const CooperativeMatrixProperties& p : props)
    if (p.AType == kFloat16 && p.BType == kFloat16 && p.CType == kFloat32 && p.ResultType == kFloat32 &&
        p.scope == kScopeSubgroup && p.MSize == p.NSize && p.NSize == p.KSize && !p.saturatingAccumulation)
      sizes.push_back(p.MSize);
  std::sort(sizes.begin(), sizes.end());
  sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
  return sizes;
}

}  // namespace vkg::vk
