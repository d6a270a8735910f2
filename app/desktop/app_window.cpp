#include "app/desktop/app_window.h"

#include "backends/imgui_impl_glfw.h"
#include "backends/imgui_impl_vulkan.h"
#include "imgui.h"

namespace vkg_desktop {
namespace {

void check_imgui_vk_result(VkResult r) {
  if (r < 0) throw_vk_failure("ImGui's Vulkan backend", r);
}

}  // namespace

AppWindow::AppWindow(const WindowOptions& o) {
  glfwWindowHint(GLFW_CLIENT_API, GLFW_NO_API);  // Vulkan draws it, no GL context
  window_ = glfwCreateWindow(o.width, o.height, "vkgemma-chat", nullptr, nullptr);
  if (!window_) {
    const char* why = nullptr;
    glfwGetError(&why);
    throw std::runtime_error(std::string("cannot create the window: ") + (why ? why : "GLFW gave no reason"));
  }
  try {
    gpu_ = std::make_unique<GpuDevice>(window_, o.validation);
    renderer_ = std::make_unique<SwapchainRenderer>(*gpu_, window_);

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;  // no imgui.ini next to wherever the app was started
    ImGui::StyleColorsDark();
    ImGuiStyle& style = ImGui::GetStyle();
    style.WindowRounding = 0.0f;
    style.FrameRounding = 3.0f;
    style.ChildRounding = 4.0f;
    imgui_glfw_ = ImGui_ImplGlfw_InitForVulkan(window_, true);
    ImGui_ImplVulkan_InitInfo info{};
    info.Instance = gpu_->instance();
    info.PhysicalDevice = gpu_->physical();
    info.Device = gpu_->device();
    info.QueueFamily = gpu_->queue_family();
    info.Queue = gpu_->queue();
    info.DescriptorPool = gpu_->descriptor_pool();
    info.MinImageCount = renderer_->min_image_count();
    info.ImageCount = std::max(renderer_->image_count(), renderer_->min_image_count());
    info.MSAASamples = VK_SAMPLE_COUNT_1_BIT;
    info.CheckVkResultFn = check_imgui_vk_result;
    imgui_vulkan_ = ImGui_ImplVulkan_Init(&info, renderer_->render_pass());
    if (!imgui_glfw_ || !imgui_vulkan_) throw std::runtime_error("ImGui's GLFW or Vulkan backend failed to start");
    gpu_->submit_and_wait([](VkCommandBuffer cb) { ImGui_ImplVulkan_CreateFontsTexture(cb); });
    ImGui_ImplVulkan_DestroyFontUploadObjects();
  } catch (...) {
    release();
    throw;
  }
}

AppWindow::~AppWindow() { release(); }

void AppWindow::release() {
  if (gpu_) vkDeviceWaitIdle(gpu_->device());
  if (imgui_vulkan_) ImGui_ImplVulkan_Shutdown();
  if (imgui_glfw_) ImGui_ImplGlfw_Shutdown();
  imgui_vulkan_ = imgui_glfw_ = false;
  if (ImGui::GetCurrentContext()) ImGui::DestroyContext();
  renderer_.reset();
  gpu_.reset();
  if (window_) glfwDestroyWindow(window_);
  window_ = nullptr;
}

void AppWindow::begin_frame() {
  ImGui_ImplVulkan_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
}

bool AppWindow::end_frame(Screenshot* capture) {
  ImGui::Render();
  ImDrawData* draw_data = ImGui::GetDrawData();
  const bool minimized = draw_data->DisplaySize.x <= 0.0f || draw_data->DisplaySize.y <= 0.0f;
  if (minimized) return false;
  return renderer_->draw(draw_data, capture);
}

}  // namespace vkg_desktop
