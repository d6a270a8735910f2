#include "runtime/cpu/thread_pool.h"

#include <algorithm>
#include <chrono>

namespace vkg::cpu {

namespace {

// How long a thread that waits for work (or for the others to finish) spins before it sleeps.
constexpr std::chrono::microseconds kSpin{300};

// Spins (yielding the CPU to anything else runnable) until ready() or kSpin has passed; returns ready().
template <class Ready>
bool spin_until(Ready ready) {
  const auto until = std::chrono::steady_clock::now() + kSpin;
  for (int i = 0;; ++i) {
    if (ready()) return true;
    if ((i & 15) == 15 && std::chrono::steady_clock::now() > until) return ready();
    std::this_thread::yield();
  }
}

}  // namespace

ThreadPool::ThreadPool(int n_threads) {
  if (n_threads <= 0) n_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 1; i < n_threads; ++i) workers_.emplace_back([this, i] { worker(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  start_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::run_share(int index) {
  const int64_t n = job_n_;
  if (job_chunk_ == 0) {
    const int64_t begin = n * index / size(), end = n * (index + 1) / size();
    if (begin < end) (*job_)(begin, end);
    return;
  }
  for (;;) {
    const int64_t begin = next_item_.fetch_add(job_chunk_, std::memory_order_relaxed);
    if (begin >= n) return;
    (*job_)(begin, std::min(n, begin + job_chunk_));
  }
}

void ThreadPool::parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn) {
  parallel_chunks(n, 0, fn);
}

void ThreadPool::parallel_chunks(int64_t n, int64_t chunk, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  if (workers_.empty() || n == 1 || (chunk > 0 && chunk >= n)) {
    fn(0, n);
    return;
  }
  job_ = &fn;
  job_n_ = n;
  job_chunk_ = std::max<int64_t>(chunk, 0);
  next_item_.store(0, std::memory_order_relaxed);
  pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);  // publishes job_, job_n_, job_chunk_, next_item_, pending_
  // Taking the mutex orders this wake-up after any worker's check-then-wait, so none misses it.
  { std::lock_guard<std::mutex> lock(mutex_); }
  start_.notify_all();
  run_share(0);
  if (!spin_until([this] { return pending_.load(std::memory_order_acquire) == 0; })) {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_.load(std::memory_order_acquire) == 0; });
  }
  job_ = nullptr;
}

void ThreadPool::worker(int index) {
  uint64_t seen = 0;
  for (;;) {
    auto has_work = [&] { return stop_.load() || generation_.load(std::memory_order_acquire) != seen; };
    if (!spin_until(has_work)) {
      std::unique_lock<std::mutex> lock(mutex_);
      start_.wait(lock, has_work);
    }
    if (stop_) return;
    seen = generation_.load(std::memory_order_acquire);
    run_share(index);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      { std::lock_guard<std::mutex> lock(mutex_); }
      done_.notify_one();
    }
  }
}

}  // namespace vkg::cpu
