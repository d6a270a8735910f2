// Microbenchmark of the CPU backend's fast matmul kernels (runtime/cpu/matmul_fast.h), one weight type at a
// time, on one thread, with the weights streamed from memory (a matrix much larger than the caches), as in a
// decode step. For kernel work: `vkgemma bench` measures whole models.
//
// Usage: vkgemma_bench_kernels [--mib 256] [--reps 5] [--tokens 1,8,64] [TYPE...]
// Prints, per type and token count, the median over reps of: weight GB/s and, for several tokens, the
// multiply-adds per second (G MAC/s).
#include <algorithm>
#include <cctype>
#include <iterator>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "runtime/cpu/matmul_fast.h"
#include "runtime/dtype.h"
#include "tests/unit/random_blocks.h"

using namespace vkg;

namespace {

std::vector<int> parse_list(const char* s) {
  std::vector<int> v;
  for (const char* p = s; *p;) {
    v.push_back(std::atoi(p));
    const char* c = std::strchr(p, ',');
    if (!c) break;
    p = c + 1;
  }
  return v;
}

const DType kTypes[] = {DType::Q4_0, DType::Q5_0, DType::Q8_0, DType::Q4_K, DType::Q6_K, DType::F16, DType::BF16, DType::F32};

bool same_name(DType t, const std::string& name) {
  const std::string n = dtype_name(t);
  return n.size() == name.size() &&
         std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) { return std::tolower(a) == std::tolower(b); });
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int64_t mib = 256;
  int reps = 5;
  std::vector<int> token_counts = {1, 8, 64};
  std::vector<DType> types;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--mib" && i + 1 < argc) {
      mib = std::atoll(argv[++i]);
    } else if (a == "--reps" && i + 1 < argc) {
      reps = std::atoi(argv[++i]);
    } else if (a == "--tokens" && i + 1 < argc) {
      token_counts = parse_list(argv[++i]);
    } else {
      const DType* t = std::find_if(std::begin(kTypes), std::end(kTypes), [&](DType c) { return same_name(c, a); });
      if (t == std::end(kTypes)) {
        std::fprintf(stderr, "bench_kernels: unknown type '%s'\n", a.c_str());
        return 2;
      }
      types.push_back(*t);
    }
  }
  if (types.empty()) types.assign(std::begin(kTypes), std::end(kTypes) - 1);  // all but F32
  std::printf("SIMD target %s, 1 thread, %lld MiB of weights per type\n", cpu::fast_matmul_target(),
              static_cast<long long>(mib));
  std::printf("%-6s %6s %10s %10s\n", "type", "tokens", "GB/s", "GMAC/s");
  const int64_t K = 1152;  // Gemma 3 1B's width
  std::mt19937 rng(7);
  for (DType type : types) {
    const DTypeInfo& info = dtype_info(type);
    const int64_t row_bytes = K / info.block_elems * info.block_bytes;
    const int64_t rows = mib * 1024 * 1024 / row_bytes;
    const std::vector<uint8_t> w = test::random_blocks(type, rows * K / info.block_elems, rng);
    for (int n : token_counts) {
      // Fewer rows for many tokens: the time is compute, not streaming, and full size would take long.
      const int64_t r1 = n > 8 ? std::min<int64_t>(rows, 8192) : rows;
      std::normal_distribution<float> normal(0.0f, 1.0f);
      std::vector<float> x(static_cast<size_t>(n * K));
      for (float& v : x) v = normal(rng);
      std::vector<cpu::ActBlock> xq(static_cast<size_t>(n * K / 32));
      std::vector<float> dsum(xq.size());
      for (int t = 0; t < n; ++t) cpu::quantize_activations(x.data() + t * K, K, xq.data() + t * K / 32, dsum.data() + t * K / 32);
      std::vector<float> out(static_cast<size_t>(n * r1));
      std::vector<double> secs;
      for (int r = 0; r < reps + 1; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        cpu::fast_matmul_rows(type, w.data(), row_bytes, K, 0, r1, xq.data(), dsum.data(), x.data(), n, out.data(), r1);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (r > 0) secs.push_back(s);  // the first pass warms up page tables and frequency
      }
      const double s = median(secs);
      std::printf("%-6s %6d %10.2f %10.2f\n", dtype_name(type), n, r1 * row_bytes / s / 1e9,
                  static_cast<double>(r1) * K * n / s / 1e9);
    }
  }
  return 0;
}
