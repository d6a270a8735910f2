// The C API (include/vkgemma.h) over Model, Session and Generator. Every entry point catches everything:
// no exception crosses the C boundary; failures leave their message in a thread-local string.
#include "vkgemma.h"

#include <string>
#include <vector>

#include "app/c_api/handles.h"
#include "model/chat_template.h"

namespace vkg_c {
thread_local std::string last_error;
}

using namespace vkg_c;

namespace vkg_c {

vkg_model* open_model(const char* path, const char* mmproj, const vkg_model_options* options, int sequences,
                      vkg_progress_callback on_progress, void* user_data) {
  if (!path) throw std::runtime_error("model path is NULL");
  const vkg_model_options o = options ? *options : vkg_model_default_options();
  auto m = std::make_unique<vkg_model>();
  vkg::LoadOptions lo;
  if (mmproj) lo.mmproj = mmproj;
  if (on_progress) on_progress("reading", 0, 0, user_data);
  m->model = vkg::Model::load(path, lo);
  vkg::SessionOptions so;
  if (on_progress)
    so.progress = [on_progress, user_data](int64_t done, int64_t total) { on_progress("weights", done, total, user_data); };
  so.backend = o.backend ? o.backend : "auto";
  so.device = o.device;
  so.context = o.context;
  so.n_threads = o.threads;
  so.exact_matmul = o.exact != 0;
  so.sequences = sequences;
  m->session = std::make_unique<vkg::Session>(*m->model, so);
  m->generator = std::make_unique<vkg::Generator>(*m->session);
  m->backend_name = m->session->backend().name();
  return m.release();
}

}  // namespace vkg_c

extern "C" {

const char* vkg_version(void) { return "0.1"; }
uint32_t vkg_api_version(void) { return (uint32_t{VKGEMMA_API_VERSION_MAJOR} << 16) | VKGEMMA_API_VERSION_MINOR; }
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
  return vkg_model_open_with_vision(path, NULL, options);
}

vkg_model* vkg_model_open_with_vision(const char* path, const char* mmproj, const vkg_model_options* options) {
  return vkg_model_open_with_progress(path, mmproj, options, NULL, NULL);
}

vkg_model* vkg_model_open_with_progress(const char* path, const char* mmproj, const vkg_model_options* options,
                                        vkg_progress_callback on_progress, void* user_data) {
  return guarded([&] { return open_model(path, mmproj, options, 1, on_progress, user_data); },
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
  return guarded(
      [&] {
        const vkg::GenerateParams p = generate_params(model, o, "vkg_generate");
        const std::vector<int> ids = model->model->tokenizer().encode(prompt, o.add_bos != 0);
        fill_result(generator(model, "vkg_generate").generate(ids, p, text_callback(on_text, user_data)), result);
        return 0;
      },
      -1);
}

void vkg_cancel(vkg_model* model) {
  if (model) model->cancel = true;
}

void vkg_reset(vkg_model* model) {
  if (!check_model(model)) return;
  guarded([&] { generator(model, "vkg_reset").reset(); return 0; }, -1);
}

}  // extern "C"
