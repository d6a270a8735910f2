#include "app/desktop/chat_app.h"

namespace vkg_desktop {
namespace {

double seconds_between(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

ChatApp::ChatApp(GpuDevice& gpu, std::function<void()> wake_ui) : gpu_(gpu), worker_(std::move(wake_ui)) {
  worker_.list_devices();
}

void ChatApp::update() {
  for (WorkerEvent& e : worker_.take_events()) {
    switch (e.kind) {
      case WorkerEvent::Kind::devices_listed:
        devices_ = std::move(e.devices);
        devices_listed_ = true;
        if (!e.text.empty()) error = "listing devices: " + e.text;
        break;
      case WorkerEvent::Kind::load_progress:
        load_stage_ = e.text;
        load_done_ = e.done;
        load_total_ = e.total;
        break;
      case WorkerEvent::Kind::model_loaded:
        model_state_ = ModelState::ready;
        model_ = std::move(e.model);
        load_seconds_ = e.seconds;
        context_used_ = 0;
        break;
      case WorkerEvent::Kind::model_failed:
        model_state_ = ModelState::none;
        // The library's message usually names the file already.
        error = e.text.find(model_path) != std::string::npos ? e.text : "loading " + model_path + ": " + e.text;
        break;
      case WorkerEvent::Kind::piece:
        if (reply_pieces_++ == 0) first_piece_ = std::chrono::steady_clock::now();
        if (!messages_.empty()) messages_.back().text += e.text;
        break;
      case WorkerEvent::Kind::reply_finished:
        finish_reply(e);
        break;
      case WorkerEvent::Kind::reply_failed: {
        generating_ = false;
        error = e.text;
        // The turn is taken back (its text into the input, its images into the attachments), so a bad image
        // does not stay in the conversation and fail every later turn.
        if (!messages_.empty() && messages_.back().role == "assistant") messages_.pop_back();
        if (!messages_.empty() && messages_.back().role == "user") {
          Message turn = std::move(messages_.back());
          messages_.pop_back();
          returned_input = std::move(turn.text);
          attachment_paths_ = std::move(turn.image_paths);
          attachment_thumbnails_ = std::move(turn.thumbnails);
        }
        break;
      }
    }
  }
}

void ChatApp::frame_presented() {
  if (generating_) ++reply_frames_;
}

double ChatApp::loading_seconds() const {
  return model_state_ == ModelState::loading ? seconds_between(load_start_, std::chrono::steady_clock::now()) : 0;
}

double ChatApp::live_tokens_per_second() const {
  if (!generating_) return last_reply_.tokens_per_second;
  const double s = seconds_between(first_piece_, std::chrono::steady_clock::now());
  return reply_pieces_ > 1 && s > 0 ? double(reply_pieces_ - 1) / s : 0;
}

void ChatApp::load_model() {
  if (generating_ || model_state_ == ModelState::loading) return;
  if (model_path.empty()) {
    error = "choose a model file (GGUF) or a Hugging Face directory first";
    return;
  }
  LoadRequest r;
  r.model_path = model_path;
  r.mmproj_path = mmproj_path;
  r.context = context;
  if (!backend_override.empty()) {
    r.backend = backend_override;
    r.device = device_override;
  } else if (device_choice >= 0 && device_choice < int(devices_.size())) {
    r.backend = devices_[device_choice].backend;
    r.device = devices_[device_choice].device;
  }
  model_state_ = ModelState::loading;
  load_stage_.clear();
  load_done_ = load_total_ = 0;
  load_start_ = std::chrono::steady_clock::now();
  worker_.load(r);
}

bool ChatApp::attach_image(const std::string& path) {
  try {
    attachment_thumbnails_.push_back(std::make_shared<Thumbnail>(gpu_, path));
    attachment_paths_.push_back(path);
    return true;
  } catch (const std::exception& e) {
    error = e.what();
    return false;
  }
}

void ChatApp::remove_attachment(size_t index) {
  if (index >= attachment_paths_.size()) return;
  attachment_paths_.erase(attachment_paths_.begin() + long(index));
  attachment_thumbnails_.erase(attachment_thumbnails_.begin() + long(index));
}

void ChatApp::send(const std::string& text) {
  if (generating_) return;
  if (model_state_ != ModelState::ready) {
    error = "load a model before sending a message";
    return;
  }
  if (text.empty() && attachment_paths_.empty()) return;
  Message m{"user", text, std::move(attachment_paths_), std::move(attachment_thumbnails_)};
  attachment_paths_.clear();
  attachment_thumbnails_.clear();
  messages_.push_back(std::move(m));
  start_reply();
}

void ChatApp::start_reply() {
  std::vector<Turn> turns;
  for (const Message& m : messages_) turns.push_back({m.role, m.text, m.image_paths});
  messages_.push_back({"assistant", ""});
  generating_ = true;
  reply_pieces_ = 0;
  reply_frames_ = 0;
  reply_start_ = std::chrono::steady_clock::now();
  worker_.chat(system_prompt, turns, sampling);
}

void ChatApp::finish_reply(const WorkerEvent& e) {
  generating_ = false;
  const double elapsed = seconds_between(reply_start_, std::chrono::steady_clock::now());
  ReplyFigures f;
  f.prompt_tokens = e.result.prompt_tokens;
  f.reused_tokens = e.result.reused_tokens;
  f.completion_tokens = e.result.completion_tokens;
  f.finish = e.result.finish_reason;
  f.seconds = e.seconds;
  const double decode_seconds = e.seconds - e.first_piece_seconds;
  f.tokens_per_second = f.completion_tokens > 1 && decode_seconds > 0 ? (f.completion_tokens - 1) / decode_seconds : 0;
  f.frames = reply_frames_;
  f.frames_per_second = elapsed > 0 ? reply_frames_ / elapsed : 0;
  last_reply_ = f;
  context_used_ = f.prompt_tokens + f.completion_tokens;
}

void ChatApp::stop() {
  if (generating_) worker_.cancel();
}

void ChatApp::new_chat() {
  if (generating_) return;
  messages_.clear();
  attachment_paths_.clear();
  attachment_thumbnails_.clear();
  context_used_ = 0;
}

void ChatApp::regenerate() {
  if (generating_ || model_state_ != ModelState::ready) return;
  if (messages_.empty() || messages_.back().role != "assistant") return;
  messages_.pop_back();
  ++sampling.seed;  // a sampled reply differs; a greedy one (temperature 0) comes back the same
  start_reply();
}

}  // namespace vkg_desktop
