// The Win32 implementation of runtime/platform/*.h. runtime/platform/posix.cpp is the POSIX one; CMake compiles
// exactly one of them, so nothing else in the project calls the operating system directly.
#define WIN32_LEAN_AND_MEAN
#define NOMINMAX
#include <windows.h>
#include <io.h>
#include <psapi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <new>
#include <stdexcept>

#include "runtime/platform/files.h"
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

std::string utf8(const std::wstring& utf16) {
  if (utf16.empty()) return {};
  const int n = WideCharToMultiByte(CP_UTF8, 0, utf16.data(), static_cast<int>(utf16.size()), nullptr, 0, nullptr, nullptr);
  std::string narrow(static_cast<size_t>(n > 0 ? n : 0), '\0');
  if (n > 0) WideCharToMultiByte(CP_UTF8, 0, utf16.data(), static_cast<int>(utf16.size()), narrow.data(), n, nullptr, nullptr);
  return narrow;
}

}  // namespace

// --- files.h ---
std::string user_cache_dir() {
  wchar_t value[32768];
  const DWORD n = GetEnvironmentVariableW(L"LOCALAPPDATA", value, 32768);
  return n > 0 && n < 32768 ? utf8(std::wstring(value, n)) : std::string();
}

bool file_exists(const std::string& path) {
  try {
    return GetFileAttributesW(utf16(path).c_str()) != INVALID_FILE_ATTRIBUTES;
  } catch (const std::exception&) {
    return false;  // not UTF-8: no such file
  }
}

std::string write_file_atomically(const std::string& path, std::string_view bytes) {
  std::wstring wide, wide_tmp;
  const std::string tmp = path + ".tmp" + std::to_string(GetCurrentProcessId()) + "-" +
                          std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  try {
    wide = utf16(path);
    wide_tmp = utf16(tmp);
  } catch (const std::exception& e) {
    return e.what();
  }
  std::error_code ec;
  const std::filesystem::path parent = std::filesystem::path(wide).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return utf8(parent.wstring()) + ": cannot create directory: " + ec.message();
  HANDLE file = CreateFileW(wide_tmp.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (file == INVALID_HANDLE_VALUE) return tmp + ": cannot create file: " + last_error_message();
  size_t done = 0;
  while (done < bytes.size()) {
    const DWORD chunk = static_cast<DWORD>(std::min<size_t>(bytes.size() - done, 1u << 30));
    DWORD wrote = 0;
    if (!WriteFile(file, bytes.data() + done, chunk, &wrote, nullptr) || wrote == 0) {
      const std::string why = last_error_message();
      CloseHandle(file);
      DeleteFileW(wide_tmp.c_str());
      return tmp + ": cannot write " + std::to_string(bytes.size()) + " bytes: " + why;
    }
    done += wrote;
  }
  CloseHandle(file);
  if (!MoveFileExW(wide_tmp.c_str(), wide.c_str(), MOVEFILE_REPLACE_EXISTING)) {
    const std::string why = last_error_message();
    DeleteFileW(wide_tmp.c_str());
    return path + ": cannot replace it with " + tmp + ": " + why;
  }
  return "";
}

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
