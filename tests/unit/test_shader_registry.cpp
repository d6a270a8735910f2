// The embedded shaders' pipeline layouts, reflected from their SPIR-V at build time (shaders/reflect_layout.cmake):
// known values for two shaders (read off their GLSL), and limits every layout must keep. The Vulkan tests then
// create every pipeline from these layouts with the validation layer on.
#include <doctest/doctest.h>

#include <string>

#include "runtime/vulkan/shader_registry.h"

using vkg::vk::ShaderCode;
using vkg::vk::find_shader;

TEST_SUITE("shader_registry") {
  TEST_CASE("matmul_q4_k and argmax layouts match their GLSL declarations") {
    // matmul.comp: X (0), Weights (1), Out (2); Params { uint K, rows, row_offset, out_stride, n_tokens, row_bytes;
    // float norm_eps; uint interleave_shift }.
    const ShaderCode* matmul = find_shader("matmul_q4_k");
    REQUIRE(matmul != nullptr);
    CHECK(matmul->layout.n_bindings == 3);
    CHECK(matmul->layout.push_constant_bytes == 32);
    CHECK(matmul->layout.local_size[1] == 1);
    CHECK(matmul->layout.local_size[2] == 1);
    // argmax.comp: X (0), Out (1).
    const ShaderCode* argmax = find_shader("argmax");
    REQUIRE(argmax != nullptr);
    CHECK(argmax->layout.n_bindings == 2);
    CHECK(find_shader("no_such_shader") == nullptr);
  }

  TEST_CASE("every variant is found by its typed key, and keys are unique") {
    for (const ShaderCode& s : vkg::vk::all_shaders()) {
      INFO("shader " << std::string(s.name));
      CHECK(find_shader(s.key) == &s);
      CHECK(std::string(s.name).rfind(vkg::vk::shader_source(s.key.shader), 0) == 0);  // named after its source
    }
    using vkg::vk::Shader;
    using vkg::vk::ShaderFeature;
    const ShaderCode* rows = find_shader(vkg::vk::shader_key(Shader::matmul_rows, vkg::DType::Q4_K,
                                                             ShaderFeature::tokens8 | ShaderFeature::geglu));
    REQUIRE(rows != nullptr);
    CHECK(std::string(rows->name) == "matmul_rows_tokens8_geglu_q4_k");
    CHECK(find_shader(vkg::vk::shader_key(Shader::matmul_rows, vkg::DType::Q8_0, ShaderFeature::x_pairs)) == nullptr);
    // The rows-per-lane kernels are their own stem (matmul_lanes.comp): its fused variants, none in matmul_rows.
    const ShaderCode* lanes = find_shader(vkg::vk::shader_key(Shader::matmul_lanes, vkg::DType::Q5_0,
                                                              ShaderFeature::norm | ShaderFeature::gate_up));
    REQUIRE(lanes != nullptr);
    CHECK(std::string(lanes->name) == "matmul_lanes_norm_gate_up_q5_0");
    CHECK(find_shader(vkg::vk::shader_key(Shader::matmul_rows, vkg::DType::Q5_0, ShaderFeature::norm)) == nullptr);
    CHECK(find_shader(vkg::vk::shader_key(Shader::matmul_lanes, vkg::DType::F16)) == nullptr);
  }

  TEST_CASE("every layout is one the Vulkan backend can create on any device") {
    for (const ShaderCode& s : vkg::vk::all_shaders()) {
      INFO("shader " << std::string(s.name));
      CHECK(s.layout.n_bindings >= 1);
      CHECK(s.layout.push_constant_bytes % 4 == 0);
      CHECK(s.layout.push_constant_bytes <= 128);  // the guaranteed minimum of maxPushConstantsSize
      const uint32_t invocations = s.layout.local_size[0] * s.layout.local_size[1] * s.layout.local_size[2];
      CHECK(invocations >= 1);
      CHECK(invocations <= 1024);  // maxComputeWorkGroupInvocations of desktop GPUs
    }
  }
}
