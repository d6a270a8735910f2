// The generation engine (model/engine/) on the tiny random Gemma 3: a chat's later turns evaluate only their
// own tokens and continue exactly as the whole conversation evaluated from scratch; a turn past the context is
// refused without touching the conversation; a prompt's images must match its image slots.
#include <doctest/doctest.h>

#include "../test_paths.h"
#include "model/engine/chat.h"

using namespace vkg;

namespace {

SessionOptions tiny_options(int context) {
  SessionOptions o;
  o.backend = "cpu";
  o.context = context;
  o.exact_matmul = true;
  return o;
}

GenerateParams greedy(int max_tokens) {
  GenerateParams p;
  p.max_tokens = max_tokens;
  return p;  // temperature 0: greedy
}

}  // namespace

TEST_SUITE("generator") {
  TEST_CASE("engine: a chat's second turn reuses the cache and continues as the whole conversation would") {
    auto model = Model::load(test::source_path("assets/tiny/gemma3.gguf"));
    Session session(*model, tiny_options(128));
    Generator gen(session);
    Chat chat(gen, "Be brief.");
    const GenerateResult first = chat.reply("hello there", {}, greedy(6), nullptr);
    CHECK(first.reused_tokens == 0);
    const std::vector<int> before = gen.cached_tokens();
    REQUIRE(!before.empty());
    const GenerateResult second = chat.reply("and then?", {}, greedy(6), nullptr);
    CHECK(second.reused_tokens == static_cast<int>(before.size()));
    CHECK(second.prompt_tokens > second.reused_tokens);

    // The same conversation tokens from an empty cache give the same reply.
    const std::vector<int> conversation(gen.cached_tokens().begin(),
                                        gen.cached_tokens().begin() + second.prompt_tokens);
    Session fresh_session(*model, tiny_options(128));
    Generator fresh(fresh_session);
    const GenerateResult again = fresh.generate(conversation, greedy(6), nullptr);
    CHECK(again.reused_tokens == 0);
    CHECK(again.text == second.text);
    CHECK(again.completion_tokens == second.completion_tokens);
  }

  TEST_CASE("engine: a turn past the context is refused and the conversation stays as it was") {
    auto model = Model::load(test::source_path("assets/tiny/gemma3.gguf"));
    Session session(*model, tiny_options(32));
    Generator gen(session);
    Chat chat(gen, "");
    chat.reply("hi", {}, greedy(2), nullptr);
    const std::vector<int> before = gen.cached_tokens();
    std::string long_text;
    for (int i = 0; i < 40; ++i) long_text += " word";
    const GenerateResult r = chat.reply(long_text, {}, greedy(2), nullptr);
    CHECK(r.finish == FinishReason::context_full);
    CHECK(r.completion_tokens == 0);
    CHECK(gen.cached_tokens() == before);
  }

  TEST_CASE("engine: images that do not match the prompt's image slots are refused") {
    auto model = Model::load(test::source_path("assets/tiny/gemma3.gguf"));
    Session session(*model, tiny_options(64));
    Generator gen(session);
    CHECK_THROWS_WITH(gen.generate(Prompt{{2, 10, 11}, {std::vector<float>(4, 0.0f)}}, greedy(1), nullptr),
                      doctest::Contains("the prompt has 0 image(s), 1 given"));
  }
}
