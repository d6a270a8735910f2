// Faults on the Vulkan device (lavapipe in CI), validation layer on: a model beyond the device's memory (a
// capped budget stands in for a small GPU) fails up front with the numbers; a step that fails half-way
// leaves nothing allocated; and the validation hook itself works: a synchronization hazard is reported.
#include <doctest/doctest.h>

#include <cstring>

#include "../test_paths.h"
#include "model/session.h"
#include "runtime/bytes.h"
#include "runtime/vulkan/buffer.h"
#include "runtime/vulkan/context.h"
#include "runtime/vulkan/vulkan_backend.h"

using namespace vkg;

namespace {

BackendOptions validated(uint64_t max_memory = 0) {
  BackendOptions o;
  o.validation = true;
  o.max_memory = max_memory;
  return o;
}

// token ids -> embedding rows: the smallest graph that uploads a weight and allocates activations.
struct EmbedGraph {
  Graph graph;
  StepInputs inputs;
  explicit EmbedGraph(int n_tokens, const std::vector<float>& table) : graph(n_tokens) {
    graph.token_ids = graph.add_tensor({"token_ids", {n_tokens}, DType::I32, TensorRole::input, nullptr});
    graph.positions = graph.add_tensor({"positions", {n_tokens}, DType::I32, TensorRole::input, nullptr});
    const TensorId t = graph.add_tensor({"table", {static_cast<int64_t>(table.size() / 16), 16}, DType::F32,
                                         TensorRole::weight, table.data()});
    graph.logits = graph.add_node("embed", {graph.token_ids, t}, EmbedParams{1.0f});
    graph.mark_output(graph.logits);
    for (int i = 0; i < n_tokens; ++i) inputs.token_ids.push_back(i % 50), inputs.positions.push_back(i);
  }
};

}  // namespace

TEST_SUITE("vulkan_limits") {
  TEST_CASE("a model larger than the device's (capped) memory fails when the session is made") {
    auto model = Model::load(test::source_path("assets/tiny/gemma3.gguf"));
    SessionOptions o;
    o.backend = "vulkan";
    o.validation = true;
    o.context = 32;
    o.max_memory = 64 * 1024;
    std::string err;
    try {
      Session s(*model, o);
    } catch (const std::runtime_error& e) {
      err = e.what();
    }
    INFO(err);
    CHECK(err.find("model needs ") == 0);
    CHECK(err.find("backend vulkan (") != std::string::npos);
    CHECK(err.find("has 64.0 KiB available (capped by --max-memory)") != std::string::npos);
  }

  TEST_CASE("a step beyond the budget fails before allocating, naming the sizes") {
    const std::vector<float> table(50 * 16, 0.5f);
    EmbedGraph op(8, table);
    auto gpu = make_backend("vulkan", validated(1024));
    CHECK_THROWS_WITH_AS(gpu->run(op.graph, op.inputs),
                         doctest::Contains("(weights 3.1 KiB + KV cache 0 bytes + activations 576 bytes) but device '"),
                         std::runtime_error);
    CHECK(gpu->allocated_bytes() == 0);
  }

  TEST_CASE("a step that fails half-way frees what it allocated; the backend still works") {
    const std::vector<float> table(50 * 16, 0.25f);
    auto gpu = make_backend("vulkan", validated());
    const uint64_t before = gpu->allocated_bytes();
    // So many tokens that the embedding output ([n, 16] floats) exceeds one storage-buffer binding: the token
    // id and position buffers are allocated first, then preparing the step fails on the output.
    const int n = static_cast<int>(gpu->max_tensor_bytes() / 64 + 2);
    EmbedGraph big(n, table);
    CHECK_THROWS_WITH_AS(gpu->run(big.graph, big.inputs), doctest::Contains("exceeds the device's storage buffer range"),
                         std::runtime_error);
    CHECK(gpu->allocated_bytes() == before);
    EmbedGraph small(3, table);
    gpu->run(small.graph, small.inputs);
    CHECK(gpu->read(small.graph, small.graph.logits) == std::vector<float>(3 * 16, 0.25f));
  }

  TEST_CASE("every allocation is checked against the cap before the driver is asked") {
    vk::ContextOptions co;
    co.validation = true;
    co.max_memory = 1 << 20;
    vk::Context ctx(co);
    vk::Buffer a(ctx, 600 * 1024, "a", false);
    CHECK(ctx.allocated_bytes() >= 600 * 1024);
    CHECK_THROWS_WITH_AS(vk::Buffer(ctx, 600 * 1024, "b", false),
                         doctest::Contains("cannot allocate 600.0 KiB for buffer 'b'"), std::runtime_error);
    CHECK(ctx.allocation_count() == 1);
  }

  TEST_CASE("the validation hook works: a write-after-write hazard without a barrier is reported") {
    vk::ContextOptions co;
    co.validation = true;
    vk::Context ctx(co);
    vk::Buffer buf(ctx, 4096, "hazard", false);
    VkCommandPoolCreateInfo pi{};
    pi.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
    pi.queueFamilyIndex = ctx.queue_family();
    VkCommandPool pool;
    REQUIRE(vkCreateCommandPool(ctx.device(), &pi, nullptr, &pool) == VK_SUCCESS);
    VkCommandBufferAllocateInfo ai{};
    ai.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
    ai.commandPool = pool;
    ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    ai.commandBufferCount = 1;
    VkCommandBuffer cmd;
    REQUIRE(vkAllocateCommandBuffers(ctx.device(), &ai, &cmd) == VK_SUCCESS);
    VkCommandBufferBeginInfo bi{};
    bi.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
    vkBeginCommandBuffer(cmd, &bi);
    CHECK(ctx.take_validation_errors().empty());
    // Two writes of the same bytes with no barrier between them: synchronization validation's WAW hazard.
    vkCmdFillBuffer(cmd, buf.handle(), 0, 4096, 1);
    vkCmdFillBuffer(cmd, buf.handle(), 0, 4096, 2);
    vkEndCommandBuffer(cmd);
    const std::vector<std::string> errors = ctx.take_validation_errors();
    REQUIRE(errors.size() >= 1);
    CHECK(errors[0].find("SYNC-HAZARD-WRITE-AFTER-WRITE") != std::string::npos);
    vkDestroyCommandPool(ctx.device(), pool, nullptr);
  }
}
