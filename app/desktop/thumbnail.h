// An image attached to a message, as a small texture drawn in the window: the file decoded with stb_image (the
// formats vkg_chat reads), scaled to fit kThumbnailSize and uploaded to the window's Vulkan device.
#pragma once

#include <memory>
#include <string>

#include "app/desktop/gpu_device.h"
#include "imgui.h"

namespace vkg_desktop {

constexpr int kThumbnailSize = 160;  // the longer side, in pixels

class Thumbnail {
 public:
  // Throws std::runtime_error naming the file when it cannot be read or decoded.
  Thumbnail(GpuDevice& gpu, const std::string& path);
  ~Thumbnail();
  Thumbnail(const Thumbnail&) = delete;
  Thumbnail& operator=(const Thumbnail&) = delete;

  void draw(const ImVec2& size) const;  // as ImGui::Image
  ImVec2 size() const { return ImVec2(float(width_), float(height_)); }
  int source_width() const { return source_width_; }
  int source_height() const { return source_height_; }

 private:
  void release();

  GpuDevice& gpu_;
  int width_ = 0, height_ = 0, source_width_ = 0, source_height_ = 0;
  VkImage image_ = VK_NULL_HANDLE;
  VkDeviceMemory memory_ = VK_NULL_HANDLE;
  VkImageView view_ = VK_NULL_HANDLE;
  VkDescriptorSet set_ = VK_NULL_HANDLE;
};

using ThumbnailPtr = std::shared_ptr<Thumbnail>;

}  // namespace vkg_desktop
