// The tiny Gemma 3 vision model (tools/make_tiny_vision.py) on the Vulkan device, validation layer on:
// image features and every prompt position's logits against the CPU backend and against transformers'
// Gemma3ForConditionalGeneration, from both weight formats (HF directory; GGUF + mmproj GGUF).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "../unit/vision_reference.h"
#include "model/image.h"
#include "model/image_prompt.h"
#include "model/session.h"

using namespace vkg;

namespace {

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  float d = 0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, std::abs(a[i] - b[i]));
  return d;
}

struct Run {
  std::vector<std::vector<float>> features;
  std::vector<float> logits;
};

Run run(const Model& model, const test::VisionReference& ref, const std::string& backend) {
  SessionOptions o;
  o.backend = backend;
  o.validation = backend == "vulkan";
  // fp32 activations on both backends: the CPU fast path rounds a BF16 prompt's activations to bf16 where the
  // CPU has AVX512_BF16 (matmul_bf16.h), beyond the fp32 tolerances below.
  o.exact_matmul = true;
  o.context = 128;
  o.max_batch = 32;
  Session s(model, o);
  Run r;
  for (const std::string& img : ref.images)
    r.features.push_back(s.encode_image(preprocess_image(load_image(test::source_path(img)), model.vision()->image_size)));
  const std::vector<int> tokens = tokenize_with_images(model.tokenizer(), *model.vision(), ref.prompt, 2, true);
  REQUIRE(tokens == ref.tokens);
  r.logits = s.eval(tokens, true, r.features);
  return r;
}

}  // namespace

TEST_SUITE("vulkan_tiny") {
  TEST_CASE("tiny Gemma 3 vision model: Vulkan features and logits equal the CPU's and transformers'") {
    const test::VisionReference ref = test::load_vision_reference();
    LoadOptions lo;
    lo.mmproj = test::source_path("assets/tiny/gemma3-vision-mmproj.gguf");
    auto hf = Model::load(test::source_path("assets/tiny/gemma3-vision-hf"));
    auto gguf = Model::load(test::source_path("assets/tiny/gemma3-vision.gguf"), lo);
    for (const Model* model : {hf.get(), gguf.get()}) {
      CAPTURE(model->path());
      const Run gpu = run(*model, ref, "vulkan");
      const Run cpu = run(*model, ref, "cpu");
      for (size_t i = 0; i < 2; ++i) {
        const float d_cpu = max_abs_diff(gpu.features[i], cpu.features[i]);
        const float d_ref = max_abs_diff(gpu.features[i], ref.features[i]);
        MESSAGE("image " << i << ": max |feature diff| Vulkan vs CPU " << d_cpu << ", vs transformers " << d_ref);
        // Features of RMS ~4 through 2 fp32 SigLIP layers, pooling, norm and projection: only summation
        // order differs (op tests: ~1e-5 relative per op).
        CHECK(d_cpu < 1e-4f);
        CHECK(d_ref < 1e-4f);
      }
      const float d_cpu = max_abs_diff(gpu.logits, cpu.logits);
      const float d_ref = max_abs_diff(gpu.logits, ref.logits);
      MESSAGE("max |logit diff| Vulkan vs CPU " << d_cpu << ", vs transformers " << d_ref);
      CHECK(d_cpu < 1e-3f);  // as the text models' kBackendTolerance
      CHECK(d_ref < 1e-3f);
    }
  }
}
