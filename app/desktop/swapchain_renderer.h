// Draws ImGui's frames into the window's swapchain and presents them; on request reads the frame just drawn
// back (for --script's screenshots). Recreates the swapchain when the window is resized or it goes out of date.
#pragma once

#include <cstdint>
#include <vector>

#include "app/desktop/gpu_device.h"

struct ImDrawData;

namespace vkg_desktop {

struct Screenshot {  // tightly packed RGBA, top row first
  int width = 0, height = 0;
  std::vector<uint8_t> rgba;
};

class SwapchainRenderer {
 public:
  SwapchainRenderer(GpuDevice& gpu, GLFWwindow* window);
  ~SwapchainRenderer();
  SwapchainRenderer(const SwapchainRenderer&) = delete;
  SwapchainRenderer& operator=(const SwapchainRenderer&) = delete;

  VkRenderPass render_pass() const { return render_pass_; }
  uint32_t image_count() const { return static_cast<uint32_t>(images_.size()); }
  uint32_t min_image_count() const { return min_image_count_; }

  // Draws and presents one frame; returns false when nothing was presented (a minimized window, or the
  // swapchain was out of date and has been recreated). With `capture`, fills it with the frame's pixels.
  bool draw(ImDrawData* draw_data, Screenshot* capture);

 private:
  struct Image {
    VkImage image = VK_NULL_HANDLE;
    VkImageView view = VK_NULL_HANDLE;
    VkFramebuffer framebuffer = VK_NULL_HANDLE;
    VkCommandBuffer commands = VK_NULL_HANDLE;
    VkFence done = VK_NULL_HANDLE;          // the last submission drawing into this image finished
    VkSemaphore rendered = VK_NULL_HANDLE;  // presentation waits on the drawing
  };
  void create_swapchain();
  void destroy_swapchain();
  void record(Image& img, ImDrawData* draw_data, VkBuffer readback);
  void read_back(Screenshot& out);

  GpuDevice& gpu_;
  GLFWwindow* window_;
  VkSurfaceFormatKHR format_{};
  VkPresentModeKHR present_mode_ = VK_PRESENT_MODE_FIFO_KHR;
  VkRenderPass render_pass_ = VK_NULL_HANDLE;
  VkSwapchainKHR swapchain_ = VK_NULL_HANDLE;
  VkExtent2D extent_{};
  bool can_read_back_ = false;  // the surface allows TRANSFER_SRC on its images
  uint32_t min_image_count_ = 2;
  std::vector<Image> images_;
  std::vector<VkSemaphore> acquired_;  // one more than images: the next acquire never reuses a busy one
  uint32_t acquire_index_ = 0;
  VkBuffer readback_ = VK_NULL_HANDLE;
  VkDeviceMemory readback_memory_ = VK_NULL_HANDLE;
  VkDeviceSize readback_size_ = 0;
};

}  // namespace vkg_desktop
