// ThreadPool: every item of [0, n) handed to exactly one call, in both the even split and the shared-counter
// chunks, with ranges no longer than the chunk (one call fn(0, n) where a single thread or range does it all).
#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/cpu/thread_pool.h"

using vkg::cpu::ThreadPool;

namespace {

// Runs one job; returns how many times each item was visited and the longest range.
struct Visits {
  std::vector<int> count;
  int64_t longest = 0;
  int calls = 0;
};

Visits visit(ThreadPool& pool, int64_t n, int64_t chunk, bool slow_first_item) {
  std::unique_ptr<std::atomic<int>[]> count(new std::atomic<int>[static_cast<size_t>(n)]);
  for (int64_t i = 0; i < n; ++i) count[i] = 0;
  std::mutex m;
  Visits v;
  auto fn = [&](int64_t begin, int64_t end) {
    REQUIRE(begin >= 0);
    REQUIRE(begin < end);
    REQUIRE(end <= n);
    // One slow range: with chunks, the other threads must take the rest meanwhile (the result is the same
    // either way; this exercises the counter under contention).
    if (slow_first_item && begin == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    for (int64_t i = begin; i < end; ++i) count[i].fetch_add(1);
    std::lock_guard<std::mutex> lock(m);
    v.longest = std::max(v.longest, end - begin);
    ++v.calls;
  };
  if (chunk < 0) {
    pool.parallel_for(n, fn);
  } else {
    pool.parallel_chunks(n, chunk, fn);
  }
  for (int64_t i = 0; i < n; ++i) v.count.push_back(count[i].load());
  return v;
}

}  // namespace

TEST_CASE("thread pool: parallel_for and parallel_chunks cover each item once") {
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    for (int64_t n : {1, 2, 5, 16, 17, 100, 1000}) {
      for (int64_t chunk : {-1, 0, 1, 3, 16, 64, 5000}) {
        CAPTURE(threads);
        CAPTURE(n);
        CAPTURE(chunk);
        const Visits v = visit(pool, n, chunk, n == 100);
        for (int64_t i = 0; i < n; ++i) REQUIRE(v.count[static_cast<size_t>(i)] == 1);
        if (chunk > 0 && threads > 1 && chunk < n) {
          CHECK(v.longest <= chunk);
          CHECK(v.calls == (n + chunk - 1) / chunk);
        } else {
          CHECK(v.calls <= threads);
        }
      }
    }
  }
}

TEST_CASE("thread pool: many short jobs in a row") {
  // A decode step issues hundreds of jobs microseconds apart; each must see its own n and chunk.
  ThreadPool pool(2);
  for (int rep = 0; rep < 2000; ++rep) {
    const int64_t n = 1 + rep % 37, chunk = rep % 3 == 0 ? 0 : 1 + rep % 5;
    const Visits v = visit(pool, n, chunk, false);
    for (int64_t i = 0; i < n; ++i) REQUIRE(v.count[static_cast<size_t>(i)] == 1);
  }
}
