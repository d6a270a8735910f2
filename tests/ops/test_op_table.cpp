// The op table itself: one row per op in enum order, each named by its stem, and a node whose parameters are
// another op's is refused.
#include <set>

#include "tests/ops/op_harness.h"

using namespace vkg;
using namespace vkg::op_test;

TEST_SUITE("ops") {
  TEST_CASE("op table: every op has a unique snake_case name, its inputs, and its enum value") {
    std::set<std::string> names;
    for (size_t i = 0; i < kOpCount; ++i) {
      const OpInfo& info = op_info(static_cast<Op>(i));
      CAPTURE(info.name);
      CHECK(info.op == static_cast<Op>(i));
      CHECK(names.insert(info.name).second);
      CHECK_FALSE(info.inputs.empty());
      for (const char* c = info.name; *c; ++c) CHECK(((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'));
    }
    CHECK(std::string(op_name(op_of(OpParams{MatmulParams{}}))) == "matmul");
    CHECK(op_info(Op::matmul).typed_by == 1);
    CHECK(op_info(Op::softcap).typed_by == -1);
  }

  TEST_CASE("op table: a node with the wrong number of inputs is refused, naming the node and the op") {
    OneNode op;
    TensorId x = op.f32("x", {2, 4}, random_vector(8, 1));
    CHECK_THROWS_WITH(op.node("logits", {x}, MatmulParams{}),
                      doctest::Contains("node 'logits' (matmul): has 1 inputs, expected 2"));
  }

  // A quantized tensor's rows must be whole blocks: kernels would otherwise read past them (a 640-wide Q4_K
  // matrix once ended a test process from a CPU worker thread).
  TEST_CASE("graph: a tensor whose rows are not whole blocks of its type is refused, naming it") {
    Graph g(1);
    CHECK_THROWS_WITH(g.add_tensor({"blk.0.ffn_down.weight", {640, 640}, DType::Q4_K, TensorRole::weight, nullptr}),
                      doctest::Contains("tensor 'blk.0.ffn_down.weight' (Q4_K) has rows of 640 values, not whole blocks of 256"));
    CHECK_THROWS_WITH(g.add_tensor({"w", {4, 40}, DType::Q8_0, TensorRole::weight, nullptr}),
                      doctest::Contains("not whole blocks of 32"));
    CHECK_NOTHROW(g.add_tensor({"w", {4, 512}, DType::Q4_K, TensorRole::weight, nullptr}));
    CHECK_NOTHROW(g.add_tensor({"x", {3, 37}, DType::F32, TensorRole::activation, nullptr}));
  }

  TEST_CASE("op table: parameters print as vkgemma graph shows them") {
    CHECK(params_string(RmsNormParams{1e-6f}) == "eps=1e-06");
    CHECK(params_string(AttentionParams{8, 2, 64, 0.125f, 50.0f, 512}) ==
          "heads=8/2 head_dim=64 scale=0.125 softcap=50 window=512");
    CHECK(params_string(MatmulParams{}).empty());
  }
}
