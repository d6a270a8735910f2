// The C API (include/vkgemma.h) over Model, Session and Generator. Every entry point catches everything:
// no exception crosses the C boundary; failures leave their message in a thread-local string.
#include "vkgemma.h"

#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "model/chat_template.h"
#include "model/engine/generator.h"
#include "model/model.h"
#include "model/session.h"

struct vkg_model {
  std::unique_ptr<vkg::Model> model;
  std::unique_ptr<vkg::Session> session;
  std::unique_ptr<vkg::Generator> generator;
  std::string backend_name;
  std::atomic<bool> cancel{false};
};

static_assert(int(vkg::FinishReason::stop) == VKG_FINISH_STOP && int(vkg::FinishReason::length) == VKG_FINISH_LENGTH &&
              int(vkg::FinishReason::context_full) == VKG_FINISH_CONTEXT_FULL &&
              int(vkg::FinishReason::cancelled) == VKG_FINISH_CANCELLED);

namespace {

thread_local std::string last_error;

int fail(const std::string& message) {
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
int copy_out(const std::string& s, char* out, size_t capacity) {
  if (out && capacity > 0) {
    const size_t n = std::min(s.size(), capacity - 1);
    std::memcpy(out, s.data(), n);
    out[n] = '\0';
  }
  return static_cast<int>(s.size());
}

bool check_model(const vkg_model* m) {
  if (m) return true;
  last_error = "model handle is NULL";
  return false;
}

}  // namespace

extern "C" {

const char* vkg_version(void) { return "0.1"; }
const char* vkg_last_error(void) { return last_error.c_str(); }

vkg_model_options vkg_model_default_options(void) {
  vkg_model_options o;
  o.backend = "auto";
  o.device = -1;
  o.context = 0;
  o.threads = 0;
  o.exact = 0;
  return o;
}

vkg_model* vkg_model_open(const char* path, const vkg_model_options* options) {
  return guarded(
      [&]() -> vkg_model* {
        if (!path) throw std::runtime_error("model path is NULL");
        const vkg_model_options o = options ? *options : vkg_model_default_options();
        auto m = std::make_unique<vkg_model>();
        m->model = vkg::Model::load(path);
        vkg::SessionOptions so;
        so.backend = o.backend ? o.backend : "auto";
        so.device = o.device;
        so.context = o.context;
        so.n_threads = o.threads;
        so.exact_matmul = o.exact != 0;
        m->session = std::make_unique<vkg::Session>(*m->model, so);
        m->generator = std::make_unique<vkg::Generator>(*m->session);
        m->backend_name = m->session->backend().name();
        return m.release();
      },
      static_cast<vkg_model*>(nullptr));
}

void vkg_model_close(vkg_model* model) { delete model; }

const char* vkg_model_backend(const vkg_model* model) { return check_model(model) ? model->backend_name.c_str() : ""; }
int vkg_model_context(const vkg_model* model) { return check_model(model) ? model->session->context() : -1; }
int vkg_model_vocab_size(const vkg_model* model) {
  return check_model(model) ? model->model->config().vocab_size : -1;
}

int vkg_tokenize(vkg_model* model, const char* text, int add_bos, int32_t* tokens, int capacity) {
  if (!check_model(model)) return -1;
  if (!text) return fail("vkg_tokenize: text is NULL");
  return guarded(
      [&] {
        const std::vector<int> ids = model->model->tokenizer().encode(text, add_bos != 0);
        for (size_t i = 0; i < ids.size() && tokens && static_cast<int>(i) < capacity; ++i) tokens[i] = ids[i];
        return static_cast<int>(ids.size());
      },
      -1);
}

int vkg_detokenize(vkg_model* model, const int32_t* tokens, int n_tokens, char* text, size_t capacity) {
  if (!check_model(model)) return -1;
  if (n_tokens < 0 || (n_tokens > 0 && !tokens)) return fail("vkg_detokenize: bad token array");
  return guarded(
      [&] { return copy_out(model->model->tokenizer().decode(std::vector<int>(tokens, tokens + n_tokens)), text, capacity); },
      -1);
}

int vkg_chat_prompt(const vkg_chat_message* messages, int n_messages, char* text, size_t capacity) {
  if (n_messages < 0 || (n_messages > 0 && !messages)) return fail("vkg_chat_prompt: bad message array");
  return guarded(
      [&] {
        std::vector<vkg::ChatMessage> m;
        for (int i = 0; i < n_messages; ++i) {
          if (!messages[i].role || !messages[i].content)
            throw std::runtime_error("message " + std::to_string(i) + ": role or content is NULL");
          m.push_back({messages[i].role, messages[i].content});
        }
        return copy_out(vkg::gemma_chat_prompt(m), text, capacity);
      },
      -1);
}

vkg_generate_options vkg_generate_default_options(void) {
  vkg_generate_options o;
  o.max_tokens = 128;
  o.temperature = 0.0f;
  o.top_k = 0;
  o.top_p = 1.0f;
  o.seed = 0;
  o.stop = nullptr;
  o.n_stop = 0;
  o.add_bos = 1;
  return o;
}

int vkg_generate(vkg_model* model, const char* prompt, const vkg_generate_options* options, vkg_text_callback on_text,
                 void* user_data, vkg_generate_result* result) {
  if (!check_model(model)) return -1;
  if (!prompt) return fail("vkg_generate: prompt is NULL");
  const vkg_generate_options o = options ? *options : vkg_generate_default_options();
  if (o.max_tokens < 0) return fail("vkg_generate: max_tokens must be >= 0, got " + std::to_string(o.max_tokens));
  if (o.n_stop < 0 || (o.n_stop > 0 && !o.stop)) return fail("vkg_generate: bad stop array");
  model->cancel = false;
  return guarded(
      [&] {
        vkg::GenerateParams p;
        p.max_tokens = o.max_tokens;
        p.sampling.temperature = o.temperature;
        p.sampling.top_k = o.top_k;
        p.sampling.top_p = o.top_p;
        p.sampling.seed = o.seed;
        p.cancel = &model->cancel;
        for (int i = 0; i < o.n_stop; ++i)
          if (o.stop[i]) p.stop.emplace_back(o.stop[i]);
        const std::vector<int> ids = model->model->tokenizer().encode(prompt, o.add_bos != 0);
        const vkg::GenerateResult r = model->generator->generate(ids, p, [&](const std::string& text) {
          return !(on_text && on_text(text.c_str(), text.size(), user_data) != 0);
        });
        if (result) {
          result->prompt_tokens = r.prompt_tokens;
          result->reused_tokens = r.reused_tokens;
          result->completion_tokens = r.completion_tokens;
          result->finish_reason = static_cast<vkg_finish_reason>(r.finish);
        }
        return 0;
      },
      -1);
}

void vkg_cancel(vkg_model* model) {
  if (model) model->cancel = true;
}

void vkg_reset(vkg_model* model) {
  if (!check_model(model)) return;
  guarded([&] { model->generator->reset(); return 0; }, -1);
}

}  // extern "C"
