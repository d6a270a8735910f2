// The machine's physical memory, for sizing the default KV cache of the CPU backend; large buffers from the OS.
#pragma once
#include <cstddef>
#include <cstdint>

namespace vkg {

uint64_t physical_memory_bytes();  // 0 if unknown

// This process's resident memory now and at its peak, in bytes (0 where unknown): what `run -v` reports.
struct ProcessMemory {
  uint64_t resident = 0, peak = 0;
};
ProcessMemory process_memory();

// Drops the resident pages wholly inside [data, data + bytes) of a read-only *file* mapping (never heap or
// anonymous memory, which would read back as zeros): the process stops holding them; a later read fetches them
// from the file again. A backend calls it once it holds its own copy of a weight. No-op where unsupported.
void release_file_pages(const void* data, size_t bytes);

// A large zero-filled block straight from the OS (mmap / VirtualAlloc: page-aligned). Pages are committed at
// first touch, so there is no zero-filling pass and the threads that fill it fault in their own pages: the
// CPU backend's packed weights (a 1B model's 800 MB: first prompt 2.5-3 s with a zero-filled vector, ~1.4 s
// this way; 2 MiB pages by madvise measured slower, their compaction costing more than the faults saved).
// Throws std::bad_alloc if the OS refuses.
class LargeBuffer {
 public:
  LargeBuffer() = default;
  explicit LargeBuffer(size_t bytes);  // in the platform file
  ~LargeBuffer() { release(); }
  LargeBuffer(LargeBuffer&& other) noexcept { *this = static_cast<LargeBuffer&&>(other); }
  LargeBuffer& operator=(LargeBuffer&& other) noexcept {
    if (this != &other) {
      release();
      data_ = other.data_, size_ = other.size_, owned_ = other.owned_;
      other.data_ = nullptr, other.size_ = 0, other.owned_ = true;
    }
    return *this;
  }
  LargeBuffer(const LargeBuffer&) = delete;
  LargeBuffer& operator=(const LargeBuffer&) = delete;

  // Bytes someone else owns and keeps alive (a mapped file's), seen as a buffer: never freed by it.
  static LargeBuffer view(const uint8_t* data, size_t bytes) {
    LargeBuffer b;
    b.data_ = const_cast<uint8_t*>(data), b.size_ = bytes, b.owned_ = false;
    return b;
  }

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool owned() const { return owned_; }

 private:
  void release() {
    if (owned_) free_pages();
    data_ = nullptr, size_ = 0, owned_ = true;
  }
  void free_pages();  // in the platform file
  uint8_t* data_ = nullptr;  // what the OS returned (null for 0 bytes)
  size_t size_ = 0;
  bool owned_ = true;
};

}  // namespace vkg
