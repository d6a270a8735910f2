// What the window shows and what its buttons do, without drawing: the model picker's choices, the conversation
// with its images, sampling settings, the reply being streamed, errors, and the figures of the status line.
// The UI (chat_ui.cpp) and the script runner (script_runner.cpp) both act through these methods, so a script
// drives the same path a person does.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "app/desktop/generation_worker.h"
#include "app/desktop/thumbnail.h"

namespace vkg_desktop {

struct Message {
  std::string role;  // "user" or "assistant"
  std::string text;
  std::vector<std::string> image_paths;
  std::vector<ThumbnailPtr> thumbnails;  // one per image path
};

struct ReplyFigures {  // the last finished reply
  int prompt_tokens = 0, reused_tokens = 0, completion_tokens = 0;
  vkg_finish_reason finish = VKG_FINISH_STOP;
  double seconds = 0, tokens_per_second = 0;
  long frames = 0;  // frames the window presented while it was generated
  double frames_per_second = 0;
};

enum class ModelState { none, loading, ready };

class ChatApp {
 public:
  ChatApp(GpuDevice& gpu, std::function<void()> wake_ui);

  void update();           // takes the worker's events; once per frame, before drawing
  void frame_presented();  // counts frames for the frame rate during generation

  void load_model();                           // model_path, mmproj_path and the chosen device
  bool attach_image(const std::string& path);  // to the next message; false (and error set) if unreadable
  void remove_attachment(size_t index);
  void send(const std::string& text);  // with the attachments
  void stop();
  void new_chat();
  void regenerate();  // the last reply again, with the next seed

  bool generating() const { return generating_; }
  ModelState model_state() const { return model_state_; }
  double loading_seconds() const;
  const std::string& load_stage() const { return load_stage_; }  // "reading", "weights"
  float load_fraction() const { return load_total_ > 0 ? float(double(load_done_) / double(load_total_)) : 0.0f; }
  const ModelSummary& model() const { return model_; }
  double load_seconds() const { return load_seconds_; }
  const std::vector<DeviceChoice>& devices() const { return devices_; }
  bool devices_listed() const { return devices_listed_; }
  const std::vector<Message>& messages() const { return messages_; }
  const std::vector<ThumbnailPtr>& attachments() const { return attachment_thumbnails_; }
  const ReplyFigures& last_reply() const { return last_reply_; }
  int context_used() const { return context_used_; }
  double live_tokens_per_second() const;

  // Edited by the UI and the script.
  std::string model_path, mmproj_path;
  int device_choice = -1;        // index into devices(); -1: automatic (Vulkan if there is a device, else the CPU)
  std::string backend_override;  // the script's "backend": set, it replaces the device choice
  int device_override = -1;      // with it: the Vulkan device index (-1: the best)
  int context = 0;
  std::string system_prompt;
  Sampling sampling;
  std::string returned_input;  // a failed turn's text, for the UI to put back into the input box
  std::string error;           // shown in the window until dismissed; vkg_last_error() text for the model's failures

 private:
  void start_reply();
  void finish_reply(const WorkerEvent& e);

  GpuDevice& gpu_;
  GenerationWorker worker_;
  std::vector<DeviceChoice> devices_;
  bool devices_listed_ = false;
  ModelState model_state_ = ModelState::none;
  ModelSummary model_;
  double load_seconds_ = 0;
  std::string load_stage_;
  int64_t load_done_ = 0, load_total_ = 0;
  std::chrono::steady_clock::time_point load_start_;
  std::vector<Message> messages_;
  std::vector<std::string> attachment_paths_;
  std::vector<ThumbnailPtr> attachment_thumbnails_;
  bool generating_ = false;
  int context_used_ = 0;
  ReplyFigures last_reply_;
  std::chrono::steady_clock::time_point reply_start_, first_piece_;
  long reply_pieces_ = 0;
  long reply_frames_ = 0;
};

}  // namespace vkg_desktop
