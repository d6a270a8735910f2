#include "app/desktop/thumbnail.h"

#include <cstring>

#include "app/desktop/imgui_textures.h"
#include <stb/stb_image.h>
#include <stb/stb_image_resize.h>

namespace vkg_desktop {
Thumbnail::Thumbnail(GpuDevice& gpu, const std::string& path) : gpu_(gpu) {
  int channels = 0;
  stbi_uc* pixels = stbi_load(path.c_str(), &source_width_, &source_height_, &channels, 4);
  if (!pixels) throw std::runtime_error(path + ": cannot decode image (" + stbi_failure_reason() + ")");
  const float scale = std::min(1.0f, float(kThumbnailSize) / float(std::max(source_width_, source_height_)));
  width_ = std::max(1, int(source_width_ * scale + 0.5f));
  height_ = std::max(1, int(source_height_ * scale + 0.5f));
  std::vector<uint8_t> small(size_t(width_) * height_ * 4);
  stbir_resize_uint8(pixels, source_width_, source_height_, 0, small.data(), width_, height_, 0, 4);
  stbi_image_free(pixels);

  VkDevice dev = gpu.device();
  VkBuffer staging = VK_NULL_HANDLE;
  VkDeviceMemory staging_memory = VK_NULL_HANDLE;
  try {
    VkImageCreateInfo ii{VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO};
    ii.imageType = VK_IMAGE_TYPE_2D;
    ii.format = VK_FORMAT_R8G8B8A8_UNORM;
    ii.extent = {uint32_t(width_), uint32_t(height_), 1};
    ii.mipLevels = 1;
    ii.arrayLayers = 1;
    ii.samples = VK_SAMPLE_COUNT_1_BIT;
    ii.tiling = VK_IMAGE_TILING_OPTIMAL;
    ii.usage = VK_IMAGE_USAGE_SAMPLED_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT;
    ii.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED;
    VK_CHECK(vkCreateImage(dev, &ii, nullptr, &image_));
    VkMemoryRequirements req;
    vkGetImageMemoryRequirements(dev, image_, &req);
    VkMemoryAllocateInfo ai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
    ai.allocationSize = req.size;
    ai.memoryTypeIndex = gpu.memory_type(req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    VK_CHECK(vkAllocateMemory(dev, &ai, nullptr, &memory_));
    VK_CHECK(vkBindImageMemory(dev, image_, memory_, 0));

    VkBufferCreateInfo bi{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
    bi.size = small.size();
    bi.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT;
    VK_CHECK(vkCreateBuffer(dev, &bi, nullptr, &staging));
    vkGetBufferMemoryRequirements(dev, staging, &req);
    ai.allocationSize = req.size;
    ai.memoryTypeIndex =
        gpu.memory_type(req.memoryTypeBits, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
    VK_CHECK(vkAllocateMemory(dev, &ai, nullptr, &staging_memory));
    VK_CHECK(vkBindBufferMemory(dev, staging, staging_memory, 0));
    void* mapped = nullptr;
    VK_CHECK(vkMapMemory(dev, staging_memory, 0, VK_WHOLE_SIZE, 0, &mapped));
    std::memcpy(mapped, small.data(), small.size());
    vkUnmapMemory(dev, staging_memory);

    gpu.submit_and_wait([&](VkCommandBuffer cb) {
      VkImageMemoryBarrier b{VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER};
      b.dstAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
      b.oldLayout = VK_IMAGE_LAYOUT_UNDEFINED;
      b.newLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL;
      b.srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
      b.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
      b.image = image_;
      b.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
      vkCmdPipelineBarrier(cb, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 0, nullptr, 0,
                           nullptr, 1, &b);
      VkBufferImageCopy region{};
      region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
      region.imageExtent = ii.extent;
      vkCmdCopyBufferToImage(cb, staging, image_, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &region);
      b.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
      b.dstAccessMask = VK_ACCESS_SHADER_READ_BIT;
      b.oldLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL;
      b.newLayout = VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL;
      vkCmdPipelineBarrier(cb, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT, 0, 0, nullptr, 0,
                           nullptr, 1, &b);
    });
    vkDestroyBuffer(dev, staging, nullptr);
    vkFreeMemory(dev, staging_memory, nullptr);
    staging = VK_NULL_HANDLE;
    staging_memory = VK_NULL_HANDLE;

    VkImageViewCreateInfo vi{VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO};
    vi.image = image_;
    vi.viewType = VK_IMAGE_VIEW_TYPE_2D;
    vi.format = VK_FORMAT_R8G8B8A8_UNORM;
    vi.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
    VK_CHECK(vkCreateImageView(dev, &vi, nullptr, &view_));

    VkDescriptorSetLayout layout = imgui_texture_layout();
    VkDescriptorSetAllocateInfo dai{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    dai.descriptorPool = gpu.descriptor_pool();
    dai.descriptorSetCount = 1;
    dai.pSetLayouts = &layout;
    VK_CHECK(vkAllocateDescriptorSets(dev, &dai, &set_));
    VkDescriptorImageInfo image_info{VK_NULL_HANDLE, view_,
                                     VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL};  // sampler: the layout's
    VkWriteDescriptorSet write{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
    write.dstSet = set_;
    write.descriptorCount = 1;
    write.descriptorType = VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER;
    write.pImageInfo = &image_info;
    vkUpdateDescriptorSets(dev, 1, &write, 0, nullptr);
  } catch (...) {
    if (staging) vkDestroyBuffer(dev, staging, nullptr);
    if (staging_memory) vkFreeMemory(dev, staging_memory, nullptr);
    release();
    throw;
  }
}

Thumbnail::~Thumbnail() { release(); }

void Thumbnail::draw(const ImVec2& size) const { imgui_image(set_, size); }

void Thumbnail::release() {
  VkDevice dev = gpu_.device();
  vkDeviceWaitIdle(dev);  // a frame in flight may still sample it
  if (set_) vkFreeDescriptorSets(dev, gpu_.descriptor_pool(), 1, &set_);
  if (view_) vkDestroyImageView(dev, view_, nullptr);
  if (image_) vkDestroyImage(dev, image_, nullptr);
  if (memory_) vkFreeMemory(dev, memory_, nullptr);
  set_ = VK_NULL_HANDLE;
  view_ = VK_NULL_HANDLE;
  image_ = VK_NULL_HANDLE;
  memory_ = VK_NULL_HANDLE;
}

}  // namespace vkg_desktop
