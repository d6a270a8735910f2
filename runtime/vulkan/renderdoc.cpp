#include "runtime/vulkan/renderdoc.h"

#include <renderdoc_app.h>

#include "runtime/platform/library.h"

namespace vkg::vk {

RenderDoc* RenderDoc::get() {
  static RenderDoc* instance = []() -> RenderDoc* {
    void* lib = find_loaded_library("librenderdoc.so", "renderdoc.dll");
    if (!lib) return nullptr;
    auto get_api = reinterpret_cast<pRENDERDOC_GetAPI>(library_symbol(lib, "RENDERDOC_GetAPI"));
    void* api = nullptr;
    if (!get_api || !get_api(eRENDERDOC_API_Version_1_6_0, &api) || !api) return nullptr;
    static RenderDoc rd;
    rd.api_ = api;
    return &rd;
  }();
  return instance;
}

void RenderDoc::start_capture(VkInstance instance, const std::string& title) {
  auto* api = static_cast<RENDERDOC_API_1_6_0*>(api_);
  api->StartFrameCapture(RENDERDOC_DEVICEPOINTER_FROM_VKINSTANCE(instance), nullptr);
  api->SetCaptureTitle(title.c_str());
}

void RenderDoc::end_capture(VkInstance instance) {
  auto* api = static_cast<RENDERDOC_API_1_6_0*>(api_);
  api->EndFrameCapture(RENDERDOC_DEVICEPOINTER_FROM_VKINSTANCE(instance), nullptr);
}

}  // namespace vkg::vk
