// The Vulkan device's read roofline, measured on the spot (runtime/services.h's ReadBandwidthProbe): how fast
// a compute shader (read_bandwidth.comp) streams a device-local buffer the size of a decode step's weights.
// `vkgemma bench --backend vulkan` runs it between its generation repetitions, as the CPU backend's probe, so
// that the share of the roofline it reports compares figures taken seconds apart on the same device.
#pragma once
#include <cstdint>
#include <memory>

#include "runtime/services.h"
#include "runtime/vulkan/buffer.h"
#include "runtime/vulkan/context.h"
#include "runtime/vulkan/pipeline.h"
#include "runtime/vulkan/transfer.h"

namespace vkg::vk {

class VulkanReadBandwidthProbe : public vkg::ReadBandwidthProbe {
 public:
  // bytes: the buffer to stream, clamped to [256 MiB, 1 GiB] (past any GPU's last-level cache) and to the
  // device's largest storage buffer. The buffer is filled once here and read once, so that neither the first
  // touch of its pages (lavapipe) nor the pipeline's creation lands inside a measurement. Throws when the
  // device has no room for it. texels: read it as a texel buffer (the CPU-device kernels' way; else storage
  // buffers, as GPU kernels read).
  VulkanReadBandwidthProbe(const Context& ctx, int64_t bytes, bool texels);
  ~VulkanReadBandwidthProbe() override;

  // Passes over the whole buffer in one submission (as many as take about 20 ms, so that the submission's
  // own cost is noise), timed on the host: bytes read per second / 1e9.
  double measure_gbps() override;
  int64_t bytes() const override { return static_cast<int64_t>(data_->size()); }

 private:
  double run_passes(int passes);  // seconds

  const Context& ctx_;
  std::unique_ptr<Buffer> data_, sink_;
  std::unique_ptr<Pipeline> pipeline_;
  Transfer transfer_;
  VkDescriptorPool pool_ = VK_NULL_HANDLE;
  VkDescriptorSet set_ = VK_NULL_HANDLE;
  uint32_t groups_ = 1;
  int passes_ = 1;
};

}  // namespace vkg::vk
