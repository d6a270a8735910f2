// Every CPU op against a plain double-precision reference written here from the math (not from the
// kernels), plus the properties the Gemma spec lists (gemma-models.md 7.1); attention in test_attention.cpp.
// Tolerances are relative to fp32 rounding: the kernels accumulate in fp32, the references in fp64.
#include <doctest/doctest.h>
#include <hwy/targets.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "runtime/backend.h"
#include "runtime/cpu/fp32_math.h"
#include "runtime/cpu/kernels.h"
#include "runtime/quant/quant.h"
#include "tests/unit/cpu_ops_helpers.h"

using namespace vkg;
using namespace vkg::cpu;
using vkg::test::check_close;
using vkg::test::pool;
using vkg::test::random_vector;

namespace {

TensorDesc f32_weight(const std::vector<float>& data, int64_t rows, int64_t cols) {
  return TensorDesc{"w", {rows, cols}, DType::F32, TensorRole::weight, data.data()};
}

}  // namespace

TEST_SUITE("cpu_ops") {

// exp_f32 and tanh_f32 must give the same bits on every platform (attention's softmax and soft-cap use them;
// with libm's expf the fast matmul path gave a different perplexity on Windows, issue 10). Being correctly
// rounded implies that: each is checked against its double-precision libm twin rounded to fp32, on every 61st
// float of its range (37 million inputs for exp, subnormal and overflowing results included). Inputs whose
// result lies within 1e-12 (relative) of the midpoint between two floats are left out: there the double
// function's last bit could decide the rounding. (glibc's expf fails this at 2744 of the inputs.)
struct RoundingCheck {
  int64_t checked = 0, near_midpoint = 0, wrong = 0;
  float first_wrong = 0;
};

RoundingCheck check_correctly_rounded(float (*f32)(float), double (*f64)(double), float lo, float hi) {
  RoundingCheck c;
  auto check = [&](float x) {
    const double d = f64(static_cast<double>(x));
    const float f = static_cast<float>(d);
    const double below = (static_cast<double>(f) + std::nextafter(f, -INFINITY)) / 2;
    const double above = (static_cast<double>(f) + std::nextafter(f, INFINITY)) / 2;
    if (std::min(std::fabs(d - below), std::fabs(d - above)) <= 1e-12 * std::fabs(d)) {
      ++c.near_midpoint;
      return;
    }
    ++c.checked;
    const float got = f32(x);
    if (std::memcmp(&got, &f, sizeof f) != 0 && c.wrong++ == 0) c.first_wrong = x;
  };
  const auto bits = [](float v) { uint32_t u; std::memcpy(&u, &v, 4); return u; };
  for (float end : {lo, hi})  // from -0 down to lo, from +0 up to hi
    for (uint32_t u = bits(std::copysign(0.0f, end)); u <= bits(end); u += 61) {
      float x;
      std::memcpy(&x, &u, 4);
      check(x);
    }
  return c;
}

TEST_CASE("exp_f32 and tanh_f32: correctly rounded (hence the same on every platform), special values") {
  const RoundingCheck e = check_correctly_rounded(exp_f32, [](double x) { return std::exp(x); }, -104.0f, 89.0f);
  INFO("exp: first wrong input " << e.first_wrong);
  CHECK(e.wrong == 0);
  CHECK(e.checked > 30000000);
  CHECK(e.near_midpoint < e.checked / 10000);
  CHECK(exp_f32(0.0f) == 1.0f);
  CHECK(exp_f32(-INFINITY) == 0.0f);
  CHECK(exp_f32(INFINITY) == INFINITY);
  CHECK(exp_f32(89.0f) == INFINITY);
  CHECK(exp_f32(-104.0f) == 0.0f);
  CHECK(exp_f32(-103.0f) > 0.0f);  // a subnormal: 1.4e-45 * 3
  CHECK(std::isnan(exp_f32(NAN)));

  const RoundingCheck t = check_correctly_rounded(tanh_f32, [](double x) { return std::tanh(x); }, -10.5f, 10.5f);
  INFO("tanh: first wrong input " << t.first_wrong);
  CHECK(t.wrong == 0);
  CHECK(t.checked > 30000000);
  CHECK(t.near_midpoint < t.checked / 10000);
  CHECK(tanh_f32(12.0f) == 1.0f);
  CHECK(tanh_f32(-INFINITY) == -1.0f);
  CHECK(tanh_f32(1e-30f) == 1e-30f);
  CHECK(std::signbit(tanh_f32(-0.0f)));
  CHECK(std::isnan(tanh_f32(NAN)));
}

// The attention softmax takes exp_f32 several lanes at a time (fp32_math-inl.h); every SIMD target this CPU runs
// must give exp_f32's own bits, for every kind of input: a sample of all 2^32 bit patterns (step 1021: all
// exponents, both signs, subnormals, infinities, NaNs), in batches whose length leaves a scalar tail.
TEST_CASE("exp_f32_lanes: exp_f32's bits on every SIMD target") {
  struct RestoreTargets {
    ~RestoreTargets() { hwy::SetSupportedTargetsForTest(0); }
  } restore;
  hwy::SetSupportedTargetsForTest(0);
  std::vector<float> inputs;
  for (uint64_t u = 0; u < (uint64_t{1} << 32); u += 1021) {
    const uint32_t bits = static_cast<uint32_t>(u);
    float x;
    std::memcpy(&x, &bits, 4);
    inputs.push_back(x);
  }
  for (float x : {0.0f, -0.0f, 89.0f, std::nextafter(89.0f, 100.0f), 88.72f, -104.0f,
                  std::nextafter(-104.0f, 0.0f), -103.0f, -87.5f, INFINITY, -INFINITY, NAN})
    inputs.push_back(x);
  int ran = 0;
  for (int64_t bits = hwy::SupportedTargets(); bits != 0; bits &= bits - 1) {
    const int64_t target = bits & ~(bits - 1);
    hwy::SetSupportedTargetsForTest(target);
    const std::string name = hwy::TargetName(target);
    INFO("SIMD target " << name);
    std::vector<float> got = inputs;
    for (size_t b = 0; b < got.size(); b += 4099)
      exp_f32_lanes(got.data() + b, std::min<int64_t>(4099, static_cast<int64_t>(got.size() - b)));
    int wrong = 0;
    for (size_t k = 0; k < inputs.size(); ++k) {
      const float want = exp_f32(inputs[k]);
      uint32_t a, w;
      std::memcpy(&a, &got[k], 4);
      std::memcpy(&w, &want, 4);
      if (a != w && !(std::isnan(got[k]) && std::isnan(want))) {
        if (wrong++ < 5) FAIL_CHECK("exp_f32_lanes(" << inputs[k] << ") = " << got[k] << ", exp_f32: " << want);
      }
    }
    CHECK(wrong == 0);
    ++ran;
  }
  CHECK(ran >= 1);
}
  TEST_CASE("gelu_tanh known values (gemma-models.md 7.1)") {
    CHECK(gelu_tanh(1.0f) == doctest::Approx(0.8411920).epsilon(1e-6));
    CHECK(gelu_tanh(-1.0f) == doctest::Approx(-0.1588080).epsilon(1e-6));
    CHECK(gelu_tanh(2.0f) == doctest::Approx(1.9545977).epsilon(1e-6));
    std::vector<float> g = {1.0f, -1.0f, 0.0f}, u = {2.0f, 3.0f, 5.0f}, o(3);
    gelu_mul(g.data(), u.data(), 3, o.data());
    CHECK(o[0] == doctest::Approx(2 * 0.8411920).epsilon(1e-6));
    CHECK(o[1] == doctest::Approx(3 * -0.1588080).epsilon(1e-6));
    CHECK(o[2] == 0.0f);
  }

  TEST_CASE("gelu_mul (vectorized) equals gelu_tanh(gate) * up to a few ulp, over the whole range") {
    std::vector<float> g, u;
    for (float x = -30.0f; x <= 30.0f; x += 0.01953125f) g.push_back(x), u.push_back(1.0f + 0.001f * x);
    g.push_back(-1e-20f), u.push_back(1.0f);  // tiny and odd-sized tail
    std::vector<float> o(g.size());
    gelu_mul(g.data(), u.data(), static_cast<int64_t>(g.size()), o.data());
    int bad = 0;
    double worst = 0;  // of err / tol, reported
    for (size_t i = 0; i < g.size(); ++i) {
      const double want = static_cast<double>(gelu_tanh(g[i])) * u[i];
      // Relative 1e-6 (a few fp32 ulp through tanh and the products), plus tanh's own absolute error near
      // +-1 (a few ulp of 1, ~6e-8 each) times 0.5 |x| |up|: in the negative tail 1 + tanh cancels, and there
      // both std::tanh's and Highway's results are rounding noise of that size.
      const double err = std::fabs(o[i] - want);
      const double tol = 1e-6 * std::fabs(want) + 2e-7 * std::fabs(g[i] * u[i]) + 1e-30;
      worst = std::max(worst, err / tol);
      if (err > tol) {
        ++bad;
        if (bad < 5) MESSAGE("x " << g[i] << ": " << o[i] << " vs " << want);
      }
    }
    MESSAGE("worst error / tolerance " << worst);
    CHECK(bad == 0);
  }

  TEST_CASE("rms_norm per group, against fp64") {
    const int64_t rows = 3, cols = 512, group = 256;
    auto x = random_vector(rows * cols, 1, 20.0f);
    auto w = random_vector(group, 2);
    std::vector<float> out(x.size());
    rms_norm(x.data(), rows, cols, w.data(), group, 1e-6f, out.data(), pool());
    std::vector<double> want(x.size());
    for (int64_t g = 0; g < rows * cols / group; ++g) {
      double ss = 0;
      for (int64_t i = 0; i < group; ++i) ss += double(x[g * group + i]) * x[g * group + i];
      double r = 1.0 / std::sqrt(ss / group + 1e-6);
      for (int64_t i = 0; i < group; ++i) want[g * group + i] = x[g * group + i] * r * w[i];
    }
    check_close(out, want, 1e-5, 1e-6);

    // rms_norm_add: the same norm plus the residual, bit for bit what rms_norm then add give.
    auto residual = random_vector(x.size(), 3, 50.0f);
    std::vector<float> fused(x.size()), sum(x.size());
    rms_norm_add(x.data(), rows, cols, w.data(), group, 1e-6f, residual.data(), fused.data(), pool());
    add(residual.data(), out.data(), int64_t(x.size()), sum.data());
    CHECK(std::memcmp(fused.data(), sum.data(), sum.size() * 4) == 0);
    for (size_t i = 0; i < want.size(); ++i) want[i] += residual[i];
    check_close(fused, want, 1e-5, 1e-5);
  }

  TEST_CASE("matmul_geglu: bit for bit the matmul then gelu_mul") {
    const int64_t K = 64, N = 48, n = 3;
    auto x = random_vector(n * K, 21);
    auto wv = random_vector(N * K, 22, 0.1f);
    auto gate = random_vector(n * N, 23, 3.0f);
    TensorDesc w{"w", {N, K}, DType::F32, TensorRole::weight, wv.data()};
    std::vector<float> up(size_t(n * N)), want(size_t(n * N));
    matmul(x.data(), n, K, w, up.data(), pool(), MatmulMode::fast);
    gelu_mul(gate.data(), up.data(), n * N, want.data());
    Graph g{static_cast<int>(n)};
    g.token_ids = g.add_tensor({"token_ids", {n}, DType::I32, TensorRole::input, nullptr});
    g.positions = g.add_tensor({"positions", {n}, DType::I32, TensorRole::input, nullptr});
    g.key_end = g.add_tensor({"key_end", {n}, DType::I32, TensorRole::input, nullptr});
    TensorId xt = g.add_tensor({"x", {n, K}, DType::F32, TensorRole::weight, x.data()});
    TensorId wt = g.add_tensor(w);
    TensorId gt = g.add_tensor({"gate", {n, N}, DType::F32, TensorRole::weight, gate.data()});
    TensorId out = g.add_node("geglu", {xt, wt, gt}, MatmulGegluParams{});
    g.mark_output(out);
    auto cpu = make_backend("cpu", BackendOptions{});
    StepInputs in;
    in.token_ids = {0, 0, 0};
    in.positions = {0, 1, 2};
    in.key_end = {0, 1, 2};
    cpu->run(g, in);
    const std::vector<float> got = cpu->read(g, out);
    CHECK(std::memcmp(got.data(), want.data(), want.size() * 4) == 0);
  }

  TEST_CASE("matmul on f32 and quantized weights, one and several tokens") {
    const int64_t K = 512, N = 37;
    for (int64_t n : {1, 5}) {
      auto x = random_vector(n * K, 3);
      auto wf = random_vector(N * K, 4, 0.05f);
      // Q8_0 copy of the weights, quantized here the simple way (d = max|x|/127), to test the dtype path.
      std::vector<uint8_t> q8(static_cast<size_t>(row_bytes(DType::Q8_0, K) * N));
      for (int64_t b = 0; b < N * K / 32; ++b) {
        float amax = 0;
        for (int i = 0; i < 32; ++i) amax = std::max(amax, std::abs(wf[b * 32 + i]));
        const float d = amax / 127.0f;
        uint16_t dh = fp32_to_fp16(d);
        std::memcpy(&q8[b * 34], &dh, 2);
        for (int i = 0; i < 32; ++i)
          q8[b * 34 + 2 + i] = static_cast<uint8_t>(static_cast<int8_t>(std::lround(wf[b * 32 + i] / d)));
      }
      for (DType type : {DType::F32, DType::Q8_0}) {
        TensorDesc w = type == DType::F32 ? f32_weight(wf, N, K)
                                          : TensorDesc{"w", {N, K}, DType::Q8_0, TensorRole::weight, q8.data()};
        std::vector<float> deq(static_cast<size_t>(N * K));
        for (int64_t r = 0; r < N; ++r)
          dequantize_row(type, static_cast<const uint8_t*>(w.data) + r * row_bytes(type, K), deq.data() + r * K, K);
        std::vector<float> out(static_cast<size_t>(n * N));
        matmul(x.data(), n, K, w, out.data(), pool());
        std::vector<double> want(out.size());
        for (int64_t t = 0; t < n; ++t)
          for (int64_t r = 0; r < N; ++r) {
            double s = 0;
            for (int64_t k = 0; k < K; ++k) s += double(x[t * K + k]) * deq[r * K + k];
            want[t * N + r] = s;
          }
        check_close(out, want, 1e-4, 1e-4);
      }
    }
  }

  TEST_CASE("rms_norm_rope: bit for bit rms_norm then rope") {
    const int hd = 64, heads = 3;
    auto x = random_vector(2 * heads * hd, 11, 10.0f);
    auto w = random_vector(hd, 12);
    const std::vector<int32_t> pos = {3, 4000};
    const RmsNormRopeParams p{1e-6f, RopeParams{hd, 10000.0f, 1.0f}};
    std::vector<float> fused(x.size()), normed(x.size()), two_ops(x.size());
    rms_norm_rope(x.data(), 2, heads * hd, w.data(), pos.data(), p, fused.data(), pool());
    rms_norm(x.data(), 2, heads * hd, w.data(), hd, p.eps, normed.data(), pool());
    rope(normed.data(), 2, heads * hd, pos.data(), p.rope, two_ops.data(), pool());
    CHECK(std::memcmp(fused.data(), two_ops.data(), fused.size() * 4) == 0);
    CHECK(std::memcmp(fused.data(), normed.data(), fused.size() * 4) != 0);  // it did rotate
  }

  TEST_CASE("rope_store and rms_norm_rope_store: bit for bit the op then kv_store, into wrapping ring slots") {
    const int hd = 64, heads = 2, cap = 5;
    const int64_t cols = heads * hd;
    auto x = random_vector(3 * cols, 13, 10.0f);
    auto w = random_vector(hd, 14);
    const std::vector<int32_t> pos = {8, 9, 10};  // slots 3, 4, 0
    const RmsNormRopeParams p{1e-6f, RopeParams{hd, 10000.0f, 1.0f}};
    for (bool norm : {false, true}) {
      CAPTURE(norm);
      std::vector<float> rotated(x.size()), want(cap * cols, -1.0f), got(cap * cols, -1.0f);
      if (norm) {
        rms_norm_rope(x.data(), 3, cols, w.data(), pos.data(), p, rotated.data(), pool());
        rms_norm_rope_store(x.data(), 3, cols, w.data(), pos.data(), p, got.data(), cap, pool());
      } else {
        rope(x.data(), 3, cols, pos.data(), p.rope, rotated.data(), pool());
        rope_store(x.data(), 3, cols, pos.data(), p.rope, got.data(), cap, pool());
      }
      kv_store(rotated.data(), 3, cols, pos.data(), want.data(), cap);
      CHECK(std::memcmp(got.data(), want.data(), got.size() * 4) == 0);
      CHECK(got[1 * cols] == -1.0f);  // slots 1 and 2 untouched
      CHECK(got[0] == rotated[2 * cols]);  // position 10 wrapped to slot 0
    }
  }

  TEST_CASE("rope: half-split rotation against complex multiplication; properties") {
    const int hd = 16, heads = 2;
    RopeParams p{hd, 10000.0f, 1.0f};
    auto x = random_vector(3 * heads * hd, 5);
    std::vector<int32_t> pos = {0, 7, 1000};
    std::vector<float> out(x.size());
    rope(x.data(), 3, heads * hd, pos.data(), p, out.data(), pool());
    std::vector<double> want(x.size());
    for (int r = 0; r < 3; ++r)
      for (int h = 0; h < heads; ++h)
        for (int i = 0; i < hd / 2; ++i) {
          const size_t base = r * heads * hd + h * hd;
          // (x_i + j x_{i+d/2}) * e^{j pos theta^(-2i/d)}: gemma_pytorch's complex view of the halves.
          std::complex<double> c(x[base + i], x[base + i + hd / 2]);
          c *= std::polar(1.0, pos[r] * std::pow(10000.0, -2.0 * i / hd));
          want[base + i] = c.real();
          want[base + i + hd / 2] = c.imag();
        }
    check_close(out, want, 1e-4, 1e-4);
    for (int i = 0; i < heads * hd; ++i) CHECK(out[i] == x[i]);  // position 0 is the identity

    // q(p).k(p') depends only on p - p'.
    auto q = random_vector(hd, 6), k = random_vector(hd, 7);
    auto dot_at = [&](int32_t pq, int32_t pk) {
      std::vector<float> qr(hd), kr(hd);
      rope(q.data(), 1, hd, &pq, p, qr.data(), pool());
      rope(k.data(), 1, hd, &pk, p, kr.data(), pool());
      double s = 0;
      for (int i = 0; i < hd; ++i) s += double(qr[i]) * kr[i];
      return s;
    };
    CHECK(dot_at(10, 3) == doctest::Approx(dot_at(110, 103)).epsilon(1e-4));

    // Linear scaling by 1/8 at position 8p equals no scaling at p.
    RopeParams scaled{hd, 1e6f, 0.125f}, plain{hd, 1e6f, 1.0f};
    std::vector<float> a(hd), b(hd);
    int32_t p8 = 800, p1 = 100;
    rope(q.data(), 1, hd, &p8, scaled, a.data(), pool());
    rope(q.data(), 1, hd, &p1, plain, b.data(), pool());
    for (int i = 0; i < hd; ++i) CHECK(a[i] == doctest::Approx(b[i]).epsilon(1e-5));
  }

  TEST_CASE("rope: the kept cos/sin tables follow every change of positions and parameters") {
    // rope keeps its last two tables; each call must equal a fresh computation, whatever came before. The
    // reference is the first call of a fresh thread (its own, empty tables).
    const int hd = 8, cols = 2 * hd;  // two heads of 8, or one of 16 (`wide`)
    auto x = random_vector(3 * cols, 11);
    auto fresh = [&](std::vector<int32_t> pos, RopeParams p) {
      std::vector<float> out(x.size());
      std::thread([&] {
        ThreadPool one(1);
        rope(x.data(), 3, cols, pos.data(), p, out.data(), one);
      }).join();
      return out;
    };
    const RopeParams local{hd, 1e4f, 1.0f}, global{hd, 1e6f, 1.0f}, scaled{hd, 1e6f, 0.125f}, wide{2 * hd, 1e4f, 1.0f};
    struct Call {
      std::vector<int32_t> pos;
      RopeParams p;
    };
    const std::vector<Call> calls = {{{0, 1, 2}, local}, {{0, 1, 2}, global}, {{0, 1, 2}, local},
                                     {{0, 1, 3}, local},  {{0, 1, 3}, scaled}, {{0, 1, 3}, global},
                                     {{5, 1, 3}, global}, {{0, 1, 2}, local},  {{0, 1, 2}, wide}};
    for (const Call& c : calls) {
      std::vector<float> got(x.size());
      rope(x.data(), 3, cols, c.pos.data(), c.p, got.data(), pool());
      CHECK(got == fresh(c.pos, c.p));
    }
  }

  TEST_CASE("argmax: index of the maximum, the first one on ties") {
    std::vector<float> x = {1, 5, 3, 5, -2, -1, -1, -7};
    std::vector<float> out(2);
    argmax(x.data(), 2, 4, out.data());
    CHECK(out[0] == 1.0f);
    CHECK(out[1] == 1.0f);
  }

  TEST_CASE("argmax (vectorized) equals the scalar definition: long rows, tails, ties, NaN, infinities, -0") {
    // The definition: best = 0; best = c wherever row[c] > row[best] (NaN never wins, one at 0 stays).
    auto reference = [](const float* row, int64_t n) {
      int64_t best = 0;
      for (int64_t c = 1; c < n; ++c)
        if (row[c] > row[best]) best = c;
      return best;
    };
    const float nan = std::nanf(""), inf = INFINITY;
    std::mt19937 rng(11);
    std::uniform_int_distribution<int> small(-3, 3);  // few distinct values: many ties
    for (int64_t n : {1, 2, 7, 16, 33, 100, 262144 + 5}) {
      for (int variant = 0; variant < 6; ++variant) {
        std::vector<float> row(static_cast<size_t>(n));
        for (float& v : row) v = variant == 0 ? float(small(rng)) : std::normal_distribution<float>()(rng);
        const size_t at = rng() % row.size();
        if (variant == 1) row[at] = nan;
        if (variant == 2) row[0] = nan;                             // kept: nothing compares greater
        if (variant == 3) row.assign(row.size(), -inf), row[at] = nan;
        if (variant == 4) row.assign(row.size(), 0.0f), row[at] = -0.0f, row[rng() % row.size()] = -0.0f;
        if (variant == 5) row[at] = inf, row[row.size() - 1] = inf;  // ties at +inf; one in the tail
        float out = -1;
        argmax(row.data(), 1, n, &out);
        INFO("n " << n << ", variant " << variant);
        CHECK(out == float(reference(row.data(), n)));
      }
    }
  }

  TEST_CASE("top_k: the k largest, largest first, lower index first on ties, NaN last, -0 equal to +0") {
    const float nan = std::nanf("");
    std::vector<float> x = {1, 5, nan, 3, 5, -0.0f, 0.0f, -INFINITY};
    std::vector<float> out(2 * 6);
    top_k(x.data(), 1, 8, 6, out.data());
    const std::vector<float> values = {5, 5, 3, 1, -0.0f, 0.0f}, ids = {1, 4, 3, 0, 5, 6};
    for (int j = 0; j < 6; ++j) {
      CHECK(out[size_t(j)] == values[size_t(j)]);
      CHECK(out[size_t(6 + j)] == ids[size_t(j)]);
    }
    CHECK(std::signbit(out[4]));  // the value itself comes back, not a canonical one
    out.resize(2 * 8);
    top_k(x.data(), 1, 8, 8, out.data());
    CHECK(out[6] == -INFINITY);
    CHECK(std::isnan(out[7]));
    CHECK(out[8 + 7] == 2.0f);

    // Random rows with many ties: checked against the definition (every value left out ranks after every
    // value taken), not against another sort.
    std::mt19937 rng(3);
    const int64_t rows = 2, cols = 5000;
    std::vector<float> r(rows * cols);
    for (float& v : r) v = static_cast<float>(static_cast<int>(rng() % 200) - 100) / 8.0f;
    for (int k : {1, 17, 256}) {
      CAPTURE(k);
      std::vector<float> o(size_t(rows * 2 * k));
      top_k(r.data(), rows, cols, k, o.data());
      for (int64_t row = 0; row < rows; ++row) {
        const float* in = r.data() + row * cols;
        const float* got = o.data() + row * 2 * k;
        std::vector<bool> taken(size_t(cols), false);
        for (int j = 0; j < k; ++j) {
          const int64_t id = static_cast<int64_t>(got[k + j]);
          REQUIRE(id >= 0);
          REQUIRE(id < cols);
          REQUIRE(!taken[size_t(id)]);
          taken[size_t(id)] = true;
          CHECK(got[j] == in[id]);
          if (j > 0) CHECK((got[j] < got[j - 1] || (got[j] == got[j - 1] && got[k + j] > got[k + j - 1])));
        }
        const float last = got[k - 1];
        const int64_t last_id = static_cast<int64_t>(got[2 * k - 1]);
        for (int64_t c = 0; c < cols; ++c)
          if (!taken[size_t(c)]) REQUIRE((in[c] < last || (in[c] == last && c > last_id)));
      }
    }
  }

  TEST_CASE("embed, add, softcap") {
    std::vector<float> table = {1, 2, 3, 4, 5, 6};
    TensorDesc t = f32_weight(table, 3, 2);
    std::vector<int32_t> ids = {2, 0};
    std::vector<float> out(4);
    embed(t, ids.data(), 2, 10.0f, out.data(), pool());
    CHECK(out == std::vector<float>{50, 60, 10, 20});
    int32_t bad = 3;
    CHECK_THROWS_WITH_AS(embed(t, &bad, 1, 1.0f, out.data(), pool()), doctest::Contains("token id 3 is outside"),
                         std::runtime_error);

    std::vector<float> a = {1, -2}, b = {0.5f, 4}, s(2);
    add(a.data(), b.data(), 2, s.data());
    CHECK(s == std::vector<float>{1.5f, 2.0f});

    std::vector<float> x = {0.01f, 45.0f, -45.0f, 1e6f}, c(4);
    softcap(x.data(), 4, 30.0f, c.data());
    CHECK(c[0] == doctest::Approx(0.01f).epsilon(1e-4));  // ~identity for |x| << cap
    CHECK(c[1] == doctest::Approx(30.0 * std::tanh(1.5)).epsilon(1e-6));
    CHECK(c[2] == -c[1]);
    CHECK(c[3] <= 30.0f);  // bounded by the cap
  }
}
