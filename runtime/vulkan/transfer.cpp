#include "runtime/vulkan/transfer.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace vkg::vk {

Transfer::Transfer(const Context& ctx) : ctx_(ctx) {
  VkCommandPoolCreateInfo pi{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pi.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pi.queueFamilyIndex = ctx.queue_family();
  VK_CHECK(vkCreateCommandPool(ctx.device(), &pi, nullptr, &command_pool_));
  VkFenceCreateInfo fi{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  VK_CHECK(vkCreateFence(ctx.device(), &fi, nullptr, &fence_));
}

Transfer::~Transfer() {
  vkDestroyFence(ctx_.device(), fence_, nullptr);
  vkDestroyCommandPool(ctx_.device(), command_pool_, nullptr);
}

void Transfer::submit_and_wait(VkCommandBuffer cmd) const {
  VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cmd;
  VK_CHECK(vkResetFences(ctx_.device(), 1, &fence_));
  VK_CHECK(vkQueueSubmit(ctx_.queue(), 1, &si, fence_));
  VK_CHECK(vkWaitForFences(ctx_.device(), 1, &fence_, VK_TRUE, UINT64_MAX));
  check_validation();
}

void Transfer::check_validation() const {
  std::vector<std::string> errors = const_cast<Context&>(ctx_).take_validation_errors();
  if (errors.empty()) return;
  std::string msg = "vulkan validation: " + std::to_string(errors.size()) + " error(s); first: " + errors[0];
  throw std::runtime_error(msg);
}

// Records `record` into a one-time command buffer, submits it and waits.
void Transfer::run_once(const std::function<void(VkCommandBuffer)>& record) const {
  VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  ai.commandPool = command_pool_;
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = 1;
  VkCommandBuffer cmd;
  VK_CHECK(vkAllocateCommandBuffers(ctx_.device(), &ai, &cmd));
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  vkBeginCommandBuffer(cmd, &bi);
  record(cmd);
  vkEndCommandBuffer(cmd);
  submit_and_wait(cmd);
  vkFreeCommandBuffers(ctx_.device(), command_pool_, 1, &cmd);
}

// Host -> buffer: a memcpy when the memory is mapped, else through a temporary staging buffer.
void Transfer::upload(const Buffer& dst, const void* data, uint64_t bytes) const {
  if (dst.mapped()) {
    std::memcpy(dst.mapped(), data, bytes);
    return;
  }
  Buffer staging(ctx_, bytes, dst.name() + ".staging", true);
  std::memcpy(staging.mapped(), data, bytes);
  run_once([&](VkCommandBuffer cmd) {
    VkBufferCopy region{0, 0, bytes};
    vkCmdCopyBuffer(cmd, staging.handle(), dst.handle(), 1, &region);
  });
}

void Transfer::upload_rows(const Buffer& dst, const void* data, uint64_t rows, uint64_t row_bytes,
                           uint64_t dst_stride, uint32_t interleave_shift) const {
  if (dst_stride == row_bytes && interleave_shift == 0) return upload(dst, data, rows * row_bytes);
  if (interleave_shift != 0 && dst_stride % 16 != 0)
    throw std::logic_error("upload_rows: interleaved rows of buffer '" + dst.name() +
                           "' need whole 16-byte texels, got a stride of " + std::to_string(dst_stride) + " bytes");
  const uint64_t group = uint64_t(1) << interleave_shift;
  const uint64_t bytes = rows_layout_bytes(rows, dst_stride, interleave_shift);
  auto write = [&](uint8_t* to) {
    const auto* from = static_cast<const uint8_t*>(data);
    if (interleave_shift == 0) {
      for (uint64_t r = 0; r < rows; ++r) {
        std::memcpy(to + r * dst_stride, from + r * row_bytes, row_bytes);
        std::memset(to + r * dst_stride + row_bytes, 0, dst_stride - row_bytes);
      }
      return;
    }
    std::memset(to, 0, bytes);
    for (uint64_t r = 0; r < rows; ++r) {
      uint8_t* group_at = to + (r >> interleave_shift) * group * dst_stride + (r & (group - 1)) * 16;
      for (uint64_t k = 0; k * 16 < row_bytes; ++k)
        std::memcpy(group_at + k * group * 16, from + r * row_bytes + k * 16,
                    std::min<uint64_t>(16, row_bytes - k * 16));
    }
  };
  if (dst.mapped()) return write(static_cast<uint8_t*>(dst.mapped()));
  Buffer staging(ctx_, bytes, dst.name() + ".staging", true);
  write(static_cast<uint8_t*>(staging.mapped()));
  run_once([&](VkCommandBuffer cmd) {
    VkBufferCopy region{0, 0, bytes};
    vkCmdCopyBuffer(cmd, staging.handle(), dst.handle(), 1, &region);
  });
}

void Transfer::download(const Buffer& src, void* data, uint64_t bytes) const {
  if (src.mapped()) {
    std::memcpy(data, src.mapped(), bytes);
    return;
  }
  Buffer staging(ctx_, bytes, src.name() + ".readback", true);
  run_once([&](VkCommandBuffer cmd) {
    VkBufferCopy region{0, 0, bytes};
    vkCmdCopyBuffer(cmd, src.handle(), staging.handle(), 1, &region);
    VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    mb.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0, nullptr, 0,
                         nullptr);
  });
  std::memcpy(data, staging.mapped(), bytes);
}

}  // namespace vkg::vk
