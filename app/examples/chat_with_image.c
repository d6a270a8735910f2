/* A chat turn with an image through the C API only (include/vkgemma.h and the shared library).
 *   vkgemma_example_image MODEL IMAGE QUESTION [MAX_TOKENS [MMPROJ]]
 * MODEL is a Gemma 3 4B+ Hugging Face directory, or a GGUF text model with its mmproj file (MMPROJ). Lists
 * the devices on stderr, says what the model is, then streams the greedy reply to stdout; the callback stops
 * it after MAX_TOKENS pieces (64), as an application's "stop" button would. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vkgemma.h"

typedef struct {
  int pieces, max_pieces;
} progress;

static int print_piece(const char* text, size_t length, void* user_data) {
  progress* p = (progress*)user_data;
  fwrite(text, 1, length, stdout);
  fflush(stdout);
  return ++p->pieces >= p->max_pieces; /* non-zero: stop (VKG_FINISH_CANCELLED) */
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s MODEL IMAGE QUESTION [MAX_TOKENS [MMPROJ]]\n", argv[0]);
    return 2;
  }
  const char* image_path = argv[2];
  const char* question = argv[3];
  const int max_tokens = argc > 4 ? atoi(argv[4]) : 64;
  const char* mmproj = argc > 5 ? argv[5] : NULL;

  if (vkg_api_version() >> 16 != VKGEMMA_API_VERSION_MAJOR) {
    fprintf(stderr, "error: built for C API %d.x, the library has %d.%d\n", VKGEMMA_API_VERSION_MAJOR,
            vkg_api_version() >> 16, vkg_api_version() & 0xffff);
    return 1;
  }
  for (int i = 0; i < vkg_device_count(); ++i) {
    vkg_device d;
    d.struct_size = sizeof d;
    if (vkg_device_info(i, &d) == 0) /* backend and device are what vkg_model_options takes to run there */
      fprintf(stderr, "device %d: %s (%s, backend %s, device %d, %llu MiB)\n", i, d.name, d.type, d.backend, d.device,
              (unsigned long long)(d.memory_bytes >> 20));
  }

  vkg_model_options mo = vkg_model_default_options();
  mo.backend = "cpu";
  vkg_model* model = vkg_model_open_with_vision(argv[1], mmproj, &mo);
  if (!model) {
    fprintf(stderr, "error: %s\n", vkg_last_error());
    return 1;
  }
  vkg_model_summary info;
  info.struct_size = sizeof info;
  if (vkg_model_info(model, &info) == 0)
    fprintf(stderr, "model: %s, %.1fM parameters, context %d, vision %s\n", info.architecture, info.parameters / 1e6,
            info.context, info.vision ? "yes" : "no");

  vkg_image image = {image_path, NULL, 0};
  vkg_message turn = {"user", question, &image, 1};
  vkg_generate_options options = vkg_generate_default_options();
  options.max_tokens = max_tokens;
  progress p = {0, max_tokens};
  vkg_generate_result result;
  if (vkg_chat(model, &turn, 1, &options, print_piece, &p, &result) != 0) {
    fprintf(stderr, "error: %s\n", vkg_last_error());
    vkg_model_close(model);
    return 1;
  }
  static const char* reasons[] = {"stop", "length", "context full", "cancelled"};
  fprintf(stderr, "\n[%d prompt tokens, %d generated, finished: %s]\n", result.prompt_tokens, result.completion_tokens,
          reasons[result.finish_reason]);
  vkg_model_close(model);
  return 0;
}
