#include "app/fast_exit.h"

#include <cstdio>
#include <cstdlib>

#if defined(__SANITIZE_ADDRESS__)
#define VKG_LEAK_CHECKED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VKG_LEAK_CHECKED 1
#endif
#endif

namespace vkg::app {

void exit_without_teardown(int code) {
  std::fflush(stdout);
  std::fflush(stderr);
#ifndef VKG_LEAK_CHECKED
  std::_Exit(code);
#else
  (void)code;
#endif
}

}  // namespace vkg::app
