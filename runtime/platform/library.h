// Finding a shared library that is already loaded into the process (RenderDoc injects itself), and its
// symbols. POSIX: dlopen(RTLD_NOLOAD); Win32: GetModuleHandle.
#pragma once

namespace vkg {

// nullptr when the library is not loaded. posix_name e.g. "librenderdoc.so", windows_name "renderdoc.dll".
void* find_loaded_library(const char* posix_name, const char* windows_name);
void* library_symbol(void* library, const char* name);

}  // namespace vkg
