#include "runtime/backend.h"

#include <algorithm>
#include <stdexcept>

#include "runtime/cpu/cpu_backend.h"
#include "runtime/vulkan/vulkan_backend.h"

namespace vkg {

const void* step_input_data(const Graph& g, TensorId id, const StepInputs& in) {
  const TensorDesc& t = g.tensor(id);
  const size_t n = static_cast<size_t>(t.elements());
  auto check = [&](size_t got) {
    if (got != n)
      throw std::runtime_error("graph input '" + t.name + "': " + std::to_string(got) + " values given, expected " +
                               std::to_string(n));
  };
  if (id == g.token_ids) return check(in.token_ids.size()), in.token_ids.data();
  if (id == g.positions) return check(in.positions.size()), in.positions.data();
  if (id == g.key_end) {
    const std::vector<int32_t>& v = in.key_end.empty() ? in.positions : in.key_end;
    return check(v.size()), v.data();
  }
  if (id == g.sequence) {
    if (!in.sequence.empty()) return check(in.sequence.size()), in.sequence.data();
    thread_local std::vector<int32_t> first;  // every token in sequence 0
    first.assign(n, 0);
    return first.data();
  }
  if (t.dtype == DType::I32) {
    auto it = in.ints.find(t.name);
    if (it == in.ints.end()) throw std::runtime_error("graph input '" + t.name + "' (i32) was not given");
    return check(it->second.size()), it->second.data();
  }
  auto it = in.floats.find(t.name);
  if (it == in.floats.end()) throw std::runtime_error("graph input '" + t.name + "' (f32) was not given");
  return check(it->second.size()), it->second.data();
}

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
