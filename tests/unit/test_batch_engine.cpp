// BatchEngine (model/engine/batch_engine.h) on the tiny random models: requests that run together, their decode
// steps batched and a long prompt read in chunks between them, each get exactly the greedy tokens they get
// alone on the exact path; a request that extends a finished one's tokens reuses its sequence's cache.
#include <doctest/doctest.h>

#include "../test_paths.h"
#include "model/engine/batch_engine.h"

using namespace vkg;

namespace {

SessionOptions exact_cpu(int sequences) {
  SessionOptions o;
  o.backend = "cpu";
  o.context = 96;
  o.exact_matmul = true;
  o.sequences = sequences;
  return o;
}

GenerateParams greedy(int max_tokens) {
  GenerateParams p;
  p.max_tokens = max_tokens;
  return p;  // temperature 0
}

// Waits for the job's end; its text as streamed must be its result's.
GenerateResult wait(Job& job) {
  std::string streamed;
  JobEvent e;
  for (;;) {
    REQUIRE(job.next(e, std::chrono::seconds(60)));
    if (e.kind == JobEvent::Kind::text) streamed += e.text;
    if (e.kind == JobEvent::Kind::error) FAIL(e.text);
    if (e.kind == JobEvent::Kind::done) break;
  }
  CHECK(streamed == e.result.text);
  return e.result;
}

std::vector<int> tokens(int n, int seed) {
  std::vector<int> t{2};
  for (int i = 1; i < n; ++i) t.push_back(100 + (seed * 37 + i * 11) % 200);
  return t;
}

}  // namespace

TEST_SUITE("generator") {
  TEST_CASE("batch engine: requests run together get the greedy tokens they get alone (exact CPU, every tiny Gemma)") {
    for (const char* name : {"gemma.gguf", "gemma2.gguf", "gemma3.gguf", "gemma4_ple.gguf", "gemma4_moe.gguf"}) {
      CAPTURE(name);
      auto model = Model::load(test::source_path(std::string("assets/tiny/") + name));
      // Prompts of 5, 29 (read in chunks of 8 while the others decode) and 9 tokens.
      const std::vector<std::vector<int>> prompts = {tokens(5, 1), tokens(29, 2), tokens(9, 3)};
      std::vector<GenerateResult> alone;
      {
        Session session(*model, exact_cpu(1));
        Generator gen(session);
        for (const auto& p : prompts) alone.push_back(gen.generate(p, greedy(12), nullptr));
      }
      Session session(*model, exact_cpu(3));
      BatchEngine engine(session, 8, 8);
      std::vector<std::shared_ptr<Job>> jobs;
      for (const auto& p : prompts) jobs.push_back(engine.submit(Prompt{p, {}}, greedy(12)));
      for (size_t i = 0; i < prompts.size(); ++i) {
        CAPTURE(i);
        const GenerateResult r = wait(*jobs[i]);
        CHECK(r.completion_tokens == alone[i].completion_tokens);
        CHECK(r.text == alone[i].text);
        CHECK(r.finish == alone[i].finish);
      }
    }
  }

  TEST_CASE("batch engine: the next turn reuses its sequence's cache; a full queue and a cancelled job") {
    auto model = Model::load(test::source_path("assets/tiny/gemma3.gguf"));
    Session session(*model, exact_cpu(2));
    BatchEngine engine(session, 0, 8);
    const std::vector<int> first = tokens(20, 4);
    const GenerateResult a = wait(*engine.submit(Prompt{first, {}}, greedy(1)));
    CHECK(a.reused_tokens == 0);
    std::vector<int> second = first;
    second.insert(second.end(), {300, 301, 302});
    const GenerateResult b = wait(*engine.submit(Prompt{second, {}}, greedy(4)));
    CHECK(b.reused_tokens == static_cast<int>(first.size()));
    // The same continuation from an empty cache.
    Session fresh(*model, exact_cpu(1));
    Generator gen(fresh);
    const GenerateResult c = gen.generate(second, greedy(4), nullptr);
    CHECK(c.text == b.text);

    // Two sequences and no queue: a third request at once is refused.
    GenerateParams endless = greedy(1000);
    auto j1 = engine.submit(Prompt{tokens(6, 5), {}}, endless);
    auto j2 = engine.submit(Prompt{tokens(6, 6), {}}, endless);
    CHECK_THROWS_AS(engine.submit(Prompt{tokens(6, 7), {}}, endless), EngineBusy);
    j1->cancel();
    j2->cancel();
    CHECK(wait(*j1).finish == FinishReason::cancelled);
    CHECK(wait(*j2).finish == FinishReason::cancelled);
  }
}
