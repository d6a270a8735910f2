// What the front ends ask of the runtime beside running graphs (`vkgemma info`, `shaders`, `bench`,
// `--renderdoc-capture`), without naming a backend: app/ includes this, never runtime/cpu/ or runtime/vulkan/.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace vkg {

// One line per Vulkan device (index, name, type, driver, memory, features); throws with the reason when there
// is no Vulkan loader or driver.
std::vector<std::string> vulkan_device_lines();
// The same as fields (the C API's vkg_device_info): index (SessionOptions::device), name, type (discrete,
// integrated, virtual, cpu, other) and device-local memory. Throws like vulkan_device_lines.
struct VulkanDevice {
  int index = 0;
  std::string name, type;
  uint64_t memory_bytes = 0;
};
std::vector<VulkanDevice> vulkan_devices();

// Whether the process runs under RenderDoc, so that a decode step can be captured.
bool renderdoc_attached();

// The compiled shader variants embedded in the binary, with their layouts reflected at build time.
struct EmbeddedShader {
  std::string name;
  const uint32_t* words = nullptr;
  size_t word_count = 0;
  uint32_t bindings = 0, texel_bindings = 0, push_constant_bytes = 0;
  uint32_t local_size[3] = {1, 1, 1};
};
std::vector<EmbeddedShader> embedded_shaders();

// The memory-bandwidth roofline measured on the spot: how fast n_threads threads read a buffer of about
// `bytes` (clamped to [64 MiB, 1 GiB]) right now, in GB/s per pass. `vkgemma bench` measures it between its
// repetitions, so that the roofline share compares figures taken side by side.
class ReadBandwidthProbe {
 public:
  virtual ~ReadBandwidthProbe() = default;
  virtual double measure_gbps() = 0;
  virtual int64_t bytes() const = 0;  // the buffer streamed
};
std::unique_ptr<ReadBandwidthProbe> make_read_bandwidth_probe(int n_threads, int64_t bytes);
class Backend;
// The same for a Vulkan backend's device: a compute shader streaming a device-local buffer of about `bytes`
// (clamped to [256 MiB, 1 GiB]). nullptr when `backend` is not a Vulkan one; throws when the device has no
// room for the buffer.
std::unique_ptr<ReadBandwidthProbe> make_device_read_bandwidth_probe(const Backend& backend, int64_t bytes);

}  // namespace vkg
