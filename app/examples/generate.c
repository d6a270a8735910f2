/* An application's view of vkgemma: only the C API (include/vkgemma.h) and the shared library.
 *   vkgemma_example MODEL PROMPT [MAX_TOKENS]
 * Streams the greedy continuation to stdout, then one line of statistics to stderr. */
#include <stdio.h>
#include <stdlib.h>

#include "vkgemma.h"

static int print_piece(const char* text, size_t length, void* user_data) {
  (void)user_data;
  fwrite(text, 1, length, stdout);
  fflush(stdout);
  return 0; /* go on */
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s MODEL PROMPT [MAX_TOKENS]\n", argv[0]);
    return 2;
  }
  vkg_model* model = vkg_model_open(argv[1], NULL);
  if (!model) {
    fprintf(stderr, "error: %s\n", vkg_last_error());
    return 1;
  }
  vkg_generate_options options = vkg_generate_default_options();
  if (argc > 3) options.max_tokens = atoi(argv[3]);
  vkg_generate_result result;
  if (vkg_generate(model, argv[2], &options, print_piece, NULL, &result) != 0) {
    fprintf(stderr, "error: %s\n", vkg_last_error());
    vkg_model_close(model);
    return 1;
  }
  static const char* reasons[] = {"stop", "length", "context full", "cancelled"};
  fprintf(stderr, "\n[%d prompt tokens, %d generated, finished: %s, backend: %s]\n", result.prompt_tokens,
          result.completion_tokens, reasons[result.finish_reason], vkg_model_backend(model));
  vkg_model_close(model);
  return 0;
}
