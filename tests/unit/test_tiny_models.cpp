// Tiny random Gemma 1, 2 and 3 models (tools/make_tiny_models.py: transformers' own GemmaForCausalLM,
// Gemma2ForCausalLM and Gemma3ForCausalLM, written as GGUF) against transformers' logits on the same
// weights: MQA and GQA, head_dim*heads != hidden, Gemma 2's soft-capping and alternating sliding window,
// Gemma 3's QK-norm, 5:1 layers and two RoPE bases, a 24-token prompt past the window of 8.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "../test_paths.h"
#include "model/sampler.h"
#include "model/session.h"
#include "tiny_reference.h"

using namespace vkg;

TEST_SUITE("tiny_models") {
  TEST_CASE("every generation's logits and greedy tokens match transformers (CPU, batched and one by one)") {
    for (const std::string gen : {"gemma", "gemma2", "gemma3"}) {
      CAPTURE(gen);
      const test::TinyReference ref = test::load_tiny_reference(gen);
      auto model = Model::load(test::source_path("assets/tiny/" + gen + ".gguf"));
      CHECK(generation_name(model->config().generation) == gen);
      for (int batch : {64, 1}) {
        SessionOptions o;
        o.context = 64;
        o.max_batch = batch;
        Session s(*model, o);
        const std::vector<float> logits = s.eval(ref.tokens, true);
        REQUIRE(logits.size() == ref.logits.size());
        float max_diff = 0;
        for (size_t i = 0; i < logits.size(); ++i) max_diff = std::max(max_diff, std::abs(logits[i] - ref.logits[i]));
        MESSAGE(gen << " batch " << batch << ": max |logit diff| vs transformers " << max_diff);
        // fp32 on both sides, logits up to ~27: measured <= 1e-4 (summation order); 1e-3 = 10x margin.
        CHECK(max_diff < 1e-3f);
        // The reference continuation: the argmax after the prompt, then one greedy step per token.
        std::vector<int> greedy = {Sampler::argmax(logits.data() + logits.size() - ref.vocab, ref.vocab)};
        while (greedy.size() < ref.greedy.size()) greedy.push_back(s.eval_greedy({greedy.back()}));
        CHECK(greedy == ref.greedy);
      }
    }
  }
}
