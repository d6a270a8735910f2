// The real default model on the Vulkan device (validation layer on) against the CPU backend and against
// transformers' reference: per-position logits, greedy tokens, perplexity.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "../model/reference_file.h"
#include "../model/shared_model.h"
#include "model/perplexity.h"
#include "model/sampler.h"
#include "model/session.h"

using namespace vkg;

namespace {

// exact: fp32 activations in every product, the parity tests' premise (the default quantizes a prompt's
// input to Q4_0/Q5_0/Q4_K/Q6_K products to 8 bits on CPU-type devices, as the CPU fast path: the last test here).
SessionOptions vulkan_options(int context, int max_batch, bool exact = true) {
  SessionOptions o;
  o.backend = "vulkan";
  o.context = context;
  o.max_batch = max_batch;
  o.validation = true;
  o.exact_matmul = exact;
  return o;
}

// Same fp32 math as the CPU backend with different summation orders (shared-memory tree reductions in
// the shaders): the op tests bound each op to ~1e-5 relative. Measured through 18 layers: max 4.6e-5 vs
// the CPU over all 16.8M logits, 2.3e-5 vs transformers' top-20. 1e-3 leaves 20x headroom for other
// drivers while any wrong op moves logits by 0.1 or more.
constexpr float kBackendTolerance = 1e-3f;
// The default path against transformers: the bound of the CPU fast path, which quantizes the same way
// (test_reference_logits.cpp kFastLogitTolerance, with its reasoning: 8-bit activations move logits by up to
// ~0.6; a wiring error by several units).
constexpr float kFastLogitTolerance = 1.5f;

}  // namespace

