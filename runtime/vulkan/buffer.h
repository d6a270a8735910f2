// A storage (and uniform texel) buffer in a range of the context's memory blocks (memory.h). Host-visible when
// the device offers such memory for it (lavapipe, integrated GPUs); otherwise device-local, filled and read
// through a staging copy.
#pragma once
#include <cstdint>
#include <string>

#include "runtime/vulkan/context.h"
#include "runtime/vulkan/memory.h"

namespace vkg::vk {

class Buffer {
 public:
  // Throws naming the buffer and the failed call (out of device memory included).
  Buffer(const Context& ctx, uint64_t size, const std::string& name, bool prefer_host_visible);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  VkBuffer handle() const { return buffer_; }
  uint64_t size() const { return size_; }
  uint64_t padded_size() const { return padded_size_; }  // what is allocated and bound
  void* mapped() const { return mapped_; }  // nullptr if not host-visible
  const std::string& name() const { return name_; }
  // A view of the whole (padded) buffer as 16-byte texels of four 32-bit words (R32G32B32A32_UINT), for
  // shaders that read it as a usamplerBuffer: made on first use, kept with the buffer. Throws when the buffer
  // has more texels than the device's maxTexelBufferElements.
  VkBufferView texel_view() const;

 private:
  void release();

  const Context& ctx_;
  std::string name_;
  uint64_t size_;
  uint64_t padded_size_ = 0;
  VkBuffer buffer_ = VK_NULL_HANDLE;
  DeviceMemory::Range range_;  // its part of a memory block
  void* mapped_ = nullptr;
  mutable VkBufferView texel_view_ = VK_NULL_HANDLE;
  uint32_t type_ = 0;  // memory type index
};

}  // namespace vkg::vk
