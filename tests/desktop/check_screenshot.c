/* Checks a vkgemma-chat screenshot is a drawn window, not a blank or garbage image.
 *   check_screenshot PNG WIDTH HEIGHT
 * The PNG must have the window's size, at least 16 distinct colours, at least 10% of its pixels differing
 * from the most common colour (the background), and the test image's red rectangle drawn in the conversation
 * (assets/images/test.png: a red block on a colour gradient, so its thumbnail has strongly red pixels, which
 * nothing else in the UI has). Prints what it measured; exits 1 naming the first check that failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#include <stb/stb_image.h>

static int compare_u32(const void* a, const void* b) {
  const unsigned x = *(const unsigned*)a, y = *(const unsigned*)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s PNG WIDTH HEIGHT\n", argv[0]);
    return 2;
  }
  int w = 0, h = 0, channels = 0;
  unsigned char* px = stbi_load(argv[1], &w, &h, &channels, 4);
  if (!px) {
    printf("screenshot %s: cannot read the PNG (%s)\n", argv[1], stbi_failure_reason());
    return 1;
  }
  const int want_w = atoi(argv[2]), want_h = atoi(argv[3]);
  const size_t n = (size_t)w * h;
  unsigned* colours = malloc(n * sizeof *colours);
  size_t red = 0;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char* p = px + 4 * i;
    colours[i] = (unsigned)p[0] << 16 | (unsigned)p[1] << 8 | p[2];
    if (p[0] > 200 && p[1] < 70 && p[2] < 70) ++red;
  }
  qsort(colours, n, sizeof *colours, compare_u32);
  size_t distinct = 0, run = 0, longest = 0;
  for (size_t i = 0; i < n; ++i) {
    if (i == 0 || colours[i] != colours[i - 1]) {
      ++distinct;
      run = 0;
    }
    if (++run > longest) longest = run;
  }
  const double differing = 1.0 - (double)longest / (double)n;
  printf("screenshot %s: %d x %d, %zu distinct colours, %.1f%% of pixels differ from the background, %zu red pixels\n",
         argv[1], w, h, distinct, 100.0 * differing, red);
  int failed = 0;
  if (w != want_w || h != want_h) printf("FAIL: expected %d x %d\n", want_w, want_h), failed = 1;
  if (distinct < 16) printf("FAIL: expected at least 16 colours\n"), failed = 1;
  if (differing < 0.10) printf("FAIL: expected at least 10%% of pixels off the background\n"), failed = 1;
  if (red < 100)
    printf("FAIL: expected the test image's red block (100+ red pixels) in the conversation\n"), failed = 1;
  free(colours);
  stbi_image_free(px);
  return failed;
}
