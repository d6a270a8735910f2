// See read_bandwidth.h. The read loop is Highway code dispatched at run time like the matmul kernels: a
// scalar loop would measure the core, not the memory.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "runtime/cpu/read_bandwidth.cpp"
#include <hwy/foreach_target.h>  // must come before highway.h
#include <hwy/highway.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "runtime/cpu/read_bandwidth.h"

HWY_BEFORE_NAMESPACE();
namespace vkg {
namespace cpu {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Sum of [p, p + n) as 64-bit lanes (n a multiple of 4 vectors); four accumulators so that the adds'
// latency does not bound the loads. At most 256-bit vectors: a Zen 4 thread streamed 22.8 GB/s with them and
// 18.9 with 512-bit loads (the fastest plain read is the roofline).
uint64_t SumWords(const uint8_t* p, int64_t n) {
  const hn::CappedTag<uint64_t, 4> d;
  const int64_t step = static_cast<int64_t>(hn::Lanes(d) * sizeof(uint64_t));
  auto a0 = hn::Zero(d), a1 = a0, a2 = a0, a3 = a0;
  for (int64_t i = 0; i + 4 * step <= n; i += 4 * step) {
    const auto* w = reinterpret_cast<const uint64_t*>(p + i);
    const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
    a0 = hn::Add(a0, hn::Load(d, w));
    a1 = hn::Add(a1, hn::Load(d, w + lanes));
    a2 = hn::Add(a2, hn::Load(d, w + 2 * lanes));
    a3 = hn::Add(a3, hn::Load(d, w + 3 * lanes));
  }
  return hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(a0, a1), hn::Add(a2, a3))));
}

}  // namespace HWY_NAMESPACE
}  // namespace cpu
}  // namespace vkg
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace vkg {
namespace cpu {

HWY_EXPORT(SumWords);

namespace {
constexpr int64_t kChunk = 64 * 1024;  // the unit threads split: a multiple of any vector width x 4
}

CpuReadBandwidthProbe::CpuReadBandwidthProbe(int n_threads, int64_t bytes) : pool_(n_threads) {
  const int64_t clamped = std::clamp<int64_t>(bytes, int64_t{64} << 20, int64_t{1} << 30);
  buffer_.resize(static_cast<size_t>(clamped / kChunk * kChunk));
  for (size_t i = 0; i < buffer_.size(); ++i) buffer_[i] = static_cast<uint8_t>(i * 131 + 7);
}

double CpuReadBandwidthProbe::measure_gbps() {
  const int64_t chunks = bytes() / kChunk, threads = pool_.size();
  std::vector<uint64_t> sums(static_cast<size_t>(threads), 0);
  const auto t0 = std::chrono::steady_clock::now();
  // One work item per thread (parallel_for gives each thread one), each a contiguous run of chunks.
  pool_.parallel_for(threads, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const int64_t first = chunks * t / threads, last = chunks * (t + 1) / threads;
      sums[static_cast<size_t>(t)] =
          HWY_DYNAMIC_DISPATCH(SumWords)(buffer_.data() + first * kChunk, (last - first) * kChunk);
    }
  });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (uint64_t s : sums) sink_ += s;
  return static_cast<double>(bytes()) / seconds / 1e9;
}

}  // namespace cpu

std::unique_ptr<ReadBandwidthProbe> make_read_bandwidth_probe(int n_threads, int64_t bytes) {
  return std::make_unique<cpu::CpuReadBandwidthProbe>(n_threads, bytes);
}

}  // namespace vkg
#endif  // HWY_ONCE
