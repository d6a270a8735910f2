/* The C API tests' assertion: a failed CHECK prints where and what, counts, and the test goes on (main returns
 * failures != 0). One definition for every C test file. */
#ifndef VKG_TESTS_C_CHECK_H
#define VKG_TESTS_C_CHECK_H
#include <stdio.h>

static int failures = 0;
#define CHECK(cond)                                                           \
  do {                                                                        \
    if (!(cond)) {                                                            \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                             \
    }                                                                         \
  } while (0)

#endif
