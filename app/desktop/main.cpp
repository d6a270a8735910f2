// vkgemma-chat: a desktop chat window for Gemma models, built on the C API alone (include/vkgemma.h, the
// vkgemma shared library). Dear ImGui on GLFW, drawn with Vulkan; the model runs on a worker thread.
//   vkgemma-chat [MODEL [MMPROJ]]       MODEL given: loaded at start on the automatic device
//   vkgemma-chat --script FILE          the window driven by a script (app/desktop/script_runner.h)
// Exit status: 0, or 1 with a message on stderr (script failure, no window or Vulkan device).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <algorithm>

#include "app/desktop/app_window.h"
#include "app/desktop/chat_app.h"
#include "app/desktop/chat_ui.h"
#include "app/desktop/script_runner.h"
#include "vkgemma.h"

namespace {

const auto kProcessStart = std::chrono::steady_clock::now();

void on_glfw_error(int code, const char* text) { std::fprintf(stderr, "glfw: %s (0x%x)\n", text, code); }

void on_drop(GLFWwindow* window, int count, const char** paths) {
  auto* app = static_cast<vkg_desktop::ChatApp*>(glfwGetWindowUserPointer(window));
  for (int i = 0; i < count; ++i) app->attach_image(paths[i]);
}

int usage() {
  std::fprintf(stderr, "usage: vkgemma-chat [MODEL [MMPROJ]] | --script FILE\n");
  return 2;
}

// Frames are drawn when something happens: input, or a worker event (a streamed piece; the worker wakes the
// loop with glfwPostEmptyEvent). While busy at least kBusyFps for the spinners, never more than kMaxFps: on a
// software Vulkan device (lavapipe) every frame takes CPU time from the model on the same cores. Idle, the
// window sleeps until input.
constexpr double kMaxFps = 60, kBusyFps = 30;

void pace_frame(bool busy) {
  using clock = std::chrono::steady_clock;
  static clock::time_point last = clock::now();
  const double since = std::chrono::duration<double>(clock::now() - last).count();
  if (since < 1.0 / kMaxFps) std::this_thread::sleep_for(std::chrono::duration<double>(1.0 / kMaxFps - since));
  const double waited = std::chrono::duration<double>(clock::now() - last).count();
  if (busy)
    glfwWaitEventsTimeout(std::max(0.0, 1.0 / kBusyFps - waited));
  else
    glfwWaitEventsTimeout(0.5);
  last = clock::now();
}

// The UI loop; with a script, until it finishes. Returns the exit status.
int run(vkg_desktop::AppWindow& window, vkg_desktop::ChatApp& app, vkg_desktop::ScriptRunner* script) {
  vkg_desktop::ChatUi ui(app);
  glfwSetWindowUserPointer(window.glfw(), &app);
  glfwSetDropCallback(window.glfw(), on_drop);
  bool first_frame = true;
  while (!window.should_close()) {
    pace_frame(script || app.generating() || app.model_state() == vkg_desktop::ModelState::loading ||
               !app.devices_listed());  // a script moves on one command a frame: never idle
    app.update();
    window.begin_frame();
    ui.draw(window.gpu().name());
    vkg_desktop::Screenshot shot;
    const bool presented = window.end_frame(script && script->wants_screenshot() ? &shot : nullptr);
    if (!presented) continue;
    app.frame_presented();
    if (first_frame) {
      first_frame = false;
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - kProcessStart).count();
      std::printf("startup: first frame presented %.3f s after start (window on %s)\n", s, window.gpu().name().c_str());
      std::fflush(stdout);
    }
    for (const std::string& e : window.gpu().take_validation_errors()) {
      std::fprintf(stderr, "vulkan validation: %s\n", e.c_str());
      if (script) return 1;
    }
    if (script) {
      const auto status = script->step(app, shot);
      if (status == vkg_desktop::ScriptRunner::Status::failed) {
        std::fprintf(stderr, "error: %s\n", script->failure().c_str());
        return 1;
      }
      if (status == vkg_desktop::ScriptRunner::Status::finished) return 0;
    }
  }
  app.stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string script_path, model, mmproj;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--script") == 0 && i + 1 < argc)
      script_path = argv[++i];
    else if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0)
      return usage();
    else if (argv[i][0] == '-')
      return usage();
    else if (model.empty())
      model = argv[i];
    else if (mmproj.empty())
      mmproj = argv[i];
    else
      return usage();
  }
  if (vkg_api_version() >> 16 != VKGEMMA_API_VERSION_MAJOR ||
      (vkg_api_version() & 0xffff) < VKGEMMA_API_VERSION_MINOR) {
    std::fprintf(stderr, "error: vkgemma-chat needs C API %d.%d, the library has %u.%u\n", VKGEMMA_API_VERSION_MAJOR,
                 VKGEMMA_API_VERSION_MINOR, vkg_api_version() >> 16, vkg_api_version() & 0xffff);
    return 1;
  }
  std::unique_ptr<vkg_desktop::ScriptRunner> script;
  try {
    if (!script_path.empty()) script = std::make_unique<vkg_desktop::ScriptRunner>(script_path);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }

  glfwSetErrorCallback(on_glfw_error);
  if (!glfwInit()) {
    std::fprintf(stderr, "error: cannot open a window: GLFW found no display (set DISPLAY, or run under xvfb-run)\n");
    return 1;
  }
  int rc = 1;
  try {
    vkg_desktop::WindowOptions wo;
    const char* validation = std::getenv("VKGEMMA_VALIDATION");
    wo.validation = validation && std::strcmp(validation, "1") == 0;
    vkg_desktop::AppWindow window(wo);
    vkg_desktop::ChatApp app(window.gpu(), [] { glfwPostEmptyEvent(); });
    if (!model.empty()) {
      app.model_path = model;
      app.mmproj_path = mmproj;
      app.load_model();
    }
    rc = run(window, app, script.get());
  } catch (const std::exception& e) {
    // The window's own Vulkan failing (device lost, no device that can present) ends the app with the reason.
    std::fprintf(stderr, "error: %s\n", e.what());
    rc = 1;
  }
  glfwTerminate();
  return rc;
}
