// matmul_expert on the CPU and on Vulkan against its definition in double precision over the dequantized
// weights (the shaders dequantize bit-exactly as the CPU, include/quant.glsl). Tolerance: both accumulate in
// fp32 (the CPU with 8 partial sums, the shader per thread then a tree), an error of at most ~K/8 roundings of
// sum |w x|: 1e-5 of that sum per value, where a wrong row or expert is off by about the sum itself.
#include <algorithm>
#include <random>

#include "runtime/quant/quant.h"
#include "tests/ops/op_harness.h"
#include "tests/unit/random_blocks.h"

using namespace vkg;
using namespace vkg::op_test;

namespace {

// A stacked expert weight of `rows` x K in type t: random blocks with sane scales.
struct Weight {
  std::vector<uint8_t> bytes;
  DType type;
  int64_t rows, K;
  Weight(DType t, int64_t r, int64_t k, uint32_t seed) : type(t), rows(r), K(k) {
    std::mt19937 rng(seed);
    bytes = test::random_blocks(t, r * k / dtype_info(t).block_elems, rng);
  }
  std::vector<float> row(int64_t r) const {
    std::vector<float> v(static_cast<size_t>(K));
    dequantize_row(type, bytes.data() + r * row_bytes(type, K), v.data(), K);
    return v;
  }
  TensorId add(OneNode& op, const std::string& name) const {
    return op.graph.add_tensor({name, {rows, K}, type, TensorRole::weight, bytes.data()});
  }
};

// routes[t] = {weights..., ids...}: only the ids matter here.
std::vector<float> routes_for(const std::vector<std::vector<int>>& ids) {
  std::vector<float> r;
  for (const std::vector<int>& token : ids) {
    for (size_t s = 0; s < token.size(); ++s) r.push_back(0.5f);
    for (int id : token) r.push_back(float(id));
  }
  return r;
}

// Every value within 1e-5 * sum |w x| of the fp64 product.
void check_product(const std::string& what, const std::vector<float>& got, const Weight& w,
                   const std::vector<float>& x, const std::vector<std::vector<int>>& ids, int64_t S, int rows,
                   int row_offset, bool per_slot) {
  const int64_t k = int64_t(ids[0].size());
  REQUIRE(got.size() == ids.size() * size_t(k * rows));
  for (size_t t = 0; t < ids.size(); ++t)
    for (int64_t s = 0; s < k; ++s) {
      const float* xr = x.data() + (per_slot ? int64_t(t) * k + s : int64_t(t)) * w.K;
      for (int r = 0; r < rows; ++r) {
        const std::vector<float> wr = w.row(ids[t][size_t(s)] * S + row_offset + r);
        double want = 0, mag = 0;
        for (int64_t i = 0; i < w.K; ++i) {
          want += double(wr[size_t(i)]) * xr[i];
          mag += std::fabs(double(wr[size_t(i)]) * xr[i]);
        }
        const double g = got[size_t((int64_t(t) * k + s) * rows + r)];
        if (!std::isfinite(g) || std::fabs(g - want) > 1e-5 * mag + 1e-30) {
          FAIL_CHECK(what << ": token " << t << " slot " << s << " row " << r << ": expected " << want
                          << ", got " << g);
          return;
        }
      }
    }
}

}  // namespace

