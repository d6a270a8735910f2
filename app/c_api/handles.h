// What the C API's files share: the model handle and the error plumbing (no exception crosses the C
// boundary; failures leave their message in a thread-local string that vkg_last_error() returns).
#pragma once
#include <atomic>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include "model/engine/batch_engine.h"
#include "model/engine/generator.h"
#include "model/model.h"
#include "model/session.h"
#include "vkgemma.h"

// Opened by vkg_model_open[_with_vision]: one Generator on the session. Opened for sessions
// (vkg_model_open_for_sessions): a BatchEngine over the session's sequences instead.
struct vkg_model {
  std::unique_ptr<vkg::Model> model;
  std::unique_ptr<vkg::Session> session;
  std::unique_ptr<vkg::Generator> generator;
  std::unique_ptr<vkg::BatchEngine> engine;
  std::string backend_name;
  std::atomic<bool> cancel{false};
};

static_assert(int(vkg::FinishReason::stop) == VKG_FINISH_STOP && int(vkg::FinishReason::length) == VKG_FINISH_LENGTH &&
              int(vkg::FinishReason::context_full) == VKG_FINISH_CONTEXT_FULL &&
              int(vkg::FinishReason::cancelled) == VKG_FINISH_CANCELLED);

namespace vkg_c {

// This thread's last error (vkg_last_error).
// Defined once, in c_api.cpp: an `inline thread_local` of a class type is defined in every file that uses it,
// and mingw-w64's linker refuses the copies of its TLS init function (multiple definition).
extern thread_local std::string last_error;

inline int fail(const std::string& message) {
  last_error = message;
  return -1;
}

// Runs f, turning any exception into -1 (or `error_value`) and vkg_last_error().
template <typename F, typename R = decltype(std::declval<F>()())>
R guarded(F&& f, R error_value) {
  try {
    return f();
  } catch (const std::exception& e) {
    last_error = e.what();
  } catch (...) {
    last_error = "unknown error";
  }
  return error_value;
}

// snprintf-like copy: returns the full length, writes what fits and a NUL.
inline int copy_out(const std::string& s, char* out, size_t capacity) {
  if (out && capacity > 0) {
    const size_t n = std::min(s.size(), capacity - 1);
    std::memcpy(out, s.data(), n);
    out[n] = '\0';
  }
  return static_cast<int>(s.size());
}

inline bool check_model(const vkg_model* m) {
  if (m) return true;
  last_error = "model handle is NULL";
  return false;
}

// The model's Generator; a model opened for sessions has none (its conversations are vkg_session handles).
inline vkg::Generator& generator(vkg_model* m, const char* function) {
  if (!m->generator)
    throw std::runtime_error(std::string(function) + ": this model was opened for sessions (vkg_model_open_for_sessions): "
                             "use vkg_session_open and vkg_session_chat");
  return *m->generator;
}

// A new handle: the model on its session (`sequences` of them: vkg_model_open_for_sessions) and a Generator,
// reporting its progress to on_progress when given. Throws naming the problem. (c_api.cpp)
vkg_model* open_model(const char* path, const char* mmproj, const vkg_model_options* options, int sequences,
                      vkg_progress_callback on_progress = nullptr, void* user_data = nullptr);

// vkg_chat's prompt: the messages in the model's chat template, with each image decoded and preprocessed
// (pixels, in order; the vision tower has not run). Throws naming what is wrong. (chat.cpp)
struct ChatInput {
  vkg::Prompt prompt;
  std::vector<std::vector<float>> pixels;
};
ChatInput chat_input(vkg_model* m, const vkg_message* messages, int n_messages, const char* function);

// Checks the options (throws naming the bad field) and turns them into the engine's parameters; `cancel` is
// the model's flag, cleared for this call (sessions: the BatchEngine's own).
inline vkg::GenerateParams generate_params(vkg_model* m, const vkg_generate_options& o, const char* function) {
  if (o.max_tokens < 0)
    throw std::runtime_error(std::string(function) + ": max_tokens must be >= 0, got " + std::to_string(o.max_tokens));
  if (o.n_stop < 0 || (o.n_stop > 0 && !o.stop)) throw std::runtime_error(std::string(function) + ": bad stop array");
  m->cancel = false;
  vkg::GenerateParams p;
  p.max_tokens = o.max_tokens;
  p.sampling.temperature = o.temperature;
  p.sampling.top_k = o.top_k;
  p.sampling.top_p = o.top_p;
  p.sampling.seed = o.seed;
  p.cancel = &m->cancel;
  for (int i = 0; i < o.n_stop; ++i)
    if (o.stop[i]) p.stop.emplace_back(o.stop[i]);
  return p;
}

// The engine's text callback over the C one (which may be NULL); non-zero from it cancels.
inline vkg::TextCallback text_callback(vkg_text_callback on_text, void* user_data) {
  return [on_text, user_data](const std::string& text) {
    return !(on_text && on_text(text.c_str(), text.size(), user_data) != 0);
  };
}

inline void fill_result(const vkg::GenerateResult& r, vkg_generate_result* result) {
  if (!result) return;
  result->prompt_tokens = r.prompt_tokens;
  result->reused_tokens = r.reused_tokens;
  result->completion_tokens = r.completion_tokens;
  result->finish_reason = static_cast<vkg_finish_reason>(r.finish);
}

}  // namespace vkg_c
