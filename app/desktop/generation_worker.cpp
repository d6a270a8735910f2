#include "app/desktop/generation_worker.h"

#include <cstdio>
#include <utility>

namespace vkg_desktop {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string device_label(const vkg_device& d) {
  char buf[400];
  if (d.device >= 0)
    std::snprintf(buf, sizeof buf, "Vulkan #%d: %s (%s, %.1f GiB)", d.device, d.name, d.type,
                  double(d.memory_bytes) / (1u << 30));
  else
    std::snprintf(buf, sizeof buf, "CPU: %s (%.1f GiB)", d.name, double(d.memory_bytes) / (1u << 30));
  return buf;
}

}  // namespace

GenerationWorker::GenerationWorker(std::function<void()> wake_ui)
    : wake_ui_(std::move(wake_ui)), thread_([this] { run(); }) {}

GenerationWorker::~GenerationWorker() {
  cancel();
  {
    std::lock_guard<std::mutex> lock(jobs_mutex_);
    quit_ = true;
    jobs_.clear();
  }
  jobs_ready_.notify_one();
  thread_.join();
  vkg_model_close(model_);
}

void GenerationWorker::post(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(jobs_mutex_);
    jobs_.push_back(std::move(job));
  }
  jobs_ready_.notify_one();
}

void GenerationWorker::emit(WorkerEvent event) {
  {
    std::lock_guard<std::mutex> lock(events_mutex_);
    events_.push_back(std::move(event));
  }
  if (wake_ui_) wake_ui_();
}

std::vector<WorkerEvent> GenerationWorker::take_events() {
  std::lock_guard<std::mutex> lock(events_mutex_);
  return std::exchange(events_, {});
}

void GenerationWorker::run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(jobs_mutex_);
      jobs_ready_.wait(lock, [this] { return quit_ || !jobs_.empty(); });
      if (quit_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

void GenerationWorker::list_devices() {
  post([this] {
    WorkerEvent e{WorkerEvent::Kind::devices_listed};
    const int n = vkg_device_count();
    for (int i = 0; i < n; ++i) {
      vkg_device d;
      d.struct_size = sizeof d;
      if (vkg_device_info(i, &d) != 0) continue;
      e.devices.push_back({d.backend, d.device, device_label(d)});
    }
    if (n < 0) e.text = vkg_last_error();
    emit(std::move(e));
  });
}

void GenerationWorker::load(const LoadRequest& request) {
  post([this, request] { do_load(request); });
}

void GenerationWorker::do_load(const LoadRequest& request) {
  const auto t0 = std::chrono::steady_clock::now();
  vkg_model* old = nullptr;
  {
    std::lock_guard<std::mutex> lock(model_mutex_);
    old = std::exchange(model_, nullptr);
  }
  vkg_model_close(old);  // its memory is free before the next model loads

  vkg_model_options mo = vkg_model_default_options();
  mo.backend = request.backend.c_str();
  mo.device = request.device;
  mo.context = request.context;
  vkg_model* m = vkg_model_open_with_progress(request.model_path.c_str(),
                                              request.mmproj_path.empty() ? nullptr : request.mmproj_path.c_str(), &mo,
                                              &GenerationWorker::on_progress, this);
  if (!m) {
    emit({WorkerEvent::Kind::model_failed, vkg_last_error()});
    return;
  }
  WorkerEvent e{WorkerEvent::Kind::model_loaded};
  vkg_model_summary info;
  info.struct_size = sizeof info;
  if (vkg_model_info(m, &info) == 0) {
    e.model.name = info.name;
    e.model.architecture = info.architecture;
    e.model.context = info.context;
    e.model.vision = info.vision != 0;
    e.model.parameters_millions = double(info.parameters) / 1e6;
  }
  e.model.backend = vkg_model_backend(m);
  e.seconds = seconds_since(t0);
  {
    std::lock_guard<std::mutex> lock(model_mutex_);
    model_ = m;
  }
  emit(std::move(e));
}

void GenerationWorker::chat(const std::string& system, const std::vector<Turn>& turns, const Sampling& sampling) {
  cancel_requested_ = false;  // a Stop pressed after this request is queued still counts
  post([this, system, turns, sampling] { do_chat(system, turns, sampling); });
}

void GenerationWorker::on_progress(const char* stage, int64_t done, int64_t total, void* user) {
  WorkerEvent e{WorkerEvent::Kind::load_progress, stage};
  e.done = done;
  e.total = total;
  static_cast<GenerationWorker*>(user)->emit(std::move(e));
}

int GenerationWorker::on_piece(const char* text, size_t length, void* user) {
  auto* self = static_cast<GenerationWorker*>(user);
  if (self->first_piece_seconds_ < 0) self->first_piece_seconds_ = seconds_since(self->chat_start_);
  self->emit({WorkerEvent::Kind::piece, std::string(text, length)});
  return self->cancel_requested_ ? 1 : 0;
}

void GenerationWorker::do_chat(const std::string& system, const std::vector<Turn>& turns, const Sampling& sampling) {
  if (!model_) {  // only this thread sets model_, so reading it here needs no lock
    emit({WorkerEvent::Kind::reply_failed, "no model is loaded"});
    return;
  }
  // vkg_message points into `turns` and these arrays, which outlive the call.
  std::vector<std::vector<vkg_image>> images(turns.size());
  std::vector<vkg_message> messages;
  if (!system.empty()) messages.push_back({"system", system.c_str(), nullptr, 0});
  for (size_t i = 0; i < turns.size(); ++i) {
    for (const std::string& path : turns[i].image_paths) images[i].push_back({path.c_str(), nullptr, 0});
    messages.push_back({turns[i].role.c_str(), turns[i].text.c_str(), images[i].empty() ? nullptr : images[i].data(),
                        static_cast<int>(images[i].size())});
  }
  vkg_generate_options go = vkg_generate_default_options();
  go.max_tokens = sampling.max_tokens;
  go.temperature = sampling.temperature;
  go.top_p = sampling.top_p;
  go.top_k = sampling.top_k;
  go.seed = sampling.seed;

  chat_start_ = std::chrono::steady_clock::now();
  first_piece_seconds_ = -1;
  WorkerEvent done{WorkerEvent::Kind::reply_finished};
  const int rc = cancel_requested_ ? 0
                                   : vkg_chat(model_, messages.data(), static_cast<int>(messages.size()), &go,
                                              &GenerationWorker::on_piece, this, &done.result);
  if (rc != 0) {
    emit({WorkerEvent::Kind::reply_failed, vkg_last_error()});
    return;
  }
  if (cancel_requested_ && done.result.completion_tokens == 0) done.result.finish_reason = VKG_FINISH_CANCELLED;
  done.seconds = seconds_since(chat_start_);
  done.first_piece_seconds = first_piece_seconds_ < 0 ? done.seconds : first_piece_seconds_;
  emit(std::move(done));
}

void GenerationWorker::cancel() {
  cancel_requested_ = true;
  std::lock_guard<std::mutex> lock(model_mutex_);
  if (model_) vkg_cancel(model_);
}

}  // namespace vkg_desktop
