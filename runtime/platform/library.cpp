#include "runtime/platform/library.h"

#ifdef _WIN32
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#else
#include <dlfcn.h>
#endif

namespace vkg {

#ifdef _WIN32
void* find_loaded_library(const char*, const char* windows_name) {
  return reinterpret_cast<void*>(GetModuleHandleA(windows_name));
}
void* library_symbol(void* library, const char* name) {
  return reinterpret_cast<void*>(GetProcAddress(static_cast<HMODULE>(library), name));
}
#else
void* find_loaded_library(const char* posix_name, const char*) { return dlopen(posix_name, RTLD_NOW | RTLD_NOLOAD); }
void* library_symbol(void* library, const char* name) { return dlsym(library, name); }
#endif

}  // namespace vkg
