/* Images in a chat turn through the C API, in plain C against the shared library, on the tiny Gemma 3 vision
 * model (its image features are checked against transformers in the vision suites).
 *   test_c_api_images VISION_HF_DIR VISION_GGUF MMPROJ TEXT_GGUF IMAGE OTHER_IMAGE NOT_AN_IMAGE EXPECTED_REPLY
 * EXPECTED_REPLY is a file with `vkgemma chat`'s stdout: its greedy reply (8 tokens, CPU) to IMAGE and "Describe
 * it.". vkg_chat must give the same, from the file and from its bytes in memory, and from the GGUF + mmproj. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if !defined(_WIN32)
#include <pthread.h>
#endif

#include "vkgemma.h"
#include "c_check.h"

#define CHECK_ERROR(call, text)                                                                   \
  do {                                                                                            \
    CHECK((call) == -1);                                                                          \
    if (!strstr(vkg_last_error(), text)) {                                                        \
      fprintf(stderr, "%s:%d: error '%s' does not say '%s'\n", __FILE__, __LINE__, vkg_last_error(), text); \
      failures++;                                                                                 \
    }                                                                                             \
  } while (0)

typedef struct {
  char text[4096];
  int pieces;
  int stop_after; /* return non-zero after this many pieces; 0: never */
} collector;

static int collect(const char* text, size_t length, void* user_data) {
  collector* c = (collector*)user_data;
  strncat(c->text, text, length < sizeof c->text - strlen(c->text) - 1 ? length : sizeof c->text - strlen(c->text) - 1);
  c->pieces++;
  return c->stop_after && c->pieces >= c->stop_after;
}

/* The CLI's chat ends each reply with a newline. */
static int same_reply(const char* got, const char* expected) {
  const size_t n = strlen(got);
  return strlen(expected) == n + 1 && strncmp(got, expected, n) == 0 && expected[n] == '\n';
}

typedef struct {
  int calls, weights_calls, first_was_reading, ordered;
  int64_t last_done, last_total;
} progress_log;

static void record_progress(const char* stage, int64_t done, int64_t total, void* user_data) {
  progress_log* log = (progress_log*)user_data;
  const int reading = strcmp(stage, "reading") == 0;
  if (log->calls++ == 0) {
    log->first_was_reading = reading;
    log->ordered = 1;
  }
  if (reading) {
    if (log->weights_calls) log->ordered = 0; /* reading after weights */
    return;
  }
  if (strcmp(stage, "weights") != 0 || done < log->last_done || done > total) log->ordered = 0;
  log->weights_calls++;
  log->last_done = done;
  log->last_total = total;
}

static unsigned char* read_file(const char* path, size_t* size) {
  FILE* f = fopen(path, "rb");
  unsigned char* data;
  long n;
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  data = malloc((size_t)n);
  *size = fread(data, 1, (size_t)n, f);
  fclose(f);
  return data;
}

#if !defined(_WIN32)
/* One handle per thread, used at once: each gets the reply a lone handle gets. */
typedef struct {
  const char* model;
  const char* image;
  char text[4096];
  int status;
} parallel_chat;

static void* chat_on_own_handle(void* arg) {
  parallel_chat* p = (parallel_chat*)arg;
  vkg_model_options mo = vkg_model_default_options();
  vkg_generate_options go = vkg_generate_default_options();
  vkg_image image = {p->image, NULL, 0};
  vkg_message turn = {"user", "Describe it.", &image, 1};
  collector c;
  vkg_model* m;
  mo.backend = "cpu";
  mo.threads = 1;
  go.max_tokens = 8;
  memset(&c, 0, sizeof c);
  m = vkg_model_open(p->model, &mo);
  p->status = m ? 0 : -1;
  for (int i = 0; m && p->status == 0 && i < 3; ++i) { /* a few calls, so that they overlap */
    memset(&c, 0, sizeof c);
    p->status = vkg_chat(m, &turn, 1, &go, collect, &c, NULL);
  }
  snprintf(p->text, sizeof p->text, "%s", c.text);
  vkg_model_close(m);
  return NULL;
}
#endif

