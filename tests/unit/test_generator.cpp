// The generation loop's pieces that need no model: stop strings while streaming, the chat template
// (Gemma 3's own Jinja template, as transformers renders it: system folded into the first user turn,
// contents trimmed, assistant -> model, alternating roles enforced), and the sampler.
#include <doctest/doctest.h>

#include <cmath>
#include <numeric>
#include <random>
#include <set>

#include "model/chat_template.h"
#include "model/engine/generator.h"
#include "model/sampler.h"
#include "runtime/cpu/kernels.h"

using namespace vkg;

TEST_SUITE("generator") {
  TEST_CASE("stop strings: text before the stop is emitted, a possible start is held back") {
    StopStringFilter f({"###", "\nUser:"});
    CHECK(f.push("Hello") == "Hello");
    CHECK(f.push(" #") == " ");  // "#" may start "###"
    CHECK(f.push("#") == "");    // "##" still may
    CHECK(f.push("!") == "##!");  // it did not
    CHECK(f.push("\nUs") == "");
    CHECK(f.push("er: hi") == "");
    CHECK(f.found());
    CHECK(f.push("more") == "");
    CHECK(f.flush() == "");
  }

  TEST_CASE("stop strings: a stop inside one piece cuts it; flush returns the held tail") {
    StopStringFilter a({"END"});
    CHECK(a.push("abcENDdef") == "abc");
    CHECK(a.found());
    StopStringFilter b({"END"});
    CHECK(b.push("xyzEN") == "xyz");
    CHECK(b.flush() == "EN");
    CHECK_FALSE(b.found());
    StopStringFilter none({});
    CHECK(none.push("anything") == "anything");
    StopStringFilter empty({""});  // an empty stop string matches nothing
    CHECK(empty.push("text") == "text");
    CHECK_FALSE(empty.found());
  }

  TEST_CASE("stop strings: the earliest of several stops wins") {
    StopStringFilter f({"cd", "b"});
    CHECK(f.push("abcd") == "a");
  }

  TEST_CASE("chat prompt: Gemma 3's template") {
    CHECK(gemma_chat_prompt({{"user", "Hi"}}) == "<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n");
    CHECK(gemma_chat_prompt({{"system", "Be brief."}, {"user", "  Hi\n"}, {"assistant", " Hello! "}, {"user", "Bye"}}) ==
          "<start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n"
          "<start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n");
    CHECK(gemma_chat_prompt({{"user", "a"}, {"model", "b"}, {"user", "c"}}) ==
          gemma_chat_prompt({{"user", "a"}, {"assistant", "b"}, {"user", "c"}}));
  }

  TEST_CASE("chat prompt: bad conversations are errors naming the message") {
    CHECK_THROWS_WITH_AS(gemma_chat_prompt({}), doctest::Contains("no user message"), std::runtime_error);
    CHECK_THROWS_WITH_AS(gemma_chat_prompt({{"system", "x"}}), doctest::Contains("no user message"), std::runtime_error);
    CHECK_THROWS_WITH_AS(gemma_chat_prompt({{"assistant", "x"}}), doctest::Contains("message 0"), std::runtime_error);
    CHECK_THROWS_WITH_AS(gemma_chat_prompt({{"user", "a"}, {"user", "b"}}), doctest::Contains("alternate"),
                         std::runtime_error);
    CHECK_THROWS_WITH_AS(gemma_chat_prompt({{"user", "a"}, {"tool", "b"}}), doctest::Contains("unknown role 'tool'"),
                         std::runtime_error);
    CHECK_THROWS_WITH_AS(gemma_chat_prompt({{"user", "a"}, {"system", "b"}}), doctest::Contains("unknown role"),
                         std::runtime_error);
  }

  TEST_CASE("sampler: drawing from the top_k op's candidates equals drawing from the whole logits") {
    // What lets a sampled step read back 2k values instead of the logits row: for the same seed, the
    // candidates (from the CPU kernel of the top_k op) give the same tokens as the full row, also with ties.
    std::mt19937 rng(5);
    std::normal_distribution<float> normal(0.0f, 3.0f);
    std::vector<float> logits(5000);
    for (float& v : logits) v = std::round(normal(rng) * 4.0f) / 4.0f;  // coarse: many ties
    for (SamplerParams p : {SamplerParams{0.8f, 40, 1.0f, 1}, SamplerParams{1.0f, 256, 0.9f, 2},
                            SamplerParams{1.5f, 3, 0.5f, 3}, SamplerParams{0.0f, 40, 1.0f, 4}}) {
      CAPTURE(p.top_k);
      std::vector<float> top(size_t(2 * p.top_k));
      cpu::top_k(logits.data(), 1, int64_t(logits.size()), p.top_k, top.data());
      std::vector<int> ids;
      for (int j = 0; j < p.top_k; ++j) ids.push_back(static_cast<int>(top[size_t(p.top_k + j)]));
      const std::vector<float> values(top.begin(), top.begin() + p.top_k);
      Sampler whole(p), candidates(p);
      std::vector<int> a, b;
      for (int i = 0; i < 50; ++i) {
        a.push_back(whole.sample(logits));
        b.push_back(candidates.sample_sorted(ids, values));
      }
      CHECK(a == b);
      if (p.temperature > 0 && p.top_k > 3) CHECK(std::set<int>(a.begin(), a.end()).size() > 1);  // really drawn
    }
  }

  TEST_CASE("sampler: the repetition penalty lowers seen tokens; min-p drops the unlikely ones") {
    SamplerParams greedy_penalized{0.0f, 0, 1.0f, 1};
    greedy_penalized.repeat_penalty = 2.0f;
    Sampler s(greedy_penalized);
    CHECK_FALSE(s.greedy());  // the penalty needs the logits
    CHECK(s.sample({2.0f, 1.9f, -1.0f}) == 0);
    s.accept(0);
    CHECK(s.sample({2.0f, 1.9f, -1.0f}) == 1);  // 2 / 2 = 1 < 1.9
    s.accept(1);
    CHECK(s.sample({2.0f, 1.9f, -1.0f}) == 0);  // both seen: 1.0 vs 0.95
    // A negative logit is multiplied: seen token 2 at -1 becomes -2, below an unseen -1.5.
    s.accept(2);
    CHECK(s.sample({-1.0f, -1.2f, -1.0f, -1.5f}) == 3);
    // repeat_last_n: only the last n tokens count.
    SamplerParams window = greedy_penalized;
    window.repeat_last_n = 1;
    Sampler w(window);
    w.accept(0);
    w.accept(1);
    CHECK(w.sample({2.0f, 1.9f}) == 0);  // token 0 left the window
    // min-p 0.5 at temperature 1: token 2 (p ~ e^-1 / e^0 of the best) is below half the best and never drawn.
    SamplerParams mp{1.0f, 0, 1.0f, 7};
    mp.min_p = 0.5f;
    Sampler m(mp);
    std::set<int> drawn;
    for (int i = 0; i < 200; ++i) drawn.insert(m.sample({1.0f, 0.9f, 0.0f}));
    CHECK(drawn == std::set<int>{0, 1});
    CHECK_THROWS_WITH_AS(Sampler(SamplerParams{1.0f, 0, 1.0f, 0, 1.5f}), doctest::Contains("min-p must be in [0, 1]"),
                         std::runtime_error);
  }

  TEST_CASE("sampler: with a penalty, top_k plus the penalized candidates draw what the whole row draws") {
    // Penalties only lower logits, so the top_k after them is among the top (top_k + penalized) before: the
    // device's top-k op returns that many (Session::eval_sample) and the draw equals the whole row's.
    std::mt19937 rng(9);
    std::normal_distribution<float> normal(0.0f, 2.0f);
    std::vector<float> logits(3000);
    for (float& v : logits) v = normal(rng);
    std::vector<int> order(logits.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return logits[size_t(a)] > logits[size_t(b)]; });
    SamplerParams p{0.9f, 20, 0.95f, 11};
    p.repeat_penalty = 1.8f;
    p.min_p = 0.02f;
    Sampler whole(p), candidates(p);
    for (int i = 0; i < 12; ++i) {  // penalize most of the best: the true top 20 reaches past the raw top 20
      whole.accept(order[size_t(i)]);
      candidates.accept(order[size_t(i)]);
    }
    const int k = candidates.candidates_needed();
    CHECK(k == 32);
    std::vector<float> top(size_t(2 * k));
    cpu::top_k(logits.data(), 1, int64_t(logits.size()), k, top.data());
    std::vector<int> ids;
    for (int j = 0; j < k; ++j) ids.push_back(static_cast<int>(top[size_t(k + j)]));
    const std::vector<float> values(top.begin(), top.begin() + k);
    std::vector<int> a, b;
    for (int i = 0; i < 60; ++i) {
      a.push_back(whole.sample(logits));
      b.push_back(candidates.sample_sorted(ids, values));
    }
    CHECK(a == b);
    CHECK(std::set<int>(a.begin(), a.end()).size() > 1);
  }

  TEST_CASE("sampler: NaN or infinite logits are errors, not a silent token") {
    Sampler s(SamplerParams{1.0f, 0, 1.0f, 1});
    CHECK_THROWS_WITH_AS(s.sample({1.0f, std::nanf(""), 2.0f}), doctest::Contains("logit 1 is NaN"), std::runtime_error);
    CHECK_THROWS_WITH_AS(s.sample_sorted({7, 3}, {INFINITY, 1.0f}), doctest::Contains("token 7) is infinite"),
                         std::runtime_error);
    CHECK_THROWS_WITH_AS(s.sample_sorted({7, 3}, {1.0f}), doctest::Contains("2 candidate ids for 1 logits"),
                         std::runtime_error);
  }
}
