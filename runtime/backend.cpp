#include "runtime/backend.h"

#include <algorithm>
#include <stdexcept>

#include "runtime/cpu/cpu_backend.h"
#include "runtime/vulkan/vulkan_backend.h"

namespace vkg {

uint64_t Backend::memory_budget() const {
  const uint64_t total = memory_bytes();
  if (max_memory_ == 0) return total;
  return total == 0 ? max_memory_ : std::min(total, max_memory_);
}

std::unique_ptr<Backend> make_backend(const std::string& name, const BackendOptions& options, std::string* notice) {
  if (name == "auto") {
    std::string reason;
    try {
      bool gpu = false;
      for (const vk::DeviceInfo& d : vk::Context::list_devices()) gpu = gpu || d.type != "cpu";
      if (gpu || options.device >= 0) return std::make_unique<vk::VulkanBackend>(options);
      reason = "no GPU Vulkan device (only a CPU implementation such as lavapipe)";
    } catch (const std::exception& e) {
      reason = e.what();
    }
    if (notice) *notice = reason + "; using the CPU backend";
    return std::make_unique<cpu::CpuBackend>(options);
  }
  if (name == "cpu") return std::make_unique<cpu::CpuBackend>(options);
  if (name == "vulkan") return std::make_unique<vk::VulkanBackend>(options);
  throw std::runtime_error("unknown backend '" + name + "' (available: cpu, vulkan)");
}

}  // namespace vkg
