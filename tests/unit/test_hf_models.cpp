// Hugging Face model directories (assets/tiny/<gen>-hf, written by tools/make_tiny_hf.py from the tiny
// GGUFs' dequantized values): the same logits as the GGUF and as transformers, the same config, the
// multimodal layout (prefix, text_config, pad embedding rows, vision tensors), and clear errors for
// malformed input.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "../test_paths.h"
#include "model/hf_config.h"
#include "model/safetensors.h"
#include "model/sampling_defaults.h"
#include "model/session.h"
#include "tiny_reference.h"

using namespace vkg;
namespace fs = std::filesystem;

namespace {

std::vector<float> logits_of(const Model& m, const std::vector<int>& tokens) {
  SessionOptions o;
  o.context = 64;
  o.exact_matmul = true;  // fp32 dot products: compared with transformers and between formats
  Session s(m, o);
  return s.eval(tokens, true);
}

float max_diff(const std::vector<float>& a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  float d = 0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(a[i] - b[i]));
  return d;
}

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A safetensors file from a header object (data_offsets filled in here) and the tensors' bytes.
std::string safetensors_bytes(const std::vector<std::tuple<std::string, std::string, std::vector<int64_t>, std::string>>& ts) {
  nlohmann::json h = nlohmann::json::object();
  h["__metadata__"] = {{"format", "pt"}};
  std::string data;
  for (const auto& [name, dtype, shape, bytes] : ts) {
    h[name] = {{"dtype", dtype}, {"shape", shape}, {"data_offsets", {data.size(), data.size() + bytes.size()}}};
    data += bytes;
  }
  std::string header = h.dump();
  while ((8 + header.size()) % 8) header += ' ';
  std::string out(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(n >> (8 * i) & 0xff);
  return out + header + data;
}

// A fresh temporary directory, removed at the end of the test.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name) {
    path = fs::temp_directory_path() / ("vkgemma_hf_test_" + name + "_" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string load_error(const std::string& path) {
  try {
    Model::load(path);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

std::string safetensors_error(const std::string& path) {
  try {
    SafetensorsFile f(path);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_SUITE("hf_models") {
  TEST_CASE("HF directories give the GGUF's logits and transformers' logits, with the same config") {
    for (const std::string gen : {"gemma", "gemma2", "gemma3"}) {
      CAPTURE(gen);
      const test::TinyReference ref = test::load_tiny_reference(gen);
      auto hf = Model::load(test::source_path("assets/tiny/" + gen + "-hf"));
      auto gg = Model::load(test::source_path("assets/tiny/" + gen + ".gguf"));
      CHECK(hf->gguf() == nullptr);
      CHECK(gg->gguf() != nullptr);

      const GemmaConfig &a = hf->config(), &b = gg->config();
      CHECK(a.generation == b.generation);
      CHECK(a.vocab_size == b.vocab_size);
      CHECK(a.hidden == b.hidden);
      CHECK(a.ffn == b.ffn);
      CHECK(a.n_layers == b.n_layers);
      CHECK(a.n_head == b.n_head);
      CHECK(a.n_kv_head == b.n_kv_head);
      CHECK(a.head_dim == b.head_dim);
      CHECK(a.context_length == b.context_length);
      CHECK(a.rms_eps == b.rms_eps);
      CHECK(a.rope_theta_global == b.rope_theta_global);
      CHECK(a.rope_theta_local == b.rope_theta_local);
      CHECK(a.rope_freq_scale_global == b.rope_freq_scale_global);
      CHECK(a.sliding_window == b.sliding_window);
      CHECK(a.layer_is_sliding == b.layer_is_sliding);
      CHECK(a.attn_softcap == b.attn_softcap);
      CHECK(a.final_softcap == b.final_softcap);
      CHECK(a.query_pre_attn_scalar == b.query_pre_attn_scalar);
      CHECK(a.qk_norm == b.qk_norm);
      CHECK(a.post_norms == b.post_norms);
      CHECK(a.bos_id == b.bos_id);
      CHECK(a.eos_id == b.eos_id);
      CHECK(a.end_of_turn_id == b.end_of_turn_id);
      CHECK(hf->weights().size() == gg->weights().size());
      for (const auto& [name, t] : gg->weights()) {
        CAPTURE(name);
        REQUIRE(hf->weights().count(name));
        CHECK(hf->weight(name).shape == t.shape);
        CHECK(hf->weight(name).dtype == DType::F32);
      }

      const std::vector<float> lh = logits_of(*hf, ref.tokens), lg = logits_of(*gg, ref.tokens);
      const float d_gguf = max_diff(lh, lg), d_ref = max_diff(lh, ref.logits);
      MESSAGE(gen << ": max |logit diff| HF vs GGUF " << d_gguf << ", HF vs transformers " << d_ref);
      // The same fp32 values on both sides; quantized dot products (GGUF) and fp32 ones (HF) only differ in
      // summation order.
      CHECK(d_gguf < 1e-4f);
      CHECK(d_ref < 1e-3f);
    }
  }

  TEST_CASE("a multimodal Gemma 3 layout: text_config, language_model prefix, pad embedding rows, bad vision tensors") {
    const std::string src = test::source_path("assets/tiny/gemma3-hf");
    TempDir dir("mm");
    // config.json: the text config under text_config of a Gemma3ForConditionalGeneration.
    nlohmann::json text = nlohmann::json::parse(read_file(fs::path(src) / "config.json"));
    text["vocab_size"] = 464;
    nlohmann::json top = {{"architectures", {"Gemma3ForConditionalGeneration"}},
                          {"model_type", "gemma3"},
                          {"text_config", text},
                          {"vision_config", {{"hidden_size", 16}}}};
    write_file(dir.path / "config.json", top.dump(2));
    fs::copy_file(fs::path(src) / "tokenizer.model", dir.path / "tokenizer.model");
    // Tensors: language_model.model.* (64 extra embedding rows), plus vision and lm_head tensors to ignore.
    SafetensorsFile st((fs::path(src) / "model.safetensors").string());
    std::vector<std::tuple<std::string, std::string, std::vector<int64_t>, std::string>> ts;
    for (const auto& [name, t] : st.tensors()) {
      std::string bytes(reinterpret_cast<const char*>(t.data), t.bytes);
      std::vector<int64_t> shape = t.shape;
      if (name == "model.embed_tokens.weight") {
        bytes += std::string(64 * shape[1] * 4, '\x7f');  // pad rows: large finite floats, must be cut
        shape[0] += 64;
      }
      ts.emplace_back("language_model." + name, "F32", shape, bytes);
    }
    // A vision tower is loaded, not ignored: a malformed one is an error naming the tensor.
    auto text_only_ts = ts;
    ts.emplace_back("vision_tower.vision_model.embeddings.patch_embedding.weight", "F32", std::vector<int64_t>{4, 4},
                    std::string(64, '\0'));
    ts.emplace_back("multi_modal_projector.mm_input_projection_weight", "BF16", std::vector<int64_t>{2, 2},
                    std::string(8, '\0'));
    write_file(dir.path / "model.safetensors", safetensors_bytes(ts));
    CHECK_THROWS_WITH_AS(Model::load(dir.path.string()),
                         doctest::Contains("'v.patch_embd.weight' has shape [4, 4], expected [hidden, 3, patch, patch]"),
                         std::runtime_error);
    // Without vision_config (and its tensors) the text model loads alone.
    top.erase("vision_config");
    write_file(dir.path / "config.json", top.dump(2));
    write_file(dir.path / "model.safetensors", safetensors_bytes(text_only_ts));

    auto mm = Model::load(dir.path.string());
    CHECK(mm->vision() == nullptr);
    auto plain = Model::load(src);
    CHECK(mm->config().vocab_size == 400);
    CHECK(mm->weight("token_embd.weight").shape == std::vector<int64_t>{400, 64});
    const test::TinyReference ref = test::load_tiny_reference("gemma3");
    CHECK(max_diff(logits_of(*mm, ref.tokens), logits_of(*plain, ref.tokens)) == 0.0f);
  }

  TEST_CASE("a multimodal Gemma 4 layout: its text decoder loads, vision and audio tensors ignored, images refused") {
    const std::string src = test::source_path("assets/tiny/gemma4_dense-hf");
    TempDir dir("mm4");
    nlohmann::json text = nlohmann::json::parse(read_file(fs::path(src) / "config.json"));
    nlohmann::json top = {{"architectures", {"Gemma4ForConditionalGeneration"}},
                          {"model_type", "gemma4"},
                          {"text_config", text},
                          {"vision_config", {{"hidden_size", 16}}},
                          {"audio_config", {{"hidden_size", 16}}}};
    write_file(dir.path / "config.json", top.dump(2));
    fs::copy_file(fs::path(src) / "tokenizer.model", dir.path / "tokenizer.model");
    SafetensorsFile st((fs::path(src) / "model.safetensors").string());
    std::vector<std::tuple<std::string, std::string, std::vector<int64_t>, std::string>> ts;
    for (const auto& [name, t] : st.tensors())  // model.X -> model.language_model.X (transformers' layout)
      ts.emplace_back("model.language_model." + name.substr(6), "F32", t.shape,
                      std::string(reinterpret_cast<const char*>(t.data), t.bytes));
    ts.emplace_back("model.vision_tower.encoder.layers.0.mlp.fc1.weight", "F32", std::vector<int64_t>{2, 2},
                    std::string(16, '\0'));
    ts.emplace_back("model.audio_tower.layers.0.weight", "F32", std::vector<int64_t>{2}, std::string(8, '\0'));
    ts.emplace_back("model.embed_vision.embedding_projection.weight", "F32", std::vector<int64_t>{2, 2},
                    std::string(16, '\0'));
    write_file(dir.path / "model.safetensors", safetensors_bytes(ts));
    auto mm = Model::load(dir.path.string());
    auto plain = Model::load(src);
    CHECK(mm->config().generation == Generation::gemma4);
    CHECK(mm->vision() == nullptr);
    CHECK(mm->weights().size() == plain->weights().size());
    const test::TinyReference ref = test::load_tiny_reference("gemma4_dense");
    CHECK(max_diff(logits_of(*mm, ref.tokens), logits_of(*plain, ref.tokens)) == 0.0f);
    SessionOptions o;
    o.context = 64;
    Session s(*mm, o);
    CHECK_THROWS_WITH(s.encode_image(std::vector<float>(3 * 16 * 16, 0.0f)),
                      doctest::Contains("image input for Gemma 4 is not supported yet"));
  }

  TEST_CASE("sampling defaults: generation_config.json, else Gemma's; GGUF without general.sampling: Gemma's") {
    const std::string src = test::source_path("assets/tiny/gemma3-hf");
    TempDir dir("sampling");
    for (const char* f : {"config.json", "model.safetensors", "tokenizer.model"})
      fs::copy_file(fs::path(src) / f, dir.path / f);
    SamplingDefaults d = sampling_defaults(*Model::load(dir.path.string()));  // no generation_config.json
    CHECK(d.source == "Gemma's defaults");
    CHECK(d.params.temperature == 1.0f);
    CHECK(d.params.top_k == 64);
    CHECK(d.params.top_p == 0.95f);
    write_file(dir.path / "generation_config.json", R"({"do_sample": true, "top_k": 40, "top_p": 0.9, "temperature": 0.7})");
    d = sampling_defaults(*Model::load(dir.path.string()));
    CHECK(d.source == "generation_config.json");
    CHECK(d.params.temperature == 0.7f);
    CHECK(d.params.top_k == 40);
    CHECK(d.params.top_p == 0.9f);
    write_file(dir.path / "generation_config.json", R"({"do_sample": false})");
    CHECK(sampling_defaults(*Model::load(dir.path.string())).params.temperature == 0.0f);  // greedy
    write_file(dir.path / "generation_config.json", R"({"top_k": "many"})");
    CHECK_THROWS_WITH_AS(sampling_defaults(*Model::load(dir.path.string())), doctest::Contains("'top_k' must be a number"),
                         std::runtime_error);
    d = sampling_defaults(*Model::load(test::source_path("assets/tiny/gemma3.gguf")));
    CHECK(d.source == "Gemma's defaults");
    CHECK(d.params.top_k == 64);
  }

  TEST_CASE("config.json: class defaults, rope_scaling, null softcaps, layer patterns") {
    // Gemma 3 4B's config.json: most text keys left at Gemma3TextConfig's defaults.
    GemmaConfig c = config_from_hf_json(R"({"architectures": ["Gemma3ForConditionalGeneration"],
        "text_config": {"hidden_size": 2560, "intermediate_size": 10240, "model_type": "gemma3_text",
                        "num_hidden_layers": 34, "rope_scaling": {"factor": 8.0, "rope_type": "linear"},
                        "sliding_window": 1024}, "eos_token_id": [1, 106]})",
                                        "4b.json");
    CHECK(c.generation == Generation::gemma3);
    CHECK(c.n_head == 8);
    CHECK(c.n_kv_head == 4);
    CHECK(c.head_dim == 256);
    CHECK(c.vocab_size == 262208);
    CHECK(c.context_length == 131072);
    CHECK(c.query_pre_attn_scalar == 256.0f);
    CHECK(c.rope_theta_global == 1e6f);
    CHECK(c.rope_theta_local == 1e4f);
    CHECK(c.rope_freq_scale_global == 0.125f);
    CHECK(c.sliding_window == 1024);
    CHECK(c.n_sliding_layers() == 34 - 5);
    CHECK(!c.layer_is_sliding[5]);
    CHECK(c.layer_is_sliding[6]);
    CHECK(c.eos_id == 1);
    CHECK(c.attn_softcap == 0.0f);

    // Newer rope_parameters form with linear scaling on full attention layers.
    c = config_from_hf_json(R"({"architectures": ["Gemma3ForCausalLM"], "num_hidden_layers": 4,
        "rope_parameters": {"full_attention": {"rope_type": "linear", "factor": 4.0, "rope_theta": 500000.0},
                            "sliding_attention": {"rope_type": "default", "rope_theta": 20000.0}},
        "sliding_window_pattern": 2})",
                            "rp.json");
    CHECK(c.rope_theta_global == 5e5f);
    CHECK(c.rope_theta_local == 2e4f);
    CHECK(c.rope_freq_scale_global == 0.25f);
    CHECK(c.layer_is_sliding == std::vector<bool>{true, false, true, false});

    // Gemma 2: softcaps default to 50 / 30, null means none; pattern alternates from layer 0.
    c = config_from_hf_json(R"({"architectures": ["Gemma2ForCausalLM"], "num_hidden_layers": 4,
        "query_pre_attn_scalar": 144})", "g2.json");
    CHECK(c.attn_softcap == 50.0f);
    CHECK(c.final_softcap == 30.0f);
    CHECK(c.query_pre_attn_scalar == 144.0f);
    CHECK(c.layer_is_sliding == std::vector<bool>{true, false, true, false});
    c = config_from_hf_json(R"({"architectures": ["Gemma2ForCausalLM"], "final_logit_softcapping": null,
        "attn_logit_softcapping": null})", "g2.json");
    CHECK(c.attn_softcap == 0.0f);
    CHECK(c.final_softcap == 0.0f);

    // Gemma 1: attention scale from head_dim, no window.
    c = config_from_hf_json(R"({"architectures": ["GemmaForCausalLM"], "head_dim": 128, "rope_theta": 5000.0})", "g1.json");
    CHECK(c.query_pre_attn_scalar == 128.0f);
    CHECK(c.sliding_window == 0);
    CHECK(c.n_sliding_layers() == 0);
    CHECK(c.rope_theta_global == 5000.0f);
    CHECK(c.rope_theta_local == 5000.0f);
  }

  TEST_CASE("malformed inputs give clear errors") {
    TempDir dir("bad");
    const std::string src = test::source_path("assets/tiny/gemma3-hf");

    SUBCASE("truncated safetensors file") {
      const std::string all = read_file(fs::path(src) / "model.safetensors");
      write_file(dir.path / "t.safetensors", all.substr(0, all.size() / 2));
      const std::string e = safetensors_error((dir.path / "t.safetensors").string());
      CHECK(contains(e, "t.safetensors: tensor '"));
      CHECK(contains(e, "outside the data section"));
      write_file(dir.path / "t.safetensors", all.substr(0, 5));
      CHECK(contains(safetensors_error((dir.path / "t.safetensors").string()), "too short"));
    }
    SUBCASE("header length beyond the file") {
      std::string b(8, '\0');
      b[1] = 0x10;  // 4096
      write_file(dir.path / "h.safetensors", b + "{}");
      const std::string e = safetensors_error((dir.path / "h.safetensors").string());
      CHECK(contains(e, "h.safetensors: safetensors header length 4096 goes beyond the end of the file"));
    }
    SUBCASE("unknown dtype") {
      write_file(dir.path / "d.safetensors",
                 safetensors_bytes({{"model.embed_tokens.weight", "I64", {2}, std::string(16, '\0')}}));
      const std::string e = safetensors_error((dir.path / "d.safetensors").string());
      CHECK(contains(e, "d.safetensors: tensor 'model.embed_tokens.weight' has dtype I64"));
    }
    SUBCASE("size not matching the shape, bad JSON") {
      write_file(dir.path / "s.safetensors", safetensors_bytes({{"w", "F32", {3}, std::string(8, '\0')}}));
      CHECK(contains(safetensors_error((dir.path / "s.safetensors").string()), "tensor 'w': 8 bytes of data"));
      std::string b(8, '\0');
      b[0] = 3;
      write_file(dir.path / "j.safetensors", b + "{x]");
      CHECK(contains(safetensors_error((dir.path / "j.safetensors").string()), "not valid JSON"));
    }
    SUBCASE("config.json with an unknown architecture") {
      fs::copy_file(fs::path(src) / "model.safetensors", dir.path / "model.safetensors");
      fs::copy_file(fs::path(src) / "tokenizer.model", dir.path / "tokenizer.model");
      write_file(dir.path / "config.json", R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama"})");
      const std::string e = load_error(dir.path.string());
      CHECK(contains(e, "config.json: unknown architecture 'LlamaForCausalLM'"));
    }
    SUBCASE("directory without tokenizer.model") {
      fs::copy_file(fs::path(src) / "model.safetensors", dir.path / "model.safetensors");
      fs::copy_file(fs::path(src) / "config.json", dir.path / "config.json");
      CHECK(contains(load_error(dir.path.string()), "neither tokenizer.model nor tokenizer.json found"));
    }
    SUBCASE("directory without weights, shard missing a listed tensor") {
      fs::copy_file(fs::path(src) / "config.json", dir.path / "config.json");
      fs::copy_file(fs::path(src) / "tokenizer.model", dir.path / "tokenizer.model");
      CHECK(contains(load_error(dir.path.string()), "neither model.safetensors nor model.safetensors.index.json"));
      fs::copy_file(fs::path(src) / "model.safetensors", dir.path / "a.safetensors");
      write_file(dir.path / "model.safetensors.index.json",
                 R"({"weight_map": {"model.norm.weight": "a.safetensors", "model.extra.weight": "a.safetensors"}})");
      CHECK(contains(load_error(dir.path.string()), "tensor 'model.extra.weight' listed in"));
    }
  }
}