TEST_SUITE("ops") {
  TEST_CASE("matmul_expert: each slot times its expert's rows, every weight type, on both backends") {
    // Gemma 4's layout: gate_up merged, S = 2 * rows, the up half at row_offset = rows; 8 experts, top 2. rows =
    // 12: a partial 8-row workgroup. Token ids repeat experts across tokens (grouped on the CPU) and use 0 and 7.
    const int E = 8, k = 2, rows = 12;
    const int64_t S = 2 * rows, K = 256;
    const std::vector<std::vector<int>> ids5 = {{1, 2}, {7, 4}, {4, 7}, {2, 0}, {5, 7}}, ids1 = {{6, 3}};
    for (DType type : {DType::F32, DType::F16, DType::BF16, DType::Q8_0, DType::Q4_0, DType::Q5_0, DType::Q4_K,
                       DType::Q5_K, DType::Q6_K}) {
      const Weight w(type, E * S, K, 40 + uint32_t(type));
      for (const auto* ids : {&ids1, &ids5})
        for (bool per_slot : {false, true}) {
          const int64_t n = int64_t(ids->size());
          CAPTURE(dtype_name(type));
          CAPTURE(n);
          CAPTURE(per_slot);
          OneNode op;
          const std::vector<float> x = random_vector(size_t((per_slot ? n * k : n) * K), 41, 1.0f);
          TensorId xt = op.f32("x", {per_slot ? n * k : n, K}, x);
          TensorId wt = w.add(op, "blk.0.ffn_gate_up_exps.weight");
          TensorId rt = op.f32("routes", {n, 2 * k}, routes_for(*ids));
          op.node("blk.0.ffn_up_exps", {xt, wt, rt}, MatmulExpertParams{E, k, rows, rows});
          check_product("cpu", op.run("cpu"), w, x, *ids, S, rows, rows, per_slot);
          check_product("vulkan", op.run("vulkan"), w, x, *ids, S, rows, rows, per_slot);
        }
    }
  }

  TEST_CASE("matmul_expert: an expert across two weight chunks (vulkan binds 524280 rows at most)") {
    // 8 experts of 65536 rows: the weight store splits at row 524280, inside expert 7; its rows 65516..65531
    // (global 524268..524283) straddle the split within one 8-row workgroup. Q8_0 rows of 32 values: 18 MB.
    const int E = 8, k = 2, rows = 16, row_offset = 65516;
    const int64_t S = 65536, K = 32;
    const Weight w(DType::Q8_0, E * S, K, 50);
    const std::vector<std::vector<int>> ids = {{7, 0}, {3, 7}};
    OneNode op;
    const std::vector<float> x = random_vector(size_t(2 * K), 51, 1.0f);
    TensorId xt = op.f32("x", {2, K}, x);
    TensorId wt = w.add(op, "experts");
    TensorId rt = op.f32("routes", {2, 2 * k}, routes_for(ids));
    op.node("expert_rows", {xt, wt, rt}, MatmulExpertParams{E, k, rows, row_offset});
    check_product("cpu", op.run("cpu"), w, x, ids, S, rows, row_offset, false);
    check_product("vulkan", op.run("vulkan"), w, x, ids, S, rows, row_offset, false);
  }

  TEST_CASE("matmul_expert: an expert id out of range is an error on the cpu, zeros on vulkan") {
    const Weight w(DType::F32, 4 * 8, 16, 60);
    OneNode op;
    TensorId xt = op.f32("x", {2, 16}, random_vector(32, 61));
    TensorId wt = w.add(op, "experts");
    TensorId rt = op.f32("routes", {2, 2}, {1.0f, 3.0f, 1.0f, 4.0f});  // token 1 chose expert 4 of 4
    op.node("bad_route", {xt, wt, rt}, MatmulExpertParams{4, 1, 8, 0});
    CHECK_THROWS_WITH(op.run("cpu"),
                      doctest::Contains("node 'bad_route': expert id 4 of token 1 slot 0 is outside [0, 4)"));
    const std::vector<float> got = op.run("vulkan");
    REQUIRE(got.size() == 16);
    CHECK(std::count(got.begin(), got.begin() + 8, 0.0f) < 8);  // token 0: expert 3's product
    CHECK(std::count(got.begin() + 8, got.end(), 0.0f) == 8);
  }

  TEST_CASE("matmul_expert: bad shapes are refused, naming the node") {
    OneNode op;
    const Weight w(DType::F32, 24, 8, 70);  // 3 experts of 8 rows, or 4 of 6
    TensorId wt = w.add(op, "experts");
    TensorId x2 = op.f32("x", {2, 8}, random_vector(16, 71));
    TensorId x3 = op.f32("x3", {3, 8}, random_vector(24, 72));
    TensorId x9 = op.f32("x9", {2, 9}, random_vector(18, 73));
    TensorId r = op.f32("routes", {2, 4}, {1, 1, 0, 1, 1, 1, 2, 0});
    auto refused = [&](std::vector<TensorId> in, MatmulExpertParams p, const char* what) {
      CHECK_THROWS_WITH(op.node("expert_up", std::move(in), p), doctest::Contains(what));
    };
    refused({x2, wt, r}, {5, 2, 4, 0}, "node 'expert_up' (matmul_expert): n_experts = 5 does not divide the 24 rows");
    refused({x2, wt, r}, {3, 2, 4, 5}, "rows 5 + 4 exceed an expert's 8 rows of weight 'experts'");
    refused({x9, wt, r}, {3, 2, 4, 4}, "input 'x9' has 9 columns, expected 8");
    refused({x2, wt, r}, {3, 1, 4, 4}, "input 'routes' has 4 columns, expected 2");
    refused({x3, wt, r}, {3, 2, 4, 4}, "input 'x3' has 3 rows, expected 2 (one per token) or 4");
  }
}

