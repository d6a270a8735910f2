// The tiny Gemma 4 models (tools/make_tiny_gemma4.py) on the Vulkan device, validation layer on: logits and
// 24 greedy tokens against transformers', prompt batched and decode step by step (the experts' ids stay on
// the device; KV-shared layers read another layer's cache; per-layer embeddings come from the host).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "../test_paths.h"
#include "../unit/tiny_reference.h"
#include "model/sampler.h"
#include "model/session.h"

using namespace vkg;

TEST_SUITE("vulkan_tiny") {
  TEST_CASE("tiny Gemma 4 (PLE + KV sharing, MoE, dense K = V): Vulkan logits and greedy tokens match transformers") {
    for (const std::string name : {"gemma4_ple", "gemma4_moe", "gemma4_dense"}) {
      CAPTURE(name);
      const test::TinyReference ref = test::load_tiny_reference(name);
      auto model = Model::load(test::source_path("assets/tiny/" + name + ".gguf"));
      for (auto [batch, page] : {std::pair{64, 256}, std::pair{5, 8}}) {  // whole caches; caches grown by pages
        CAPTURE(batch);
        SessionOptions o;
        o.backend = "vulkan";
        o.context = 64;
        o.max_batch = batch;
        o.kv_page = page;
        o.validation = true;
        o.exact_matmul = true;
        Session s(*model, o);
        std::vector<int> greedy;
        const float max_diff = test::logits_and_greedy(s, ref, &greedy);
        MESSAGE(name << ": max |logit diff| Vulkan vs transformers " << max_diff);
        CHECK(max_diff < 1e-3f);  // as the Gemma 1-3 tiny models (test_vulkan_model.cpp kBackendTolerance)
        CHECK(greedy == ref.greedy);
      }
    }
  }
}
