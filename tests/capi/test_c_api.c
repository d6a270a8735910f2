/* The C API as an application uses it: plain C, only include/vkgemma.h, linked against the shared library.
 *   test_c_api MODEL REFERENCE_FILE
 * REFERENCE_FILE is assets/reference/gemma3_270m_reference.txt (transformers' greedy continuation). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if !defined(_WIN32)
#include <pthread.h>
#endif

#include "vkgemma.h"
#include "c_check.h"


/* The value of the first line "key value..." of the reference file (no escapes in the lines used here). */
static int read_reference(const char* path, const char* key, char* out, size_t capacity) {
  FILE* f = fopen(path, "r");
  char line[8192];
  size_t key_len = strlen(key);
  if (!f) return 0;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, key, key_len) == 0 && line[key_len] == ' ') {
      line[strcspn(line, "\n")] = '\0';
      snprintf(out, capacity, "%s", line + key_len + 1);
      fclose(f);
      return 1;
    }
  }
  fclose(f);
  return 0;
}

typedef struct {
  char text[4096];
  int pieces;
  int stop_after; /* return non-zero after this many pieces; 0: never */
  vkg_model* cancel_model; /* if set, vkg_cancel() it after stop_after pieces instead */
} collector;

static int collect(const char* text, size_t length, void* user_data) {
  collector* c = (collector*)user_data;
  CHECK(strlen(text) == length);
  strncat(c->text, text, sizeof c->text - strlen(c->text) - 1);
  c->pieces++;
  if (c->stop_after && c->pieces >= c->stop_after) {
    if (!c->cancel_model) return 1;
    vkg_cancel(c->cancel_model);
  }
  return 0;
}

#if !defined(_WIN32)
/* vkg_cancel from another thread: the callback signals the first piece, the canceller waits for it. */
typedef struct {
  vkg_model* model;
  pthread_mutex_t lock;
  pthread_cond_t started;
  int pieces;
} cross_cancel;

static int count_and_signal(const char* text, size_t length, void* user_data) {
  cross_cancel* x = (cross_cancel*)user_data;
  (void)text;
  (void)length;
  pthread_mutex_lock(&x->lock);
  x->pieces++;
  pthread_cond_signal(&x->started);
  pthread_mutex_unlock(&x->lock);
  return 0;
}

