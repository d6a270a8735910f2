// The native window: GLFW, the app's Vulkan device and swapchain, and Dear ImGui set up on them (its GLFW input
// backend and Vulkan renderer backend). One ImGui frame per begin_frame / end_frame.
#pragma once

#include <memory>
#include <string>

#include "app/desktop/gpu_device.h"
#include "app/desktop/swapchain_renderer.h"

namespace vkg_desktop {

struct WindowOptions {
  int width = 1180, height = 760;
  bool validation = false;  // the Khronos validation layer on the window's instance (VKGEMMA_VALIDATION=1)
};

class AppWindow {
 public:
  explicit AppWindow(const WindowOptions& options);  // throws std::runtime_error naming what failed
  ~AppWindow();
  AppWindow(const AppWindow&) = delete;
  AppWindow& operator=(const AppWindow&) = delete;

  GLFWwindow* glfw() const { return window_; }
  GpuDevice& gpu() { return *gpu_; }
  bool should_close() const { return glfwWindowShouldClose(window_) != 0; }
  void begin_frame();
  // Renders the frame ImGui built and presents it; false if nothing was presented. `capture`: see
  // SwapchainRenderer::draw.
  bool end_frame(Screenshot* capture);

 private:
  void release();  // also when the constructor fails half-way

  GLFWwindow* window_ = nullptr;
  std::unique_ptr<GpuDevice> gpu_;
  std::unique_ptr<SwapchainRenderer> renderer_;
  bool imgui_glfw_ = false, imgui_vulkan_ = false;
};

}  // namespace vkg_desktop
