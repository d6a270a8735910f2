// Read-only memory mapping of a whole file (runtime/platform/posix.cpp, win32.cpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace vkg {

class MappedFile {
 public:
  // Throws std::runtime_error naming the path and the OS error.
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  void* handle_ = nullptr;  // Win32 mapping handle
};

}  // namespace vkg