static void* canceller(void* arg) {
  cross_cancel* x = (cross_cancel*)arg;
  pthread_mutex_lock(&x->lock);
  while (x->pieces == 0) pthread_cond_wait(&x->started, &x->lock);
  pthread_mutex_unlock(&x->lock);
  vkg_cancel(x->model);
  return NULL;
}
#endif

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s MODEL REFERENCE_FILE\n", argv[0]);
    return 2;
  }
  char prompt[1024], expected[4096], buf[4096];
  CHECK(read_reference(argv[2], "greedy_prompt_text", prompt, sizeof prompt));
  CHECK(read_reference(argv[2], "greedy_text", expected, sizeof expected));

  /* Errors: a missing file names itself; NULL handles fail cleanly. */
  CHECK(vkg_model_open("/nonexistent/model.gguf", NULL) == NULL);
  CHECK(strstr(vkg_last_error(), "/nonexistent/model.gguf") != NULL);
  CHECK(vkg_tokenize(NULL, "x", 1, NULL, 0) == -1);
  CHECK(strstr(vkg_last_error(), "NULL") != NULL);

  /* Devices: the Vulkan ones, then the CPU, which is always there; the CPU entry chooses the backend below. */
  const int n_devices = vkg_device_count();
  CHECK(n_devices >= 1);
  vkg_device cpu;
  memset(&cpu, 0x55, sizeof cpu);
  cpu.struct_size = sizeof cpu;
  CHECK(vkg_device_info(n_devices - 1, &cpu) == 0);
  CHECK(strcmp(cpu.backend, "cpu") == 0 && strcmp(cpu.type, "cpu") == 0 && cpu.device == -1);
  CHECK(strlen(cpu.name) > 0 && cpu.memory_bytes > (uint64_t)1 << 28 && cpu.struct_size == sizeof cpu);
  for (int i = 0; i + 1 < n_devices; ++i) {
    vkg_device d;
    d.struct_size = sizeof d;
    CHECK(vkg_device_info(i, &d) == 0 && strcmp(d.backend, "vulkan") == 0 && d.device == i);
  }
  CHECK(vkg_device_info(n_devices, &cpu) == -1);
  CHECK(strstr(vkg_last_error(), "no device") != NULL);
  /* A program built against an older, shorter struct gets only the fields it knows. */
  vkg_device old;
  memset(&old, 0x55, sizeof old);
  old.struct_size = offsetof(vkg_device, name);
  CHECK(vkg_device_info(n_devices - 1, &old) == 0 && old.device == -1 && (unsigned char)old.name[0] == 0x55);
  old.struct_size = 0;
  CHECK(vkg_device_info(0, &old) == -1);
  CHECK(strstr(vkg_last_error(), "struct_size") != NULL);

  vkg_model_options mo = vkg_model_default_options();
  mo.backend = cpu.backend;
  mo.device = cpu.device;
  mo.context = 256;
  mo.exact = 1; /* fp32 activations: the path whose greedy tokens must equal transformers' */
  vkg_model* m = vkg_model_open(argv[1], &mo);
  if (!m) {
    fprintf(stderr, "open failed: %s\n", vkg_last_error());
    return 1;
  }
  CHECK(vkg_model_context(m) == 256);
  CHECK(vkg_model_vocab_size(m) == 262144);
  CHECK(strncmp(vkg_model_backend(m), "cpu", 3) == 0);

  /* What the model is. */
  vkg_model_summary info;
  info.struct_size = sizeof info;
  CHECK(vkg_model_info(m, &info) == 0);
  CHECK(strcmp(info.architecture, "gemma3") == 0 && strcmp(info.chat_template, "gemma") == 0);
  CHECK(info.parameters > 260000000 && info.parameters < 280000000); /* Gemma 3 270M (tied embeddings) */
  CHECK(info.weight_bytes > 100000000 && info.weight_bytes < info.parameters * 2);
  CHECK(info.context == 256 && info.max_context == 32768 && info.vocab_size == 262144);
  CHECK(info.layers == 18 && info.hidden == 640 && info.vision == 0 && info.tokens_per_image == 0);
  CHECK(vkg_model_info(NULL, &info) == -1 && vkg_model_info(m, NULL) == -1);

  /* Tokenizer: the known answer from transformers' Gemma tokenizer. */
  int32_t ids[16];
  const int32_t want[7] = {2, 9259, 236764, 1041, 4799, 563, 12864};
  CHECK(vkg_tokenize(m, "Hello, my dog is cute", 1, ids, 16) == 7);
  CHECK(memcmp(ids, want, sizeof want) == 0);
  CHECK(vkg_tokenize(m, "Hello, my dog is cute", 1, ids, 2) == 7); /* too small: still the full count */
  CHECK(vkg_detokenize(m, want, 7, buf, sizeof buf) == (int)strlen("Hello, my dog is cute"));
  CHECK(strcmp(buf, "Hello, my dog is cute") == 0);
  CHECK(vkg_detokenize(m, want, 7, buf, 6) == 21 && strcmp(buf, "Hello") == 0); /* truncated like snprintf */
  const int32_t bad[1] = {999999999};
  CHECK(vkg_detokenize(m, bad, 1, buf, sizeof buf) == -1);
  CHECK(strlen(vkg_last_error()) > 0);

  /* Chat template. */
  const vkg_chat_message chat[2] = {{"system", "Be brief."}, {"user", " Hi "}};
  CHECK(vkg_chat_prompt(chat, 2, buf, sizeof buf) > 0);
  CHECK(strcmp(buf, "<start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\n") == 0);
  const vkg_chat_message wrong[2] = {{"user", "a"}, {"user", "b"}};
  CHECK(vkg_chat_prompt(wrong, 2, buf, sizeof buf) == -1);
  CHECK(strstr(vkg_last_error(), "alternate") != NULL);

  /* Greedy generation equals transformers' 32 greedy tokens on the same weights. */
  vkg_generate_options go = vkg_generate_default_options();
  go.max_tokens = 32;
  collector c;
  memset(&c, 0, sizeof c);
  vkg_generate_result r;
  CHECK(vkg_generate(m, prompt, &go, collect, &c, &r) == 0);
  CHECK(strcmp(c.text, expected) == 0);
  if (strcmp(c.text, expected) != 0) fprintf(stderr, "got:      '%s'\nexpected: '%s'\n", c.text, expected);
  CHECK(r.prompt_tokens == 6 && r.completion_tokens == 32 && r.finish_reason == VKG_FINISH_LENGTH);

  /* The next prompt extends prompt + output: its cached tokens are reused. */
  char longer[8192];
  snprintf(longer, sizeof longer, "%s%s Its population", prompt, c.text);
  memset(&c, 0, sizeof c);
  go.max_tokens = 4;
  CHECK(vkg_generate(m, longer, &go, collect, &c, &r) == 0);
  CHECK(r.reused_tokens > 30 && r.reused_tokens < r.prompt_tokens);
  CHECK(r.completion_tokens == 4);

  /* Stop strings end generation before the string. */
  const char* stops[1] = {" country"};
  go.max_tokens = 32;
  go.stop = stops;
  go.n_stop = 1;
  memset(&c, 0, sizeof c);
  CHECK(vkg_generate(m, prompt, &go, collect, &c, &r) == 0);
  CHECK(strcmp(c.text, " the capital of the") == 0);
  CHECK(r.finish_reason == VKG_FINISH_STOP);
  go.stop = NULL;
  go.n_stop = 0;

  /* Cancellation: by the callback's return value, and by vkg_cancel. */
  memset(&c, 0, sizeof c);
  c.stop_after = 3;
  CHECK(vkg_generate(m, prompt, &go, collect, &c, &r) == 0);
  CHECK(r.finish_reason == VKG_FINISH_CANCELLED && c.pieces == 3 && r.completion_tokens == 3);
  memset(&c, 0, sizeof c);
  c.stop_after = 2;
  c.cancel_model = m;
  CHECK(vkg_generate(m, prompt, &go, collect, &c, &r) == 0);
  CHECK(r.finish_reason == VKG_FINISH_CANCELLED && c.pieces == 2);

