// Several sequences on the Vulkan device (validation layer on): requests run together through BatchEngine,
// their decode steps batched and the caches growing by pages of 8 while three sequences' rings interleave in
// them, get exactly the greedy tokens each gets alone on the device.
#include <doctest/doctest.h>

#include "../test_paths.h"
#include "model/engine/batch_engine.h"

using namespace vkg;

namespace {

SessionOptions vulkan_sequences(int sequences) {
  SessionOptions o;
  o.backend = "vulkan";
  o.context = 64;
  o.validation = true;
  o.exact_matmul = true;
  o.kv_page = 8;
  o.sequences = sequences;
  return o;
}

std::vector<int> tokens(int n, int seed) {
  std::vector<int> t{2};
  for (int i = 1; i < n; ++i) t.push_back(100 + (seed * 37 + i * 11) % 200);
  return t;
}

}  // namespace

TEST_SUITE("vulkan_tiny") {
  TEST_CASE("batched decode steps of 3 sequences on Vulkan give each request its greedy tokens alone") {
    for (const char* name : {"gemma2.gguf", "gemma3.gguf", "gemma4_ple.gguf"}) {
      CAPTURE(name);
      auto model = Model::load(test::source_path(std::string("assets/tiny/") + name));
      const std::vector<std::vector<int>> prompts = {tokens(5, 1), tokens(21, 2), tokens(9, 3)};
      GenerateParams greedy;
      greedy.max_tokens = 20;
      std::vector<GenerateResult> alone;
      {
        Session session(*model, vulkan_sequences(1));
        Generator gen(session);
        for (const auto& p : prompts) alone.push_back(gen.generate(p, greedy, nullptr));
      }
      Session session(*model, vulkan_sequences(3));
      BatchEngine engine(session, 8, 8);
      std::vector<std::shared_ptr<Job>> jobs;
      for (const auto& p : prompts) jobs.push_back(engine.submit(Prompt{p, {}}, greedy));
      for (size_t i = 0; i < jobs.size(); ++i) {
        CAPTURE(i);
        JobEvent e;
        do REQUIRE(jobs[i]->next(e, std::chrono::seconds(120)));
        while (e.kind != JobEvent::Kind::done && e.kind != JobEvent::Kind::error);
        REQUIRE(e.kind == JobEvent::Kind::done);
        CHECK(e.result.completion_tokens == alone[i].completion_tokens);
        CHECK(e.result.text == alone[i].text);
      }
    }
  }
}
