// argmax (the index of each row's largest value, the first on ties, as a float) on the CPU against its definition,
// and on Vulkan with both shader sets. GPUs split rows of more than 2 x 4096 columns over workgroups of 4096
// (argmax.comp SPLIT), the last of a row's workgroups to finish merging their maxima after counting itself in a
// counter it resets: ties across slices, maxima in the first and the last (partial) slice, rows all equal or all
// -inf, and two argmax nodes in a step run twice on one backend (each must find its counters at zero).
#include <limits>

#include "tests/ops/op_harness.h"

using namespace vkg;
using namespace vkg::op_test;

namespace {

std::vector<double> first_max(const std::vector<float>& x, int64_t rows, int64_t cols) {
  std::vector<double> want(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    int64_t best = 0;
    for (int64_t c = 1; c < cols; ++c)
      if (x[size_t(r * cols + c)] > x[size_t(r * cols + best)]) best = c;
    want[size_t(r)] = double(best);
  }
  return want;
}

// Five rows of `cols` values: random; a tie between a value in the first slice and one in a later slice; the
// maximum in the last column; every value equal; every value -inf.
std::vector<float> crafted_rows(int64_t cols) {
  std::vector<float> x = random_vector(size_t(5 * cols), 17, 5.0f);
  x[size_t(1 * cols + 7)] = x[size_t(1 * cols + cols - 3)] = 100.0f;
  x[size_t(2 * cols + cols - 1)] = 50.0f;
  for (int64_t c = 0; c < cols; ++c) {
    x[size_t(3 * cols + c)] = 1.5f;
    x[size_t(4 * cols + c)] = -std::numeric_limits<float>::infinity();
  }
  return x;
}

}  // namespace

TEST_SUITE("ops") {
  TEST_CASE("argmax: the first largest value's index, rows short and split over workgroups") {
    for (int64_t cols : {5, 300, 8192, 8193, 20000, 262144}) {  // 8193: 3 slices, the last of one column
      CAPTURE(cols);
      OneNode op;
      const std::vector<float> x = crafted_rows(cols);
      TensorId xt = op.f32("logits", {5, cols}, x);
      op.node("argmax", {xt}, ArgmaxParams{});
      require_on_every_backend(op, first_max(x, 5, cols), std::vector<double>(5, 0.0));
    }
  }

  TEST_CASE("argmax: two in a step, run twice on one backend, each finds its counters reset") {
    const int64_t cols = 20000;
    OneNode op;
    const std::vector<float> a = crafted_rows(cols);
    std::vector<float> b = random_vector(size_t(5 * cols), 23, 5.0f);
    b[size_t(0 * cols + 19999)] = 80.0f;
    TensorId at = op.f32("a", {5, cols}, a), bt = op.f32("b", {5, cols}, b);
    TensorId ia = op.graph.add_node("argmax_a", {at}, ArgmaxParams{});
    op.graph.mark_output(ia);
    op.node("argmax_b", {bt}, ArgmaxParams{});
    const std::vector<double> want_a = first_max(a, 5, cols), want_b = first_max(b, 5, cols);
    for (bool gpu_shaders : {false, true}) {
      CAPTURE(gpu_shaders);
      BackendOptions o;
      o.validation = true;
      o.gpu_shaders = gpu_shaders;
      std::unique_ptr<Backend> vulkan = make_backend("vulkan", o);
      for (int step = 0; step < 2; ++step) {
        CAPTURE(step);
        vulkan->run(op.graph, op.inputs);
        check_close("argmax_a", vulkan->read(op.graph, ia), want_a, 0, 0);
        check_close("argmax_b", vulkan->read(op.graph, op.output), want_b, 0, 0);
      }
    }
  }
}
