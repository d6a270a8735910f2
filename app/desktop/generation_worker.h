// The one thread that calls into the model (vkgemma_c's [per handle] calls: open, chat, close), so the UI thread
// never waits on loading or generation. Requests go in through a queue; what happens comes back as events the
// UI takes once per frame (take_events never waits on the model: the worker holds the event lock only to
// append). Stop is vkg_cancel, which the C API allows from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "vkgemma.h"

namespace vkg_desktop {

struct DeviceChoice {   // one entry of vkg_device_info
  std::string backend;  // "vulkan" or "cpu"
  int device = -1;
  std::string label;  // name, type and memory, for the picker
};

struct ModelSummary {
  std::string name, architecture, backend;
  int context = 0;
  bool vision = false;
  double parameters_millions = 0;
};

struct Turn {
  std::string role;  // "user" or "assistant"
  std::string text;
  std::vector<std::string> image_paths;
};

struct Sampling {  // what vkg_generate_options carries; the defaults are Gemma's recommended sampling
  float temperature = 1.0f;
  float top_p = 0.95f;
  int top_k = 64;
  int max_tokens = 512;
  uint64_t seed = 0;
};

struct LoadRequest {
  std::string model_path, mmproj_path;  // mmproj empty: none
  std::string backend = "auto";
  int device = -1;
  int context = 0;  // 0: the model's, fitted to memory
};

struct WorkerEvent {
  enum class Kind { devices_listed, load_progress, model_loaded, model_failed, piece, reply_finished, reply_failed };
  Kind kind;
  std::string text;             // the piece, the error (vkg_last_error), or the loading stage
  int64_t done = 0, total = 0;  // load_progress: bytes of weights (vkg_progress_callback)
  std::vector<DeviceChoice> devices;
  ModelSummary model;
  vkg_generate_result result{};
  double seconds = 0;              // loading, or the whole vkg_chat call
  double first_piece_seconds = 0;  // from the start of vkg_chat to its first piece (prompt and images)
};

class GenerationWorker {
 public:
  explicit GenerationWorker(std::function<void()> wake_ui);  // wake_ui: called from the worker after each event
  ~GenerationWorker();
  GenerationWorker(const GenerationWorker&) = delete;
  GenerationWorker& operator=(const GenerationWorker&) = delete;

  void list_devices();
  void load(const LoadRequest& request);
  // The reply to `turns` (ending with a user turn) under `system` (empty: none).
  void chat(const std::string& system, const std::vector<Turn>& turns, const Sampling& sampling);
  void cancel();  // stops the reply in progress after its current token
  std::vector<WorkerEvent> take_events();

 private:
  void post(std::function<void()> job);
  void emit(WorkerEvent event);
  void run();
  void do_load(const LoadRequest& request);
  void do_chat(const std::string& system, const std::vector<Turn>& turns, const Sampling& sampling);
  static int on_piece(const char* text, size_t length, void* self);
  static void on_progress(const char* stage, int64_t done, int64_t total, void* self);

  std::function<void()> wake_ui_;
  std::mutex jobs_mutex_;
  std::condition_variable jobs_ready_;
  std::deque<std::function<void()>> jobs_;
  bool quit_ = false;
  std::mutex events_mutex_;
  std::vector<WorkerEvent> events_;
  std::mutex model_mutex_;  // guards model_ for vkg_cancel from the UI thread against the worker's close
  vkg_model* model_ = nullptr;
  std::atomic<bool> cancel_requested_{false};
  std::chrono::steady_clock::time_point chat_start_;  // worker thread only
  double first_piece_seconds_ = -1;
  std::thread thread_;
};

}  // namespace vkg_desktop
