// Microbenchmark of the matmul kernels, one weight type at a time, with the weights streamed from memory (a
// matrix much larger than the caches), as in a decode step. For kernel work: `vkgemma bench` measures whole
// models.
//   --backend cpu (default): the CPU backend's matmul in fast mode (runtime/cpu/kernels.h: the activations
//     quantized per call where the type needs it, the fast kernels of matmul_fast.h, packed weights where the
//     backend packs, BF16 prompts' bf16 kernel), on one thread or, with --threads N, on N threads splitting the
//     rows as the backend does; a first line "read" gives the plain read bandwidth of the same threads over the
//     same size (the roofline a decode kernel streams against).
//   --backend vulkan: a one-node matmul graph on the Vulkan device (the shaders the backend picks for it),
//     timed around Backend::run (upload excluded: weights are uploaded by the warm-up run).
//
// Usage: vkgemma_bench_kernels [--backend cpu|vulkan] [--mib 256] [--reps 5] [--tokens 1,8,64] [--width 1152]
//                              [--threads 1] [--target AVX2] [--unpacked] [--matrices 1] [TYPE...]
// --target runs the CPU kernels of a lower SIMD target than the CPU's best (AVX2 on an AVX-512 machine);
// --unpacked the row kernels where the backend would pack the weights (packed_weights.h).
// --matrices M splits the weights into M matrices multiplied one after the other (CPU backend), as a decode step
// goes through its per-layer matrices of 0.1-2 MB: what each call costs besides streaming its bytes.
// --width is K, the length of a weight row (1152: Gemma 3 1B; 640: 270M).
// Prints, per type and token count, the median over reps of: weight GB/s and the multiply-adds per second
// (G MAC/s).
#include <algorithm>
#include <cctype>
#include <iterator>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <hwy/targets.h>

#include "runtime/backend.h"
#include "runtime/cpu/aligned_vector.h"
#include "runtime/cpu/kernels.h"
#include "runtime/cpu/matmul_fast.h"
#include "runtime/cpu/read_bandwidth.h"
#include "runtime/cpu/thread_pool.h"
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

const DType kTypes[] = {DType::Q4_0, DType::Q5_0, DType::Q8_0, DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::F16, DType::BF16, DType::F32};

bool same_name(DType t, const std::string& name) {
  const std::string n = dtype_name(t);
  return n.size() == name.size() &&
         std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) { return std::tolower(a) == std::tolower(b); });
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Median-ready times of `reps` runs after one warm-up.
std::vector<double> time_runs(int reps, const std::function<void()>& fn) {
  std::vector<double> secs;
  for (int r = 0; r < reps + 1; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r > 0) secs.push_back(s);  // the first run warms up page tables, pipelines, uploads
  }
  return secs;
}

bool g_unpacked = false;  // --unpacked: the row kernels even where the CPU has packed ones
int64_t g_matrices = 1;   // --matrices
int g_threads = 1;        // --threads

// The backend's matmul (runtime/cpu/kernels.h, fast mode): the activations quantized per call where the type
// wants it, the rows split over the threads as the backend splits them, packed where the backend packs. With
// --matrices M the rows are M separate matrices, one call each, as a decode step's per-layer products are.
std::vector<double> time_cpu(DType type, const std::vector<uint8_t>& w, int64_t K, int64_t rows,
                             const std::vector<float>& x_in, int n, int reps) {
  const cpu::AlignedVector<float> x(x_in.begin(), x_in.end());  // as the backend's activations are
  // Matrices of m_rows rows (whole packed groups), the last one taking the rows left over: all `rows` are timed.
  const int64_t m_rows = std::max<int64_t>(8, rows / g_matrices / 8 * 8);
  const int64_t matrices = std::max<int64_t>(1, rows / m_rows);
  const int64_t row_bytes = static_cast<int64_t>(w.size()) / rows;
  std::vector<TensorDesc> descs;
  std::vector<cpu::PackedWeights> packed(static_cast<size_t>(matrices));
  const bool packs = !g_unpacked && cpu::fast_matmul_packs(type);  // as the backend (whole groups of 8 rows)
  for (int64_t m = 0; m < matrices; ++m) {
    std::string name = "w";  // (`"w" + std::to_string(m)` trips GCC 12's -Wrestrict)
    name += std::to_string(m);
    const int64_t n_rows = m + 1 < matrices ? m_rows : rows - m * m_rows;
    descs.push_back({name, {n_rows, K}, type, TensorRole::weight, w.data() + m * m_rows * row_bytes});
    if (packs) packed[static_cast<size_t>(m)] = cpu::pack_weights(descs.back());
  }
  std::vector<float> out(static_cast<size_t>(n * descs.back().rows()));  // the largest
  cpu::ThreadPool pool(g_threads);
  return time_runs(reps, [&] {
    for (int64_t m = 0; m < matrices; ++m)
      cpu::matmul(x.data(), n, K, descs[static_cast<size_t>(m)], out.data(), pool, cpu::MatmulMode::fast,
                  packs ? &packed[static_cast<size_t>(m)] : nullptr);
  });
}

