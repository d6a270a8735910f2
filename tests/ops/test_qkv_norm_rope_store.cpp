// qkv_norm_rope_store against the ops it stands for (rms_norm_rope of q, rms_norm_rope_store of k, kv_store of v
// after rms_norm_weightless where v_norm), each tested against its definition elsewhere: on every backend the
// fused node's q and both caches equal the separate ops' on that backend, and Vulkan's (both shader sets) equal
// the CPU's within rms_norm_rope's tolerance. Tokens of two sequences at positions past the ring's capacity, so
// the slots wrap; Gemma 3's shapes (4 q heads, 1 kv head of 256) and a GQA case of 64-wide heads.
#include "tests/ops/op_harness.h"

using namespace vkg;
using namespace vkg::op_test;

namespace {

struct Case {
  int rows, q_heads, kv_heads, head_dim;
  bool v_norm;
};

struct Outputs {
  std::vector<float> q, k_cache, v_cache;
};

// One step on `backend`: the fused op, or the separate ops, into fresh caches of 2 sequences x 4 slots.
Outputs run(const Case& k, bool fused, const std::string& backend_name, bool gpu_shaders) {
  const int64_t q_cols = int64_t(k.q_heads) * k.head_dim, kv_cols = int64_t(k.kv_heads) * k.head_dim;
  const int capacity = 4, sequences = 2;
  OneNode op(k.rows);
  for (int r = 0; r < k.rows; ++r) op.inputs.positions[size_t(r)] = 5 + r / 2, op.inputs.sequence.push_back(r % 2);
  TensorId q = op.f32("q", {k.rows, q_cols}, random_vector(size_t(k.rows * q_cols), 1, 2.0f));
  TensorId qw = op.f32("q_norm", {k.head_dim}, random_vector(size_t(k.head_dim), 2));
  TensorId kt = op.f32("k", {k.rows, kv_cols}, random_vector(size_t(k.rows * kv_cols), 3, 2.0f));
  TensorId kw = op.f32("k_norm", {k.head_dim}, random_vector(size_t(k.head_dim), 4));
  TensorId v = op.f32("v", {k.rows, kv_cols}, random_vector(size_t(k.rows * kv_cols), 5, 2.0f));
  Graph& g = op.graph;
  TensorId kc = g.add_tensor({"k_cache", {capacity * sequences, kv_cols}, DType::F32, TensorRole::kv_cache, nullptr});
  TensorId vc = g.add_tensor({"v_cache", {capacity * sequences, kv_cols}, DType::F32, TensorRole::kv_cache, nullptr});
  const RmsNormRopeParams norm_rope{1e-6f, RopeParams{k.head_dim, 10000.0f, 1.0f}};
  if (fused) {
    op.node("qkv", {q, qw, kt, kw, v, g.positions, kc, vc, g.sequence},
            QkvNormRopeStoreParams{norm_rope, sequences, k.v_norm});
  } else {
    g.add_node_into("k_store", {kt, kw, g.positions, kc, g.sequence}, RmsNormRopeStoreParams{norm_rope, sequences},
                    kc);
    TensorId vn = k.v_norm ? g.add_node("v_norm", {v}, RmsNormWeightlessParams{k.head_dim, 1e-6f}) : v;
    g.add_node_into("v_store", {vn, g.positions, vc, g.sequence}, KvStoreParams{sequences}, vc);
    op.node("q_rope", {q, qw, g.positions}, norm_rope);
  }
  BackendOptions o;
  o.validation = true;
  o.gpu_shaders = gpu_shaders;
  std::unique_ptr<Backend> backend = make_backend(backend_name, o);
  backend->run(g, op.inputs);
  return {backend->read(g, op.output), backend->read(g, kc), backend->read(g, vc)};
}

void check_same(const std::string& what, const Outputs& got, const Outputs& want, double rel, double abs) {
  check_close(what + ": q", got.q, widen(want.q), rel, abs);
  check_close(what + ": k_cache", got.k_cache, widen(want.k_cache), rel, abs);
  check_close(what + ": v_cache", got.v_cache, widen(want.v_cache), rel, abs);
}

}  // namespace

TEST_SUITE("ops") {
  TEST_CASE("qkv_norm_rope_store: the separate ops' values on every backend") {
    for (const Case& k : {Case{1, 4, 1, 256, false}, Case{5, 4, 1, 256, false}, Case{3, 8, 2, 64, true},
                          Case{1, 2, 1, 64, true}}) {
      CAPTURE(k.rows);
      CAPTURE(k.q_heads);
      CAPTURE(k.kv_heads);
      CAPTURE(k.head_dim);
      CAPTURE(k.v_norm);
      const Outputs cpu = run(k, true, "cpu", false);
      check_same("cpu fused vs separate", cpu, run(k, false, "cpu", false), 0.0, 0.0);
      // The caches hold what was stored (a fused op that stored nothing would match separate ops that stored
      // nothing).
      double k_sum = 0, v_sum = 0;
      for (float x : cpu.k_cache) k_sum += std::fabs(x);
      for (float x : cpu.v_cache) v_sum += std::fabs(x);
      CHECK(k_sum > 0);
      CHECK(v_sum > 0);
      for (bool gpu_set : {false, true}) {
        CAPTURE(gpu_set);
        const Outputs vk = run(k, true, "vulkan", gpu_set);
        check_same("vulkan fused vs separate", vk, run(k, false, "vulkan", gpu_set), 1e-6, 1e-6);
        check_same("vulkan vs cpu", vk, cpu, 1e-5, 1e-5);
      }
    }
  }

  TEST_CASE("qkv_norm_rope_store: a v of another shape is refused, naming the node") {
    OneNode op(1);
    TensorId q = op.f32("q", {1, 128}, random_vector(128, 1));
    TensorId w = op.f32("w", {64}, random_vector(64, 2));
    TensorId k = op.f32("k", {1, 64}, random_vector(64, 3));
    TensorId v = op.f32("v", {1, 128}, random_vector(128, 4));
    Graph& g = op.graph;
    TensorId kc = g.add_tensor({"k_cache", {4, 64}, DType::F32, TensorRole::kv_cache, nullptr});
    TensorId vc = g.add_tensor({"v_cache", {4, 64}, DType::F32, TensorRole::kv_cache, nullptr});
    CHECK_THROWS_WITH(op.node("qkv", {q, w, k, w, v, g.positions, kc, vc, g.sequence},
                              QkvNormRopeStoreParams{{1e-6f, RopeParams{64, 10000.0f, 1.0f}}, 1, false}),
                      doctest::Contains("node 'qkv' (qkv_norm_rope_store)"));
  }
}
