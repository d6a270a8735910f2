#include "runtime/vulkan/memory.h"

#include <algorithm>

#include "runtime/bytes.h"
#include "runtime/vulkan/context.h"

namespace vkg::vk {

namespace {
constexpr uint64_t kBlockBytes = uint64_t(64) << 20;
uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }
}  // namespace

DeviceMemory::DeviceMemory(const Context& ctx) : ctx_(ctx) {
  // A memory cap shrinks the blocks (an eighth of it), so that a small cap is not taken by one block's tail.
  block_bytes_ = kBlockBytes;
  if (ctx.max_memory() > 0) block_bytes_ = std::min(block_bytes_, std::max<uint64_t>(ctx.max_memory() / 8, 64 << 10));
  if (ctx.info().max_allocation_bytes > 0) block_bytes_ = std::min(block_bytes_, ctx.info().max_allocation_bytes);
}

DeviceMemory::~DeviceMemory() {
  for (auto& b : blocks_)
    if (b) {
      if (b->mapped) vkUnmapMemory(ctx_.device(), b->memory);
      vkFreeMemory(ctx_.device(), b->memory, nullptr);
      ctx_.release(b->size, b->type);
    }
}

// First fit in the block's free list; the range's alignment padding stays free.
bool DeviceMemory::take(Block& b, uint64_t size, uint64_t alignment, uint64_t& offset) {
  for (auto it = b.free.begin(); it != b.free.end(); ++it) {
    const uint64_t start = align_up(it->first, alignment), end = it->first + it->second;
    if (start + size > end) continue;
    const uint64_t free_begin = it->first;
    b.free.erase(it);
    if (start > free_begin) b.free[free_begin] = start - free_begin;
    if (end > start + size) b.free[start + size] = end - (start + size);
    b.used += size;
    offset = start;
    return true;
  }
  return false;
}

size_t DeviceMemory::new_block(uint64_t size, uint32_t type, const std::string& what) {
  ctx_.reserve(size, type, what);  // throws with the numbers
  VkMemoryAllocateInfo ai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  ai.allocationSize = size;
  ai.memoryTypeIndex = type;
  auto b = std::make_unique<Block>();
  b->type = type;
  b->size = size;
  VkResult r = vkAllocateMemory(ctx_.device(), &ai, nullptr, &b->memory);
  const VkMemoryPropertyFlags host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  if (r == VK_SUCCESS && (ctx_.memory_properties().memoryTypes[type].propertyFlags & host) == host)
    r = vkMapMemory(ctx_.device(), b->memory, 0, VK_WHOLE_SIZE, 0, &b->mapped);
  if (r != VK_SUCCESS) {
    if (b->memory) vkFreeMemory(ctx_.device(), b->memory, nullptr);
    ctx_.release(size, type);
    throw std::runtime_error("vulkan: cannot allocate " + format_bytes(size) + " for " + what + " on '" +
                             ctx_.info().name + "' (" + format_bytes(ctx_.allocated_bytes()) + " in use): " +
                             result_name(r));
  }
  b->free[0] = size;
  for (size_t i = 0; i < blocks_.size(); ++i)
    if (!blocks_[i]) {
      blocks_[i] = std::move(b);
      return i;
    }
  blocks_.push_back(std::move(b));
  return blocks_.size() - 1;
}

DeviceMemory::Range DeviceMemory::allocate(uint64_t size, uint64_t alignment, uint32_t type, const std::string& what) {
  std::lock_guard<std::mutex> lock(mutex_);
  size = std::max<uint64_t>(size, 1);  // take() aligns each range's start
  uint64_t offset = 0;
  size_t index = blocks_.size();
  if (size <= block_bytes_ / 2) {
    for (size_t i = 0; i < blocks_.size() && index == blocks_.size(); ++i)
      if (blocks_[i] && blocks_[i]->type == type && blocks_[i]->size == block_bytes_ && take(*blocks_[i], size, alignment, offset))
        index = i;
    if (index == blocks_.size()) {
      index = new_block(block_bytes_, type, what + " (in a new " + format_bytes(block_bytes_) + " memory block)");
      take(*blocks_[index], size, alignment, offset);
    }
  } else {
    index = new_block(size, type, what);  // a block of its own
    take(*blocks_[index], size, alignment, offset);
  }
  const Block& b = *blocks_[index];
  return {b.memory, offset, size, b.mapped ? static_cast<uint8_t*>(b.mapped) + offset : nullptr, index};
}

void DeviceMemory::free(const Range& range) {
  std::lock_guard<std::mutex> lock(mutex_);
  Block& b = *blocks_.at(range.block);
  b.used -= range.size;
  auto it = b.free.emplace(range.offset, range.size).first;
  auto next = std::next(it);
  if (next != b.free.end() && it->first + it->second == next->first) {  // merge with the next free range
    it->second += next->second;
    b.free.erase(next);
  }
  if (it != b.free.begin()) {  // and with the previous one
    auto prev = std::prev(it);
    if (prev->first + prev->second == it->first) {
      prev->second += it->second;
      b.free.erase(it);
    }
  }
  if (b.used == 0) {  // the last range: the block goes back to the driver
    if (b.mapped) vkUnmapMemory(ctx_.device(), b.memory);
    vkFreeMemory(ctx_.device(), b.memory, nullptr);
    ctx_.release(b.size, b.type);
    blocks_[range.block].reset();
  }
}

}  // namespace vkg::vk
