// The generation table (model/generation_rules.cpp) that both loaders read: every row resolves by its names
// in both formats, and the tiny models of every generation get the same switches and layer pattern from
// their GGUF and from their Hugging Face directory.
#include <doctest/doctest.h>

#include "../test_paths.h"
#include "model/generation_rules.h"
#include "model/gguf.h"
#include "model/hf_config.h"

using namespace vkg;

TEST_SUITE("hf_models") {
  TEST_CASE("generation table: each row is found by its GGUF and config.json names") {
    for (const GenerationRules& r : generation_table()) {
      CAPTURE(r.gguf_architecture);
      CHECK(rules_for_gguf(r.gguf_architecture) == &r);
      CHECK(std::string(generation_name(r.generation)) == r.gguf_architecture);
      bool multimodal = true;
      for (const std::string& name : r.hf_architectures) {
        CHECK(rules_for_hf(name, &multimodal) == &r);
        CHECK_FALSE(multimodal);
      }
      for (const std::string& name : r.hf_multimodal) {
        CHECK(rules_for_hf(name, &multimodal) == &r);
        CHECK(multimodal);
      }
    }
    bool multimodal = false;
    CHECK(rules_for_gguf("llama") == nullptr);
    CHECK(rules_for_hf("LlamaForCausalLM", &multimodal) == nullptr);
  }

  TEST_CASE("generation table: GGUF and Hugging Face tiny models get the same rules") {
    for (const std::string gen : {"gemma", "gemma2", "gemma3"}) {
      CAPTURE(gen);
      const GemmaConfig g = config_from_gguf(GgufFile(test::source_path("assets/tiny/" + gen + ".gguf")));
      const GemmaConfig h = config_from_hf(test::source_path("assets/tiny/" + gen + "-hf/config.json"));
      CHECK(g.generation == h.generation);
      CHECK(g.qk_norm == h.qk_norm);
      CHECK(g.post_norms == h.post_norms);
      CHECK(g.layer_is_sliding == h.layer_is_sliding);
      CHECK(g.rope_theta_local == h.rope_theta_local);
      CHECK(g.query_pre_attn_scalar == h.query_pre_attn_scalar);
    }
  }
}
