// Gemma's turn template and multi-turn use of the KV cache, on the real model (CPU).
#include <doctest/doctest.h>

#include "model/chat_template.h"
#include "model/sampler.h"
#include "model/session.h"
#include "shared_model.h"

using namespace vkg;

TEST_SUITE("model_chat") {
  TEST_CASE("the turn template tokenizes to Gemma's known ids; a system prompt folds into the first turn") {
    const Tokenizer& tok = test::default_model().tokenizer();
    CHECK(tok.encode(gemma_user_turn("Test", "", true), true) ==
          std::vector<int>{2, 105, 2364, 107, 3694, 106, 107, 105, 4368, 107});
    CHECK(gemma_user_turn(" Hi \n", "Be brief.", true) ==
          "<start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\n");
    CHECK(gemma_user_turn("Again", "Be brief.", false) ==
          "<end_of_turn>\n<start_of_turn>user\nAgain<end_of_turn>\n<start_of_turn>model\n");
  }

  TEST_CASE("a second turn on the kept KV cache equals processing the whole conversation at once") {
    const Model& model = test::default_model();
    const Tokenizer& tok = model.tokenizer();
    // Exact (fp32) matmuls: this checks the cache and batching logic, whose only effect then is fp32 order;
    // 8-bit activations would add rounding flips of their own.
    SessionOptions exact;
    exact.exact_matmul = true;
    Session chat(model, exact);
    // Turn 1 and an 8-token greedy reply, then turn 2 appended to the same cache.
    std::vector<int> history = tok.encode(gemma_user_turn("Name a fruit.", "", true), true);
    int next = chat.eval_greedy(history);
    for (int i = 0; i < 8; ++i) {
      history.push_back(next);
      next = chat.eval_greedy({next});
    }
    const std::vector<int> turn2 = tok.encode(gemma_user_turn("Another one.", "", false), false);
    const int before = chat.position();
    const std::vector<float> kept = chat.eval(turn2);
    CHECK(chat.position() == before + static_cast<int>(turn2.size()));  // only the new turn was processed
    history.insert(history.end(), turn2.begin(), turn2.end());
    Session fresh(model, exact);
    const std::vector<float> whole = fresh.eval(history);
    float max_diff = 0;
    for (size_t i = 0; i < kept.size(); ++i) max_diff = std::max(max_diff, std::abs(kept[i] - whole[i]));
    CHECK(max_diff < 1e-3f);  // same math, different batching (fp32 order only; see test_reference_logits)
    CHECK(Sampler::argmax(kept.data(), kept.size()) == Sampler::argmax(whole.data(), whole.size()));
  }
}