TEST_SUITE("ops") {
  TEST_CASE("matmul_expert, CPU fast path (experts packed by 8 rows): each slot equals the fast matmul of its expert") {
    // The decode path runs every chosen expert's packed row groups in one parallel pass; a copy of one expert's
    // rows as a dense weight goes through the fast matmul (packed the same way, the same 8-bit inputs) with the
    // tokens routed to that expert, in order, so the two must agree bit for bit (packed F16 / BF16 where the CPU
    // packs them: fp32 inputs; where it does not, e.g. F16 on AVX2, the expert's tokens take the row kernels as
    // one matmul, whose order of sums depends on the token count).
    const int E = 8, k = 2, rows = 16;
    const int64_t S = 2 * rows, K = 512;
    for (DType type : {DType::Q4_0, DType::Q5_0, DType::Q8_0, DType::Q4_K, DType::Q6_K, DType::F16, DType::BF16}) {
      CAPTURE(std::string(dtype_name(type)));
      const Weight w(type, E * S, K, 70 + uint32_t(type));
      const std::vector<std::vector<int>> ids = {{3, 6}, {6, 0}, {1, 3}};
      const int64_t n = int64_t(ids.size());
      const std::vector<float> x = random_vector(size_t(n * K), 71, 1.0f);
      BackendOptions o;
      o.exact_matmul = false;
      std::unique_ptr<Backend> cpu = make_backend("cpu", o);
      OneNode op;
      TensorId xt = op.f32("x", {n, K}, x);
      TensorId wt = w.add(op, "experts");
      TensorId rt = op.f32("routes", {n, 2 * k}, routes_for(ids));
      op.node("up", {xt, wt, rt}, MatmulExpertParams{E, k, rows, rows});
      cpu->run(op.graph, op.inputs);
      const std::vector<float> got = cpu->read(op.graph, op.output);
      int checked = 0;
      for (int e = 0; e < E; ++e) {
        std::vector<float> ex;  // the rows of the tokens routed to e, in token order
        std::vector<int64_t> slots;
        for (int64_t t = 0; t < n; ++t)
          for (int s = 0; s < k; ++s)
            if (ids[size_t(t)][size_t(s)] == e) {
              ex.insert(ex.end(), x.begin() + t * K, x.begin() + (t + 1) * K);
              slots.push_back(t * k + s);
            }
        if (slots.empty()) continue;
        const int64_t stride = row_bytes(type, K);
        std::vector<uint8_t> rows_copy(w.bytes.begin() + (e * S + rows) * stride,
                                       w.bytes.begin() + (e * S + 2 * rows) * stride);
        OneNode dense;
        TensorId dx = dense.f32("x", {int64_t(slots.size()), K}, ex);
        TensorId dw = dense.graph.add_tensor({"w", {rows, K}, type, TensorRole::weight, rows_copy.data()});
        dense.node("dense", {dx, dw}, MatmulParams{});
        std::unique_ptr<Backend> cpu2 = make_backend("cpu", o);
        cpu2->run(dense.graph, dense.inputs);
        const std::vector<float> want = cpu2->read(dense.graph, dense.output);
        for (size_t i = 0; i < slots.size(); ++i, ++checked)
          for (int r = 0; r < rows; ++r) REQUIRE(got[size_t(slots[i] * rows + r)] == want[i * rows + size_t(r)]);
      }
      REQUIRE(checked == n * k);
    }
  }
}
