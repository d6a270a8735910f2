// Device memory in a few large blocks instead of one VkDeviceMemory per buffer (drivers allow as few as 4096
// allocations, and each costs a kernel call): a buffer takes an aligned range of a block of its memory type,
// first fit, and freed ranges merge with their neighbours; a buffer larger than half a block gets a block of
// its own. Each block is counted against its heap, the memory cap and maxMemoryAllocationCount
// (Context::reserve) before the driver is asked, mapped once when host-visible, and freed with its last range.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/vulkan/vk_common.h"

namespace vkg::vk {

class Context;

class DeviceMemory {
 public:
  struct Range {
    VkDeviceMemory memory = VK_NULL_HANDLE;
    uint64_t offset = 0, size = 0;
    void* mapped = nullptr;  // the range's first byte when the block is host-visible
    size_t block = 0;
  };

  explicit DeviceMemory(const Context& ctx);
  ~DeviceMemory();
  DeviceMemory(const DeviceMemory&) = delete;
  DeviceMemory& operator=(const DeviceMemory&) = delete;

  // Throws naming `what` and the sizes when the block it needs cannot be had.
  Range allocate(uint64_t size, uint64_t alignment, uint32_t memory_type, const std::string& what);
  void free(const Range& range);
  uint64_t block_bytes() const { return block_bytes_; }

 private:
  struct Block {
    VkDeviceMemory memory = VK_NULL_HANDLE;
    uint32_t type = 0;
    uint64_t size = 0, used = 0;
    void* mapped = nullptr;
    std::map<uint64_t, uint64_t> free;  // offset -> bytes
  };
  size_t new_block(uint64_t size, uint32_t type, const std::string& what);
  static bool take(Block& b, uint64_t size, uint64_t alignment, uint64_t& offset);

  const Context& ctx_;
  uint64_t block_bytes_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Block>> blocks_;  // null where a block was freed
};

}  // namespace vkg::vk