#if !defined(_WIN32)
  /* ... and by vkg_cancel from another thread while vkg_generate runs: it stops long before max_tokens. */
  {
    cross_cancel x;
    pthread_t thread;
    x.model = m;
    x.pieces = 0;
    pthread_mutex_init(&x.lock, NULL);
    pthread_cond_init(&x.started, NULL);
    CHECK(pthread_create(&thread, NULL, canceller, &x) == 0);
    go.max_tokens = 200;
    CHECK(vkg_generate(m, prompt, &go, count_and_signal, &x, &r) == 0);
    pthread_join(thread, NULL);
    CHECK(r.finish_reason == VKG_FINISH_CANCELLED && r.completion_tokens >= 1 && r.completion_tokens < 200);
    pthread_mutex_destroy(&x.lock);
    pthread_cond_destroy(&x.started);
    go.max_tokens = 32;
  }
#endif

  /* Sampling with a seed is reproducible. */
  char first[4096];
  go.temperature = 0.8f;
  go.top_k = 40;
  go.seed = 7;
  go.max_tokens = 12;
  memset(&c, 0, sizeof c);
  CHECK(vkg_generate(m, prompt, &go, collect, &c, &r) == 0);
  snprintf(first, sizeof first, "%s", c.text);
  vkg_reset(m);
  memset(&c, 0, sizeof c);
  CHECK(vkg_generate(m, prompt, &go, collect, &c, &r) == 0);
  CHECK(strcmp(first, c.text) == 0 && r.reused_tokens == 0);

  /* A prompt longer than the context is an error naming both numbers. */
  char* huge = malloc(300 * 6 + 1);
  huge[0] = '\0';
  for (int i = 0; i < 300; ++i) strcat(huge, "hello ");
  CHECK(vkg_generate(m, huge, &go, NULL, NULL, &r) == -1);
  CHECK(strstr(vkg_last_error(), "more than the context of 256") != NULL);
  free(huge);
  go.max_tokens = -1;
  CHECK(vkg_generate(m, prompt, &go, NULL, NULL, NULL) == -1);

  vkg_model_close(m);
  vkg_model_close(NULL);
  CHECK(vkg_api_version() == (((uint32_t)VKGEMMA_API_VERSION_MAJOR << 16) | VKGEMMA_API_VERSION_MINOR));
  if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
  else printf("all C API checks passed\n");
  return failures ? 1 : 0;
}
