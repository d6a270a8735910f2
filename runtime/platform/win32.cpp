// The Win32 implementation of runtime/platform/*.h. runtime/platform/posix.cpp is the POSIX one; CMake compiles
// exactly one of them, so nothing else in the project calls the operating system directly.
#define WIN32_LEAN_AND_MEAN
#define NOMINMAX
#include <windows.h>
#include <io.h>
#include <psapi.h>

#include <cstdio>
#include <new>
#include <stdexcept>

#include "runtime/platform/library.h"
#include "runtime/platform/mapped_file.h"
#include "runtime/platform/memory.h"
#include "runtime/platform/terminal.h"

namespace vkg {

namespace {

// The system's message for GetLastError(), e.g. "The system cannot find the file specified."
std::string last_error_message() {
  const DWORD code = GetLastError();
  char* text = nullptr;
  const DWORD n = FormatMessageA(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                                 nullptr, code, 0, reinterpret_cast<char*>(&text), 0, nullptr);
  std::string message = n ? std::string(text, n) : "error " + std::to_string(code);
  if (text) LocalFree(text);
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r' || message.back() == '.'))
    message.pop_back();
  return message;
}

// Paths are UTF-8 in the project; Windows' wide-character calls take UTF-16.
std::wstring utf16(const std::string& utf8) {
  if (utf8.empty()) return {};
  const int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8.data(), static_cast<int>(utf8.size()), nullptr, 0);
  if (n <= 0) throw std::runtime_error(utf8 + ": path is not valid UTF-8");
  std::wstring wide(static_cast<size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), wide.data(), n);
  return wide;
}

}  // namespace

// --- mapped_file.h ---
MappedFile::MappedFile(const std::string& path) : path_(path) {
  const std::wstring wide = utf16(path);
  const DWORD attributes = GetFileAttributesW(wide.c_str());
  if (attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY))
    throw std::runtime_error(path + ": is a directory, expected a file");
  HANDLE file = CreateFileW(wide.c_str(), GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING,
                            FILE_ATTRIBUTE_NORMAL, nullptr);
  if (file == INVALID_HANDLE_VALUE) throw std::runtime_error(path + ": cannot open file: " + last_error_message());
  LARGE_INTEGER size;
  if (!GetFileSizeEx(file, &size)) {
    const std::string why = last_error_message();
    CloseHandle(file);
    throw std::runtime_error(path + ": cannot read file size: " + why);
  }
  size_ = static_cast<size_t>(size.QuadPart);
  if (size_ == 0) {  // CreateFileMapping refuses empty files; an empty mapping is what POSIX gives
    CloseHandle(file);
    return;
  }
  HANDLE mapping = CreateFileMappingW(file, nullptr, PAGE_READONLY, 0, 0, nullptr);
  const std::string mapping_error = mapping ? std::string() : last_error_message();
  CloseHandle(file);  // the mapping keeps the file open
  if (!mapping) throw std::runtime_error(path + ": cannot map file: " + mapping_error);
  data_ = static_cast<const uint8_t*>(MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, 0));
  if (!data_) {
    const std::string why = last_error_message();
    CloseHandle(mapping);
    throw std::runtime_error(path + ": cannot map file view: " + why);
  }
  handle_ = mapping;
}

MappedFile::~MappedFile() {
  if (data_) UnmapViewOfFile(data_);
  if (handle_) CloseHandle(static_cast<HANDLE>(handle_));
}

// --- library.h ---
void* find_loaded_library(const char*, const char* windows_name) {
  return reinterpret_cast<void*>(GetModuleHandleA(windows_name));
}
void* library_symbol(void* library, const char* name) {
  return reinterpret_cast<void*>(GetProcAddress(static_cast<HMODULE>(library), name));
}

// --- memory.h ---
// Windows keeps a mapped view's pages in the working set until it trims it; nothing to ask for here.
ProcessMemory process_memory() {
  PROCESS_MEMORY_COUNTERS c{};
  if (!K32GetProcessMemoryInfo(GetCurrentProcess(), &c, sizeof c)) return {};
  return {static_cast<uint64_t>(c.WorkingSetSize), static_cast<uint64_t>(c.PeakWorkingSetSize)};
}

void release_file_pages(const void*, size_t) {}

uint64_t physical_memory_bytes() {
  MEMORYSTATUSEX s{};
  s.dwLength = sizeof(s);
  return GlobalMemoryStatusEx(&s) ? static_cast<uint64_t>(s.ullTotalPhys) : 0;
}

LargeBuffer::LargeBuffer(size_t bytes) : size_(bytes) {
  if (bytes == 0) return;
  // VirtualAlloc returns 64 KiB-aligned, zeroed pages committed at first touch; large pages need a privilege
  // that desktop users do not have, so none are asked for.
  void* p = VirtualAlloc(nullptr, bytes, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
  if (!p) throw std::bad_alloc();
  data_ = static_cast<uint8_t*>(p);
}

void LargeBuffer::free_pages() {
  if (data_) VirtualFree(data_, 0, MEM_RELEASE);
}

// --- terminal.h ---
bool stdin_is_terminal() { return _isatty(_fileno(stdin)) != 0; }
bool stderr_is_terminal() { return _isatty(_fileno(stderr)) != 0; }
void use_utf8_console() {
  SetConsoleOutputCP(CP_UTF8);
  SetConsoleCP(CP_UTF8);
}

}  // namespace vkg
