// Moving bytes between the host and device buffers, and one-off command buffers: a memcpy where the buffer is
// mapped, else a copy through a staging buffer, submitted and waited for. Every submission ends with a look
// at the validation layer's messages, which throw.
#pragma once
#include <cstdint>
#include <functional>

#include "runtime/vulkan/buffer.h"
#include "runtime/vulkan/context.h"

namespace vkg::vk {

// The bytes upload_rows writes: rows dst_stride bytes apart, in whole groups of 2^interleave_shift rows.
inline uint64_t rows_layout_bytes(uint64_t rows, uint64_t dst_stride, uint32_t interleave_shift) {
  const uint64_t group = uint64_t(1) << interleave_shift;
  return (rows + group - 1) / group * group * dst_stride;
}

class Transfer {
 public:
  explicit Transfer(const Context& ctx);
  ~Transfer();
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  void upload(const Buffer& dst, const void* data, uint64_t bytes) const;
  // rows of row_bytes each, written dst_stride bytes apart (the gaps zero); with interleave_shift s > 0
  // (dst_stride whole 16-byte texels), texel k of row r at texel ((r >> s) * dst_stride / 16 + k) * 2^s + r % 2^s
  // (shaders/include/wt_rows.glsl), the texels of a group's missing rows zero. dst holds whole groups.
  void upload_rows(const Buffer& dst, const void* data, uint64_t rows, uint64_t row_bytes, uint64_t dst_stride,
                   uint32_t interleave_shift = 0) const;
  void download(const Buffer& src, void* data, uint64_t bytes) const;
  // Records `record` into a one-time command buffer, submits it and waits.
  void run_once(const std::function<void(VkCommandBuffer)>& record) const;
  void submit_and_wait(VkCommandBuffer cmd) const;
  VkCommandPool command_pool() const { return command_pool_; }

 private:
  void check_validation() const;

  const Context& ctx_;
  VkCommandPool command_pool_ = VK_NULL_HANDLE;
  VkFence fence_ = VK_NULL_HANDLE;
};

}  // namespace vkg::vk
