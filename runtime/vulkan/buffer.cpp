#include "runtime/vulkan/buffer.h"

#include <algorithm>

#include "runtime/bytes.h"
#include "runtime/vulkan/memory.h"

namespace vkg::vk {

namespace {
int find_memory_type(const VkPhysicalDeviceMemoryProperties& mem, uint32_t bits, VkMemoryPropertyFlags want) {
  for (uint32_t i = 0; i < mem.memoryTypeCount; ++i)
    if ((bits & (1u << i)) && (mem.memoryTypes[i].propertyFlags & want) == want) return static_cast<int>(i);
  return -1;
}
}  // namespace

Buffer::Buffer(const Context& ctx, uint64_t size, const std::string& name, bool prefer_host_visible)
    : ctx_(ctx), name_(name), size_(size) {
  // 32 bytes of padding: shaders read GGUF rows as 32-bit words and may touch one word past a row's end, and
  // the texel shaders read a block through a window of three 16-byte texels (wt_load.glsl's wt_window).
  VkBufferCreateInfo bi{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bi.size = (size + 32 + 15) / 16 * 16;
  padded_size_ = bi.size;
  bi.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT |
             VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  bi.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  VkResult r = vkCreateBuffer(ctx.device(), &bi, nullptr, &buffer_);
  if (r != VK_SUCCESS) throw std::runtime_error("vulkan: cannot create buffer '" + name + "' of " + std::to_string(size) +
                                                " bytes: " + result_name(r));
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(ctx.device(), buffer_, &req);
  const auto& mem = ctx.memory_properties();
  const VkMemoryPropertyFlags host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  int type = -1;
  if (prefer_host_visible) type = find_memory_type(mem, req.memoryTypeBits, host | VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
  if (type < 0 && prefer_host_visible) type = find_memory_type(mem, req.memoryTypeBits, host);
  if (type < 0) type = find_memory_type(mem, req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
  if (type < 0) type = find_memory_type(mem, req.memoryTypeBits, 0);
  if (type < 0) {
    vkDestroyBuffer(ctx.device(), buffer_, nullptr);
    throw std::runtime_error("vulkan: no memory type for buffer '" + name + "'");
  }
  type_ = static_cast<uint32_t>(type);
  // A range of one of the context's memory blocks, aligned for any use of the buffer (storage and texel
  // views at offset 0, host writes).
  const VkPhysicalDeviceLimits& lim = ctx.limits();
  const uint64_t alignment = std::max({req.alignment, lim.minStorageBufferOffsetAlignment,
                                       lim.minTexelBufferOffsetAlignment, lim.nonCoherentAtomSize, uint64_t(16)});
  try {
    range_ = ctx.memory().allocate(req.size, alignment, type_, "buffer '" + name + "'");
  } catch (...) {
    vkDestroyBuffer(ctx.device(), buffer_, nullptr);
    buffer_ = VK_NULL_HANDLE;
    throw;
  }
  r = vkBindBufferMemory(ctx.device(), buffer_, range_.memory, range_.offset);
  if (r != VK_SUCCESS) {
    release();
    throw std::runtime_error("vulkan: cannot bind memory to buffer '" + name + "': " + result_name(r));
  }
  mapped_ = range_.mapped;
  ctx.set_name(VK_OBJECT_TYPE_BUFFER, reinterpret_cast<uint64_t>(buffer_), name);
}

VkBufferView Buffer::texel_view() const {
  if (texel_view_) return texel_view_;
  const uint64_t texels = padded_size_ / 16;  // padded_size_ is a multiple of 16
  if (texels > ctx_.limits().maxTexelBufferElements)
    throw std::runtime_error("vulkan: buffer '" + name_ + "' has " + std::to_string(texels) +
                             " 16-byte texels, more than the device's maxTexelBufferElements (" +
                             std::to_string(ctx_.limits().maxTexelBufferElements) + ")");
  VkBufferViewCreateInfo vi{VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO};
  vi.buffer = buffer_;
  vi.format = VK_FORMAT_R32G32B32A32_UINT;
  vi.offset = 0;
  vi.range = texels * 16;
  VK_CHECK(vkCreateBufferView(ctx_.device(), &vi, nullptr, &texel_view_));
  ctx_.set_name(VK_OBJECT_TYPE_BUFFER_VIEW, reinterpret_cast<uint64_t>(texel_view_), name_ + " (texels)");
  return texel_view_;
}

void Buffer::release() {
  if (texel_view_) vkDestroyBufferView(ctx_.device(), texel_view_, nullptr);
  texel_view_ = VK_NULL_HANDLE;
  if (buffer_) vkDestroyBuffer(ctx_.device(), buffer_, nullptr);
  if (range_.memory) ctx_.memory().free(range_);
  mapped_ = nullptr;
  buffer_ = VK_NULL_HANDLE;
  range_ = {};
}

Buffer::~Buffer() { release(); }

}  // namespace vkg::vk
