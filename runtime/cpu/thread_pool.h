// A fixed set of worker threads that split a range of work items; the caller's thread works too.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace vkg::cpu {

class ThreadPool {
 public:
  explicit ThreadPool(int n_threads);  // 0: all hardware threads
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }
  // Calls fn(begin, end) on disjoint sub-ranges covering [0, n), one contiguous range per thread.
  void parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn);
  // The same, but the threads take ranges of `chunk` items (the last one shorter) from a shared counter until
  // none is left: a thread that the OS preempts, or a slower core, leaves its share to the others instead of
  // holding everyone up at the end. One call fn(0, n) where the pool has one thread or chunk >= n.
  void parallel_chunks(int64_t n, int64_t chunk, const std::function<void(int64_t, int64_t)>& fn);

 private:
  void worker(int index);
  void run_share(int index);

  std::vector<std::thread> workers_;
  // A decode step calls parallel_for a few hundred times with microseconds between calls: waiting threads
  // spin (yielding) for a short while before they sleep on the condition variables, so that a call does not
  // pay a futex wake-up per thread.
  std::mutex mutex_;
  std::condition_variable start_, done_;
  const std::function<void(int64_t, int64_t)>* job_ = nullptr;
  int64_t job_n_ = 0;
  int64_t job_chunk_ = 0;             // 0: one contiguous range per thread
  std::atomic<int64_t> next_item_{0};  // parallel_chunks: the first item no thread has taken
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
};

}  // namespace vkg::cpu
