// Tiny random Gemma 4 models (tools/make_tiny_gemma4.py: transformers' own Gemma4ForCausalLM, written as GGUF
// with llama.cpp's gemma4 names and as HF directories) against transformers' logits and 24 greedy tokens on
// the same weights (CPU, fp32 products): per-layer embeddings, KV sharing, double-wide MLPs, K = V, experts,
// p-RoPE, weightless V norms, layer scalars, a 48-position sequence over a window of 8.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "../test_paths.h"
#include "model/gemma_graph.h"
#include "model/sampler.h"
#include "model/session.h"
#include "tiny_reference.h"

using namespace vkg;

namespace {

const char* const kModels[] = {"gemma4_ple", "gemma4_moe", "gemma4_dense"};

// Max |logit diff| over all positions and the greedy continuation (argmax after the prompt, then one step per
// token, each reading the caches the steps before wrote).

}  // namespace

TEST_SUITE("tiny_models") {
  TEST_CASE("Gemma 4: logits and 24 greedy tokens match transformers, GGUF and HF, batched and one by one") {
    for (const std::string name : kModels)
      for (const std::string form : {".gguf", "-hf"}) {
        CAPTURE(name);
        CAPTURE(form);
        const test::TinyReference ref = test::load_tiny_reference(name);
        auto model = Model::load(test::source_path("assets/tiny/" + name + form));
        CHECK(model->config().generation == Generation::gemma4);
        for (auto [batch, page] : {std::pair{64, 256}, std::pair{1, 256}, std::pair{5, 8}}) {  // page 8: grown caches
          CAPTURE(batch);
          CAPTURE(page);
          SessionOptions o;
          o.context = 64;
          o.max_batch = batch;
          o.kv_page = page;
          o.exact_matmul = true;  // fp32 dot products, as transformers
          Session s(*model, o);
          std::vector<int> greedy;
          const float diff = test::logits_and_greedy(s, ref, &greedy);
          MESSAGE(name << form << " batch " << batch << ": max |logit diff| vs transformers " << diff);
          // fp32 on both sides, logits up to ~10: the same 1e-3 as the Gemma 1-3 tiny models. The PLE model is
          // the most sensitive: transformers itself in fp64 differs from its fp32 logits by 4.9e-4 (measured).
          CHECK(diff < 1e-3f);
          CHECK(greedy == ref.greedy);
        }
      }
  }

  TEST_CASE("Gemma 4: a prompt in batches; those without logits skip the KV-shared layers, the last matches") {
    const test::TinyReference ref = test::load_tiny_reference("gemma4_ple");
    auto model = Model::load(test::source_path("assets/tiny/gemma4_ple.gguf"));
    SessionOptions o;
    o.context = 64;
    o.max_batch = 5;  // 24 tokens: batches of 5, 5, 5, 5 and 4
    o.exact_matmul = true;
    Session s(*model, o);
    const std::vector<float> last = s.eval(ref.tokens);
    const float* want = ref.logits.data() + ref.logits.size() - ref.vocab;
    float max_diff = 0;
    for (int i = 0; i < ref.vocab; ++i) max_diff = std::max(max_diff, std::abs(last[size_t(i)] - want[i]));
    CHECK(max_diff < 1e-3f);
    int attention_nodes = 0;
    for (const Node& n : s.graph(5, false, false, 0, /*logits=*/false).nodes())
      attention_nodes += std::holds_alternative<AttentionParams>(n.params);
    CHECK(attention_nodes == 6);  // layers 0-5 of 10: the four KV-shared ones are not built
  }

  TEST_CASE("Gemma 4: GGUF and HF give the same config; per-layer shapes, sharing and experts as built") {
    for (const std::string name : kModels) {
      CAPTURE(name);
      auto g = Model::load(test::source_path("assets/tiny/" + name + ".gguf"));
      auto h = Model::load(test::source_path("assets/tiny/" + name + "-hf"));
      const GemmaConfig &a = g->config(), &b = h->config();
      CHECK(a.n_layers == b.n_layers);
      CHECK(a.layer_is_sliding == b.layer_is_sliding);
      CHECK(a.sliding_window == b.sliding_window);
      CHECK(a.rope_theta_global == b.rope_theta_global);
      CHECK(a.rope_theta_local == b.rope_theta_local);
      CHECK(a.rope_global_pairs == b.rope_global_pairs);
      CHECK(a.rope_global_pairs == 8);  // a quarter of head_dim 64's 32 pairs
      CHECK(a.final_softcap == b.final_softcap);
      CHECK(a.attention_scale() == 1.0f);
      CHECK(b.attention_scale() == 1.0f);
      CHECK(a.k_eq_v == b.k_eq_v);
      CHECK(a.n_kv_shared_layers == b.n_kv_shared_layers);
      CHECK(a.ple_width == b.ple_width);
      CHECK(a.n_experts == b.n_experts);
      CHECK(a.n_experts_used == b.n_experts_used);
      CHECK(a.expert_ffn == b.expert_ffn);
      for (int i = 0; i < a.n_layers; ++i) {
        CAPTURE(i);
        CHECK(a.layer_head_dim(i) == b.layer_head_dim(i));
        CHECK(a.layer_head_dim(i) == (a.layer_is_sliding[i] ? 32 : 64));
        CHECK(a.layer_kv_head(i) == b.layer_kv_head(i));
        CHECK(a.layer_ffn_width(i) == b.layer_ffn_width(i));
        CHECK(a.kv_source(i) == b.kv_source(i));
      }
      // The norms are used as stored in both forms (Gemma 4 multiplies by w, no 1 + w anywhere).
      const TensorDesc &na = g->weight("blk.0.attn_norm.weight"), &nb = h->weight("blk.0.attn_norm.weight");
      CHECK(std::equal(static_cast<const float*>(na.data), static_cast<const float*>(na.data) + 64,
                       static_cast<const float*>(nb.data)));
    }
    auto ple_model = Model::load(test::source_path("assets/tiny/gemma4_ple.gguf"));
    const GemmaConfig& ple = ple_model->config();
    CHECK(ple.ple_width == 16);
    CHECK(ple.n_kv_shared_layers == 4);
    // Layers 6-9 read the last owning layer of their type: 5 (sliding) and 4 (full); the double-wide MLP there.
    CHECK(std::vector<int>{ple.kv_source(6), ple.kv_source(7), ple.kv_source(8), ple.kv_source(9)} ==
          std::vector<int>{5, 5, 5, 4});
    CHECK(ple.layer_ffn_width(9) == 2 * ple.layer_ffn_width(0));
    auto moe_model = Model::load(test::source_path("assets/tiny/gemma4_moe.gguf"));
    const GemmaConfig& moe = moe_model->config();
    CHECK(moe.k_eq_v);
    CHECK(moe.n_experts == 8);
    CHECK(moe.n_experts_used == 2);
    CHECK(moe.layer_kv_head(5) == 1);
    CHECK(moe.layer_kv_head(0) == 2);
  }

  TEST_CASE("Gemma 4: only the layers that own a cache have one; the per-layer table is not a graph weight") {
    auto model = Model::load(test::source_path("assets/tiny/gemma4_ple.gguf"));
    const GemmaConfig& c = model->config();
    KvLayout kv;
    kv.context = 64;
    kv.max_batch = 8;
    int64_t want = 0;
    for (int i = 0; i < 6; ++i) want += int64_t(kv.capacity(c, i)) * c.layer_kv_head(i) * c.layer_head_dim(i) * 8;
    CHECK(kv.bytes(c) == want);
    for (int i = 6; i < 10; ++i) CHECK(kv.capacity(c, i) == 0);
    BuildOptions b;
    b.n_tokens = 8;
    b.kv = kv;
    const Graph g = build_gemma_graph(*model, b);
    int caches = 0;
    for (const TensorDesc& t : g.tensors()) {
      CHECK(t.name != "per_layer_token_embd.weight");  // gathered on the host (model/per_layer_embeddings.h)
      caches += t.role == TensorRole::kv_cache;
    }
    CHECK(caches == 12);  // K and V of layers 0-5
  }

  TEST_CASE("Gemma 4: image input is refused with a clear message") {
    auto model = Model::load(test::source_path("assets/tiny/gemma4_dense.gguf"));
    SessionOptions o;
    o.context = 64;
    Session s(*model, o);
    CHECK_THROWS_WITH(s.eval({2, 5}, false, {std::vector<float>(64, 0.0f)}),
                      doctest::Contains("image input for Gemma 4 is not supported yet"));
  }
}
