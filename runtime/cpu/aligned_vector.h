// A std::vector whose storage starts on a cache line. The CPU kernels read activations with 32-byte vector
// loads; from malloc's 16-byte alignment every other load spans two cache lines, which made the F16/F32
// prefill tiles ~25 % slower.
#pragma once
#include <cstddef>
#include <new>
#include <vector>

namespace vkg::cpu {

template <class T>
struct CacheLineAllocator {
  using value_type = T;
  static constexpr std::align_val_t kAlignment{64};
  CacheLineAllocator() = default;
  template <class U>
  CacheLineAllocator(const CacheLineAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlignment)); }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, kAlignment); }
  template <class U>
  bool operator==(const CacheLineAllocator<U>&) const noexcept { return true; }
};

template <class T>
using AlignedVector = std::vector<T, CacheLineAllocator<T>>;

}  // namespace vkg::cpu
