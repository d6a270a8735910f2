// Resource limits on the CPU backend: a model or a context too large for the memory the backend may use
// fails when the session is made, with the numbers and a suggestion that works; a step beyond the cap
// fails before anything is allocated. The cap (SessionOptions / BackendOptions::max_memory, the CLI's
// --max-memory) stands in for a small machine, so the tiny models can play models too large for it.
#include <doctest/doctest.h>

#include <stdexcept>

#include "../test_paths.h"
#include "model/session.h"
#include "runtime/bytes.h"
#include "runtime/cpu/matmul_fast.h"

using namespace vkg;

namespace {

std::string session_error(const Model& m, const SessionOptions& o) {
  try {
    Session s(m, o);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

SessionOptions cpu_options(int context, uint64_t max_memory) {
  SessionOptions o;
  o.backend = "cpu";
  o.context = context;
  o.max_batch = 4;
  o.max_memory = max_memory;
  return o;
}

}  // namespace

TEST_SUITE("memory_limits") {
  TEST_CASE("sizes are written and read as people do") {
    CHECK(format_bytes(512) == "512 bytes");
    CHECK(format_bytes(3 * 1024) == "3.0 KiB");
    CHECK(format_bytes(12 * 1024 * 1024 + 100 * 1024) == "12.1 MiB");
    CHECK(format_bytes(uint64_t(19) << 29) == "9.50 GiB");
    CHECK(parse_bytes("4096") == 4096);
    CHECK(parse_bytes("512M") == 512ull << 20);
    CHECK(parse_bytes("2G") == 2ull << 30);
    CHECK(parse_bytes("1.5GiB") == 3ull << 29);
    CHECK(parse_bytes("64kb") == 64ull << 10);
    CHECK_THROWS_WITH_AS(parse_bytes("lots"), "'lots' is not a memory size (examples: 512M, 2G, 1.5GiB, 4096)",
                         std::runtime_error);
    CHECK_THROWS_AS(parse_bytes("12X"), std::runtime_error);
    CHECK_THROWS_AS(parse_bytes("-1G"), std::runtime_error);
  }

  TEST_CASE("a model larger than the memory cap fails up front with needed and available") {
    auto model = Model::load(test::source_path("assets/tiny/gemma3.gguf"));
    const std::string err = session_error(*model, cpu_options(32, 64 * 1024));
    INFO(err);
    CHECK(err.find("model needs ") == 0);
    CHECK(err.find("weights " + format_bytes(static_cast<uint64_t>(model->weight_bytes()))) != std::string::npos);
    CHECK(err.find("backend cpu has 64.0 KiB available (capped by --max-memory)") != std::string::npos);
    // The weights alone exceed the cap and they are F32/F16 only where small: nothing to suggest but more memory.
    CHECK(err.find("use a device with more memory") != std::string::npos);
  }

  TEST_CASE("a context too long for the memory: the suggested --ctx fits and runs") {
    auto model = Model::load(test::source_path("assets/tiny/gemma3.gguf"));
    const int full = model->config().context_length;  // 128
    Session uncapped(*model, cpu_options(full, 0));
    const MemoryNeed need = uncapped.memory_needed();
    MESSAGE("tiny gemma3, context " << full << ": weights " << need.weights << " + KV " << need.kv_cache
                                    << " + activations " << need.activations << " bytes");
    // Room for everything at a context of 32 (sliding-window layers keep a fixed ring, so the cache does not
    // shrink in proportion).
    const uint64_t cap = Session(*model, cpu_options(32, 0)).memory_needed().total() + 1024;
    REQUIRE(cap < need.total());
    const std::string err = session_error(*model, cpu_options(full, cap));
    INFO(err);
    CHECK(err.find(" for 128 tokens + activations ") != std::string::npos);
    const size_t at = err.find(": try --ctx ");
    REQUIRE(at != std::string::npos);
    const int ctx = std::stoi(err.substr(at + 12));
    CHECK(ctx < full);
    CHECK(ctx >= 32);
    Session capped(*model, cpu_options(ctx, cap));
    const std::vector<int> prompt = {2, 10, 20, 30, 40, 50};
    CHECK(capped.eval(prompt) == uncapped.eval(prompt));
    CHECK(capped.backend().allocated_bytes() <= cap);
  }

  TEST_CASE("float weights: a quantized model is suggested when it would fit, and it does") {
    auto f32 = Model::load(test::source_path("assets/tiny/gemma3-hf"));
    LoadOptions q4;
    q4.quant = DType::Q4_0;
    auto quantized = Model::load(test::source_path("assets/tiny/gemma3-hf"), q4);
    Session probe(*quantized, cpu_options(32, 0));
    const uint64_t cap = probe.memory_needed().total() + 1024;
    REQUIRE(cap < static_cast<uint64_t>(f32->weight_bytes()));
    const std::string err = session_error(*f32, cpu_options(32, cap));
    INFO(err);
    CHECK(err.find("try a quantized model (--quant q4_0)") != std::string::npos);
    Session s(*quantized, cpu_options(32, cap));
    CHECK(s.eval({2, 3, 4}).size() == static_cast<size_t>(quantized->config().vocab_size));
  }

  TEST_CASE("the CPU backend refuses a step beyond its cap before allocating") {
    auto model = Model::load(test::source_path("assets/tiny/gemma3.gguf"));
    Session s(*model, cpu_options(32, 0));
    const Graph& g = s.graph(4, false);
    BackendOptions bo;
    bo.max_memory = 4096;
    auto cpu = make_backend("cpu", bo);
    StepInputs in;
    in.token_ids = {2, 3, 4, 5};
    in.positions = {0, 1, 2, 3};
    CHECK_THROWS_WITH_AS(cpu->run(g, in), doctest::Contains("more than the 4.0 KiB memory cap"), std::runtime_error);
    CHECK(cpu->allocated_bytes() == 0);
    CHECK_THROWS_AS(cpu->read(g, g.logits), std::runtime_error);  // nothing half-run to read
  }

  TEST_CASE("the CPU backend's cap counts the weights a step packs, each once") {
    // One Q5_0 weight (16 rows of 64: 704 bytes, packed by 8 rows where the CPU has the kernels) used by two
    // matmul nodes: the step needs 2 x 16 floats of outputs plus the packed copy once.
    const int64_t rows = 16, K = 64;
    const std::vector<uint8_t> w(static_cast<size_t>(row_bytes(DType::Q5_0, K) * rows), 0);
    const std::vector<float> x(K, 1.0f);
    Graph g(1);
    const TensorId xt = g.add_tensor({"x", {1, K}, DType::F32, TensorRole::weight, x.data()});
    const TensorId wt = g.add_tensor({"w", {rows, K}, DType::Q5_0, TensorRole::weight, w.data()});
    g.add_node("a", {xt, wt}, MatmulParams{});
    g.add_node("b", {xt, wt}, MatmulParams{});
    const uint64_t outputs = 2 * rows * 4, packed = static_cast<uint64_t>(w.size());
    const bool packs = cpu::fast_matmul_packs(DType::Q5_0);
    INFO("packs Q5_0: " << packs);
    BackendOptions bo;
    bo.max_memory = outputs + packed + 32;  // enough for one packed copy
    CHECK_NOTHROW(make_backend("cpu", bo)->run(g, StepInputs{}));
    bo.max_memory = outputs + 32;  // enough without packing only
    if (packs)
      CHECK_THROWS_WITH_AS(make_backend("cpu", bo)->run(g, StepInputs{}), doctest::Contains("of packed weights"),
                           std::runtime_error);
    else
      CHECK_NOTHROW(make_backend("cpu", bo)->run(g, StepInputs{}));
  }
}
