#include "runtime/platform/memory.h"

#ifdef _WIN32
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#else
#include <unistd.h>
#endif

namespace vkg {

#ifdef _WIN32
uint64_t physical_memory_bytes() {
  MEMORYSTATUSEX s{};
  s.dwLength = sizeof(s);
  return GlobalMemoryStatusEx(&s) ? static_cast<uint64_t>(s.ullTotalPhys) : 0;
}
#else
uint64_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : 0;
}
#endif

}  // namespace vkg