int main(int argc, char** argv) {
  if (argc < 9) {
    fprintf(stderr, "usage: %s VISION_HF_DIR VISION_GGUF MMPROJ TEXT_GGUF IMAGE OTHER_IMAGE NOT_AN_IMAGE EXPECTED_REPLY\n",
            argv[0]);
    return 2;
  }
  const char *hf = argv[1], *gguf = argv[2], *mmproj = argv[3], *text_model = argv[4], *image = argv[5],
             *other = argv[6], *not_image = argv[7];
  size_t expected_size = 0;
  unsigned char* expected_bytes = read_file(argv[8], &expected_size);
  char expected[4096] = "";
  if (expected_bytes) {
    memcpy(expected, expected_bytes, expected_size < sizeof expected - 1 ? expected_size : sizeof expected - 1);
    free(expected_bytes);
  }
  CHECK(strlen(expected) > 0);
  vkg_model_options mo = vkg_model_default_options();
  mo.backend = "cpu";
  vkg_generate_options go = vkg_generate_default_options();
  go.max_tokens = 8;
  collector c;
  vkg_generate_result r;

  vkg_model* m = vkg_model_open(hf, &mo);
  if (!m) {
    fprintf(stderr, "open failed: %s\n", vkg_last_error());
    return 1;
  }

  vkg_model_summary info;
  info.struct_size = sizeof info;
  CHECK(vkg_model_info(m, &info) == 0 && info.vision == 1 && info.tokens_per_image == 16);
  CHECK(strcmp(info.architecture, "gemma3") == 0);

  /* The image as a file: the reply equals vkgemma chat's. */
  vkg_image file_image = {image, NULL, 0};
  vkg_message turn = {"user", "Describe it.", &file_image, 1};
  memset(&c, 0, sizeof c);
  CHECK(vkg_chat(m, &turn, 1, &go, collect, &c, &r) == 0);
  if (!same_reply(c.text, expected)) fprintf(stderr, "got:      '%s'\nexpected: '%s'\n", c.text, expected);
  CHECK(same_reply(c.text, expected));
  CHECK(r.completion_tokens > 0 && r.reused_tokens == 0);
  const int with_image = r.prompt_tokens;

  /* The same image as bytes in memory: the same reply and prompt. */
  size_t size = 0;
  unsigned char* bytes = read_file(image, &size);
  CHECK(bytes != NULL && size > 0);
  vkg_image memory_image = {NULL, bytes, size};
  turn.images = &memory_image;
  memset(&c, 0, sizeof c);
  CHECK(vkg_chat(m, &turn, 1, &go, collect, &c, &r) == 0);
  CHECK(same_reply(c.text, expected) && r.prompt_tokens == with_image);

  /* Without the image the prompt is shorter by its 16 soft tokens and their markers. */
  vkg_message plain = {"user", "Describe it.", NULL, 0};
  go.max_tokens = 1;
  CHECK(vkg_chat(m, &plain, 1, &go, NULL, NULL, &r) == 0);
  CHECK(with_image - r.prompt_tokens >= 16 + 2);
  go.max_tokens = 8;

  /* The next turn, with another image, extends the conversation: the first turn's prompt (and its image) come
   * from the cache. One token of reply is sampled and not fed back, so the cache holds exactly that prompt. */
  vkg_image second = {other, NULL, 0};
  turn.images = &file_image;
  go.max_tokens = 1;
  CHECK(vkg_chat(m, &turn, 1, &go, NULL, NULL, &r) == 0);
  go.max_tokens = 8;
  vkg_message conversation[3] = {{"user", "Describe it.", &file_image, 1}, {"assistant", "A picture.", NULL, 0},
                                 {"user", "And this one?", &second, 1}};
  CHECK(vkg_chat(m, conversation, 3, &go, NULL, NULL, &r) == 0);
  CHECK(r.reused_tokens == with_image && r.prompt_tokens > r.reused_tokens + 16);

  /* Streaming stops when the callback says so. */
  memset(&c, 0, sizeof c);
  c.stop_after = 1;
  CHECK(vkg_chat(m, &turn, 1, &go, collect, &c, &r) == 0);
  CHECK(r.finish_reason == VKG_FINISH_CANCELLED && c.pieces == 1);

  /* Errors name the image, the file, or the numbers. */
  vkg_image bad = {not_image, NULL, 0};
  turn.images = &bad;
  CHECK_ERROR(vkg_chat(m, &turn, 1, &go, NULL, NULL, &r), "cannot decode image");
  CHECK(strstr(vkg_last_error(), not_image) != NULL);
  vkg_image missing = {"/nonexistent/photo.png", NULL, 0};
  turn.images = &missing;
  CHECK_ERROR(vkg_chat(m, &turn, 1, &go, NULL, NULL, &r), "/nonexistent/photo.png: no such image file");
  static const char junk[] = "not an image";
  vkg_image junk_bytes = {NULL, junk, sizeof junk};
  turn.images = &junk_bytes;
  CHECK_ERROR(vkg_chat(m, &turn, 1, &go, NULL, NULL, &r), "message 0 image 0");
  vkg_image empty = {NULL, NULL, 0};
  turn.images = &empty;
  CHECK_ERROR(vkg_chat(m, &turn, 1, &go, NULL, NULL, &r), "neither a path nor bytes");
  vkg_image many[8];
  for (int i = 0; i < 8; ++i) many[i] = file_image;
  turn.images = many;
  turn.n_images = 8;
  CHECK_ERROR(vkg_chat(m, &turn, 1, &go, NULL, NULL, &r), "more than the context of");
  CHECK(strstr(vkg_last_error(), "8 image(s) take at least 18 tokens each") != NULL);
  turn.n_images = 1;
  turn.images = &file_image;
  vkg_message answered[2] = {{"user", "Hi", NULL, 0}, {"assistant", "Look.", &file_image, 1}};
  CHECK_ERROR(vkg_chat(m, answered, 2, &go, NULL, NULL, &r), "images go in user messages");
  /* After the errors the model still answers as before. */
  memset(&c, 0, sizeof c);
  CHECK(vkg_chat(m, &turn, 1, &go, collect, &c, &r) == 0);
  CHECK(same_reply(c.text, expected));
  vkg_model_close(m);

  /* GGUF text model + mmproj: the same prompt; without the mmproj, no vision tower. */
  m = vkg_model_open_with_vision(gguf, mmproj, &mo);
  CHECK(m != NULL);
  if (m) {
    CHECK(vkg_model_info(m, &info) == 0 && info.vision == 1);
    memset(&c, 0, sizeof c);
    CHECK(vkg_chat(m, &turn, 1, &go, collect, &c, &r) == 0);
    CHECK(r.prompt_tokens == with_image && same_reply(c.text, expected));
    vkg_model_close(m);
  }
  m = vkg_model_open(text_model, &mo);
  CHECK(m != NULL);
  if (m) {
    CHECK(vkg_model_info(m, &info) == 0 && info.vision == 0);
    CHECK_ERROR(vkg_chat(m, &turn, 1, &go, NULL, NULL, &r), "has no vision tower");
    CHECK(strstr(vkg_last_error(), text_model) != NULL);
    vkg_model_close(m);
  }
  CHECK(vkg_model_open_with_vision(gguf, "/nonexistent/mmproj.gguf", &mo) == NULL);
  CHECK(strstr(vkg_last_error(), "/nonexistent/mmproj.gguf") != NULL);

  /* Loading progress: "reading" first, then "weights" ending with done == total > 0; the handle works. */
  {
    progress_log log;
    memset(&log, 0, sizeof log);
    m = vkg_model_open_with_progress(gguf, mmproj, &mo, record_progress, &log);
    CHECK(m != NULL);
    CHECK(log.calls >= 2 && log.first_was_reading && log.weights_calls >= 1 && log.ordered);
    CHECK(log.last_total > 0 && log.last_done == log.last_total);
    if (m) {
      memset(&c, 0, sizeof c);
      turn.images = &file_image;
      CHECK(vkg_chat(m, &turn, 1, &go, collect, &c, &r) == 0 && same_reply(c.text, expected));
      vkg_model_close(m);
    }
    CHECK(vkg_model_open_with_progress("/nonexistent/model.gguf", NULL, &mo, record_progress, &log) == NULL);
    CHECK(strstr(vkg_last_error(), "/nonexistent/model.gguf") != NULL);
  }

#if !defined(_WIN32)
  {
    parallel_chat p[2];
    pthread_t threads[2];
    for (int i = 0; i < 2; ++i) {
      memset(&p[i], 0, sizeof p[i]);
      p[i].model = hf;
      p[i].image = image;
      CHECK(pthread_create(&threads[i], NULL, chat_on_own_handle, &p[i]) == 0);
    }
    for (int i = 0; i < 2; ++i) {
      pthread_join(threads[i], NULL);
      CHECK(p[i].status == 0 && same_reply(p[i].text, expected));
    }
  }
#endif

  free(bytes);
  if (failures) fprintf(stderr, "%d check(s) failed\n", failures);
  else printf("all C API image checks passed\n");
  return failures ? 1 : 0;
}