TEST_SUITE("vulkan_model") {
  TEST_CASE("per-position logits of a 64-token prompt: Vulkan equals CPU and transformers") {
    const Model& model = test::default_model();
    const auto& ref = test::default_reference();
    // The first 64 of the reference's 92 positions: lavapipe computes every position's 262144 logits slowly.
    const std::vector<int> prompt(ref.prompt_tokens.begin(), ref.prompt_tokens.begin() + 64);
    // exact_matmul: the fp32 CPU path, the same math as the shaders (the fast path quantizes activations).
    Session cpu(model, [] { SessionOptions o; o.context = 256; o.max_batch = 128; o.exact_matmul = true; return o; }());
    Session gpu(model, vulkan_options(256, 128));
    const std::vector<float> lc = cpu.eval(prompt, true);
    const std::vector<float> lg = gpu.eval(prompt, true);
    REQUIRE(lc.size() == lg.size());
    float max_cpu = 0, max_ref = 0;
    const size_t V = static_cast<size_t>(model.config().vocab_size);
    for (size_t i = 0; i < lc.size(); ++i) max_cpu = std::max(max_cpu, std::abs(lc[i] - lg[i]));
    for (size_t p = 0; p < prompt.size(); ++p) {
      const auto& rp = ref.positions[p];
      CHECK(Sampler::argmax(lg.data() + p * V, V) == rp.argmax);
      for (const auto& [id, value] : rp.top) max_ref = std::max(max_ref, std::abs(lg[p * V + id] - value));
    }
    MESSAGE("max |logit diff| Vulkan vs CPU (all " << lc.size() << " logits): " << max_cpu
                                                     << "; vs transformers (top-20): " << max_ref);
    CHECK(max_cpu < kBackendTolerance);
    CHECK(max_ref < kBackendTolerance);
  }

  // The default path: on CPU-type devices a prompt's Q4_0/Q5_0/Q4_K/Q6_K products take 8-bit activations.
  TEST_CASE("the default path (8-bit activations in prompts on CPU devices) stays near transformers") {
    const Model& model = test::default_model();
    const auto& ref = test::default_reference();
    const std::vector<int> prompt(ref.prompt_tokens.begin(), ref.prompt_tokens.begin() + 64);
    Session gpu(model, vulkan_options(256, 128, /*exact=*/false));
    const std::vector<float> lg = gpu.eval(prompt, true);
    const size_t V = static_cast<size_t>(model.config().vocab_size);
    float max_ref = 0;
    int argmax_same = 0;
    for (size_t p = 0; p < prompt.size(); ++p) {
      const auto& rp = ref.positions[p];
      const int ours = Sampler::argmax(lg.data() + p * V, V);
      argmax_same += ours == rp.argmax;
      // A different argmax only where transformers' top two are closer than the tolerance.
      const bool near_tie = rp.top.size() > 1 && rp.top[0].second - rp.top[1].second < kFastLogitTolerance;
      CHECK_MESSAGE((ours == rp.argmax || near_tie), "position " << p << ": argmax " << ours << " vs " << rp.argmax);
      for (const auto& [id, value] : rp.top) max_ref = std::max(max_ref, std::abs(lg[p * V + id] - value));
    }
    MESSAGE("default path: max |logit diff| vs transformers (top-20): " << max_ref << "; same argmax at "
                                                                        << argmax_same << " of 64 positions");
    CHECK(max_ref < kFastLogitTolerance);
  }

  TEST_CASE("greedy 32 tokens on Vulkan (argmax on the device) equal the CPU's and transformers'") {
    const Model& model = test::default_model();
    const auto& ref = test::default_reference();
    Session gpu(model, vulkan_options(256, 64));
    std::vector<int> ours = {gpu.eval_greedy(ref.greedy_prompt_tokens)};
    while (ours.size() < ref.greedy_tokens.size()) ours.push_back(gpu.eval_greedy({ours.back()}));
    CHECK(ours == ref.greedy_tokens);
  }

  TEST_CASE("sampling on Vulkan: the device's top-k candidates draw what the whole logits row draws") {
    const Model& model = test::default_model();
    const std::vector<int> prompt = model.tokenizer().encode("Once upon a time", true);
    Session full(model, vulkan_options(64, 8)), top(model, vulkan_options(64, 8));
    // The candidates themselves: the largest 64 logits of the row, in order, ids and values exact.
    const std::vector<float> logits = full.eval(prompt);
    const Session::TopLogits t = top.eval_top_k(prompt, 64);
    std::vector<int> order(logits.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
    std::partial_sort(order.begin(), order.begin() + 64, order.end(),
                      [&](int a, int b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); });
    order.resize(64);
    CHECK(t.ids == order);
    for (size_t j = 0; j < 64; ++j) CHECK(t.logits[j] == logits[size_t(order[j])]);
    // Then a sampled continuation, step by step.
    const SamplerParams p{1.0f, 40, 0.95f, 77};
    Sampler sf(p), st(p);
    std::vector<int> a = {sf.sample(logits)}, b = {st.sample_sorted(t.ids, t.logits)};
    while (a.size() < 8) {
      a.push_back(sf.sample(full.eval({a.back()})));
      b.push_back(top.eval_sample({b.back()}, st));
    }
    CHECK(a == b);
  }

  TEST_CASE("perplexity on Vulkan equals the CPU's to 3 significant digits") {
    const Model& model = test::default_model();
    std::ifstream in(test::source_path("assets/text/gpl-3.0.txt"), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    if (!s.empty() && s.back() == '\n') s.pop_back();
    const std::vector<int> tokens = model.tokenizer().encode(s, true);
    // Short chunks keep lavapipe's share of CI small; the CPU side is checked against transformers on 4
    // chunks of 256 in model_generation, so equality here carries that check over to Vulkan.
    const int n_ctx = 32, chunks = 2;
    Session cpu(model, [&] {
      SessionOptions o;
      o.context = n_ctx;
      o.max_batch = n_ctx;
      o.exact_matmul = true;  // fp32, as the shaders
      return o;
    }());
    Session gpu(model, vulkan_options(n_ctx, n_ctx));
    const double p_cpu = perplexity(cpu, tokens, n_ctx, chunks).ppl;
    const double p_gpu = perplexity(gpu, tokens, n_ctx, chunks).ppl;
    MESSAGE("PPL cpu " << p_cpu << ", vulkan " << p_gpu);
    CHECK(std::abs(p_cpu - p_gpu) / p_cpu < 5e-4);  // equal to 3 significant digits (rounding aside)
  }
}

#include "../unit/tiny_reference.h"

TEST_SUITE("vulkan_tiny") {
  TEST_CASE("tiny Gemma 1, 2 and 3: Vulkan logits and greedy tokens match transformers") {
    for (const std::string gen : {"gemma", "gemma2", "gemma3"}) {
      CAPTURE(gen);
      const test::TinyReference ref = test::load_tiny_reference(gen);
      auto model = Model::load(test::source_path("assets/tiny/" + gen + ".gguf"));
      // Whole caches from the start, and caches grown by pages of 8 (each growth re-records the steps and
      // copies the rows held so far into the larger buffers).
      for (auto [batch, page] : {std::pair{64, 256}, std::pair{5, 8}}) {
        CAPTURE(batch);
        CAPTURE(page);
        SessionOptions o = vulkan_options(64, batch);
        o.kv_page = page;
        Session s(*model, o);
        std::vector<int> greedy;
        const float max_diff = test::logits_and_greedy(s, ref, &greedy);
        MESSAGE(gen << ": max |logit diff| Vulkan vs transformers " << max_diff);
        CHECK(max_diff < kBackendTolerance);
        CHECK(greedy == ref.greedy);
      }
    }
  }
}