std::vector<double> time_vulkan(Backend& device, DType type, const std::vector<uint8_t>& w, int64_t K, int64_t rows,
                                const std::vector<float>& x, int n, int reps) {
  Graph g(n);
  const TensorId xt = g.add_tensor({"x", {n, K}, DType::F32, TensorRole::weight, x.data()});
  const TensorId wt = g.add_tensor({"w", {rows, K}, type, TensorRole::weight, w.data()});
  g.add_node("matmul", {xt, wt}, MatmulParams{});
  const StepInputs inputs;
  return time_runs(reps, [&] { device.run(g, inputs); });
}

}  // namespace

int main(int argc, char** argv) {
  int64_t mib = 256;
  int64_t K = 1152;  // Gemma 3 1B's width
  int reps = 5;
  std::vector<int> token_counts = {1, 8, 64};
  std::vector<DType> types;
  std::string backend = "cpu";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--mib" && i + 1 < argc) {
      mib = std::atoll(argv[++i]);
    } else if (a == "--reps" && i + 1 < argc) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--backend" && i + 1 < argc) {
      backend = argv[++i];
    } else if (a == "--width" && i + 1 < argc) {
      K = std::atoll(argv[++i]);
    } else if (a == "--tokens" && i + 1 < argc) {
      token_counts = parse_list(argv[++i]);
    } else if (a == "--threads" && i + 1 < argc) {
      g_threads = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--matrices" && i + 1 < argc) {
      g_matrices = std::max<int64_t>(1, std::atoll(argv[++i]));
    } else if (a == "--unpacked") {
      g_unpacked = true;
    } else if (a == "--target" && i + 1 < argc) {  // a SIMD target below the CPU's best, e.g. AVX2
      const std::string name = argv[++i];
      int64_t found = 0;
      for (int64_t bits = hwy::SupportedTargets(); bits != 0; bits &= bits - 1)
        if (name == hwy::TargetName(bits & ~(bits - 1))) found = bits & ~(bits - 1);
      if (found == 0) {
        std::fprintf(stderr, "bench_kernels: this CPU has no SIMD target '%s'\n", name.c_str());
        return 2;
      }
      hwy::SetSupportedTargetsForTest(found);
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
  std::unique_ptr<Backend> device;
  if (backend == "vulkan") {
    device = make_backend("vulkan", BackendOptions{});
    std::printf("%s, %lld MiB of weights per type\n", device->name().c_str(), static_cast<long long>(mib));
  } else {
    std::printf("SIMD target %s, %d thread(s), %lld MiB of weights per type\n", cpu::fast_matmul_target(), g_threads,
                static_cast<long long>(mib));
  }
  std::printf("%-6s %6s %10s %10s\n", "type", "tokens", "GB/s", "GMAC/s");
  if (!device) {  // the roofline: plain reads of as many bytes by as many threads
    cpu::CpuReadBandwidthProbe probe(g_threads, mib * 1024 * 1024);
    const std::vector<double> secs = time_runs(reps, [&] { probe.measure_gbps(); });
    std::printf("%-6s %6s %10.2f %10s\n", "read", "-", probe.bytes() / median(secs) / 1e9, "-");
  }
  std::mt19937 rng(7);
  for (DType type : types) {
    const DTypeInfo& info = dtype_info(type);
    if (K % info.block_elems != 0) {
      std::printf("%-6s skipped: its blocks of %lld do not divide the width %lld\n", info.name,
                  static_cast<long long>(info.block_elems),
                  static_cast<long long>(K));
      continue;
    }
    if (!device && !cpu::fast_matmul_supported(type)) {
      std::printf("%-6s skipped: no fast CPU kernel (the exact path runs it)\n", info.name);
      continue;
    }
    const int64_t row_bytes = K / info.block_elems * info.block_bytes;
    const int64_t rows = mib * 1024 * 1024 / row_bytes / 8 * 8;  // whole groups for the packed CPU kernels
    const std::vector<uint8_t> w = test::random_blocks(type, rows * K / info.block_elems, rng);
    for (int n : token_counts) {
      // Fewer rows for many tokens: the time is compute, not streaming, and full size would take long.
      const int64_t r1 = n > 8 ? std::min<int64_t>(rows, 8192) : rows;
      std::normal_distribution<float> normal(0.0f, 1.0f);
      std::vector<float> x(static_cast<size_t>(n * K));
      for (float& v : x) v = normal(rng);
      const std::vector<double> secs = device ? time_vulkan(*device, type, w, K, r1, x, n, reps)
                                              : time_cpu(type, w, K, r1, x, n, reps);
      const double s = median(secs);
      std::printf("%-6s %6d %10.2f %10.2f\n", dtype_name(type), n, r1 * row_bytes / s / 1e9,
                  static_cast<double>(r1) * K * n / s / 1e9);
    }
  }
  return 0;
}
