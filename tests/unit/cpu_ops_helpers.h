// Helpers shared by the CPU op tests (test_cpu_ops.cpp, test_attention.cpp): random inputs, a tolerance check
// against a double-precision reference, and one 2-thread pool.
#pragma once
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "runtime/cpu/thread_pool.h"

namespace vkg::test {

inline std::vector<float> random_vector(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

inline void check_close(const std::vector<float>& got, const std::vector<double>& want, double rel, double abs_tol) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i)
    REQUIRE_MESSAGE(std::abs(got[i] - want[i]) <= abs_tol + rel * std::abs(want[i]),
                    "index " << i << ": got " << got[i] << " want " << want[i]);
}

inline cpu::ThreadPool& pool() {
  static cpu::ThreadPool p(2);
  return p;
}

}  // namespace vkg::test
