// Sessions (API 0.3): several conversations on one loaded model at once. The model's Session holds one
// sequence per session slot and a BatchEngine runs them: a vkg_session_chat call submits its prompt and waits
// on its own thread for the job's events, calling the user's callback there; the engine batches the decode
// steps of the calls in flight and gives a conversation's next turn the sequence whose cache it extends.
#include <mutex>

#include "app/c_api/handles.h"

using namespace vkg_c;

struct vkg_session {
  vkg_model* model = nullptr;
  std::mutex mutex;                 // guards job (vkg_session_cancel may come from any thread)
  std::shared_ptr<vkg::Job> job;    // the call in flight
  std::atomic<bool> cancel{false};
};

namespace {

int run_session_chat(vkg_session* s, const vkg_message* messages, int n_messages, const vkg_generate_options& o,
                     vkg_text_callback on_text, void* user_data, vkg_generate_result* result) {
  vkg_model* m = s->model;
  vkg::GenerateParams p = generate_params(m, o, "vkg_session_chat");
  p.cancel = nullptr;  // the engine's own flag (vkg_session_cancel reaches it through the job)
  p.reserve = 1;       // the closing end-of-turn of the reply
  ChatInput in = chat_input(m, messages, n_messages, "vkg_session_chat");
  s->cancel = false;
  std::shared_ptr<vkg::Job> job = m->engine->submit(std::move(in.prompt), std::move(p), std::move(in.pixels));
  {
    std::lock_guard<std::mutex> l(s->mutex);
    s->job = job;
  }
  struct Forget {  // the call is over: vkg_session_cancel no longer reaches its job
    vkg_session* s;
    ~Forget() {
      std::lock_guard<std::mutex> l(s->mutex);
      s->job.reset();
    }
  } forget{s};
  if (s->cancel) job->cancel();  // a vkg_session_cancel between the flag's reset and the job's publication
  vkg::JobEvent e;
  for (;;) {
    if (!job->next(e, std::chrono::seconds(1))) continue;
    if (e.kind == vkg::JobEvent::Kind::text && on_text && on_text(e.text.c_str(), e.text.size(), user_data) != 0)
      job->cancel();
    if (e.kind == vkg::JobEvent::Kind::error) throw std::runtime_error("vkg_session_chat: " + e.text);
    if (e.kind == vkg::JobEvent::Kind::done) break;
  }
  fill_result(e.result, result);
  return 0;
}

}  // namespace

extern "C" {

vkg_model* vkg_model_open_for_sessions(const char* path, const char* mmproj, const vkg_model_options* options,
                                       int sessions) {
  if (sessions < 1 || sessions > 64) {
    fail("vkg_model_open_for_sessions: sessions must be 1..64, got " + std::to_string(sessions));
    return nullptr;
  }
  return guarded(
      [&]() -> vkg_model* {
        std::unique_ptr<vkg_model> m(open_model(path, mmproj, options, sessions));
        m->generator.reset();  // its conversations are sessions, run by the engine
        // Calls beyond the sessions' sequences wait for one (a session has at most one call in flight).
        m->engine = std::make_unique<vkg::BatchEngine>(*m->session, 1 << 20);
        return m.release();
      },
      static_cast<vkg_model*>(nullptr));
}

vkg_session* vkg_session_open(vkg_model* model) {
  if (!check_model(model)) return nullptr;
  if (!model->engine) {
    fail("vkg_session_open: the model was not opened for sessions (vkg_model_open_for_sessions)");
    return nullptr;
  }
  auto* s = new vkg_session;
  s->model = model;
  return s;
}

void vkg_session_close(vkg_session* session) { delete session; }

int vkg_session_chat(vkg_session* session, const vkg_message* messages, int n_messages,
                     const vkg_generate_options* options, vkg_text_callback on_text, void* user_data,
                     vkg_generate_result* result) {
  if (!session) return fail("vkg_session_chat: session handle is NULL");
  const vkg_generate_options o = options ? *options : vkg_generate_default_options();
  return guarded([&] { return run_session_chat(session, messages, n_messages, o, on_text, user_data, result); }, -1);
}

void vkg_session_cancel(vkg_session* session) {
  if (!session) return;
  session->cancel = true;
  std::lock_guard<std::mutex> l(session->mutex);
  if (session->job) session->job->cancel();
}

}  // extern "C"
