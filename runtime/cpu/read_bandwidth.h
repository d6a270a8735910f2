// The memory-bandwidth roofline measured on the spot: how fast this machine's threads read a buffer the size
// of a decode step's weights, right now. `vkgemma bench` measures it between its generation repetitions, so
// that the roofline share it reports compares figures taken side by side (a shared machine's read bandwidth
// moves by tens of percent from minute to minute).
#pragma once
#include <cstdint>
#include <memory>

#include "runtime/cpu/aligned_vector.h"
#include "runtime/cpu/thread_pool.h"
#include "runtime/services.h"

namespace vkg::cpu {

class CpuReadBandwidthProbe : public vkg::ReadBandwidthProbe {
 public:
  // n_threads: as the CPU backend's (0 = all hardware threads). bytes: the buffer to stream, clamped to
  // [64 MiB, 1 GiB] (far past the last-level cache either way). The buffer is written once here, so that no
  // page fault lands inside a measurement.
  CpuReadBandwidthProbe(int n_threads, int64_t bytes);

  // One pass over the whole buffer, each thread reading a contiguous part with vector loads of up to 256
  // bits: bytes per second / 1e9.
  double measure_gbps() override;

  int64_t bytes() const override { return static_cast<int64_t>(buffer_.size()); }

 private:
  ThreadPool pool_;
  AlignedVector<uint8_t> buffer_;
  uint64_t sink_ = 0;  // the sums, kept so that the reads cannot be optimized away
};

}  // namespace vkg::cpu
