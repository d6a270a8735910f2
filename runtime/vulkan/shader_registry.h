// The compiled compute shaders (SPIR-V 1.5, Vulkan 1.2) embedded in the binary, found by a typed key
// (Shader::matmul_rows, DType::Q4_K, ShaderFeature::tokens8) or by their name for people
// ("matmul_rows_tokens8_q4_k"). The variants are the vkg_shader() list at the top of shaders/CMakeLists.txt,
// which also generates the definitions (shader_registry.cpp, shader_keys.h) and reflects each module's layout
// at build time with SPIRV-Cross (shaders/reflect_layout.cmake).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "runtime/dtype.h"
#include "shader_keys.h"  // generated into the build tree by shaders/CMakeLists.txt

namespace vkg::vk {

// What a pipeline needs to know about a module, reflected from its SPIR-V (not kept by hand).
struct ShaderLayout {
  uint32_t n_bindings = 0;          // buffers 0..n-1 in set 0: storage buffers, or texel buffers where
  uint32_t texel_mask = 0;          // bit b set: binding b is a uniform texel buffer of 16-byte texels (R32G32B32A32_UINT)
  uint32_t push_constant_bytes = 0;
  uint32_t local_size[3] = {1, 1, 1};
  bool is_texel(uint32_t binding) const { return (texel_mask >> binding) & 1u; }
};

// Which variant: the source, the weight type it reads (embed, matmul), its feature defines.
struct ShaderKey {
  Shader shader;
  bool has_weight = false;
  DType weight = DType::F32;
  uint32_t features = 0;  // ShaderFeature bits
  bool operator==(const ShaderKey& o) const {
    return shader == o.shader && has_weight == o.has_weight && (!has_weight || weight == o.weight) &&
           features == o.features;
  }
};
// The key of a variant without a weight type, or with one.
inline ShaderKey shader_key(Shader s, uint32_t features = 0) { return {s, false, DType::F32, features}; }
inline ShaderKey shader_key(Shader s, DType weight, uint32_t features = 0) { return {s, true, weight, features}; }

struct ShaderCode {
  std::string_view name;  // for people: vkgemma shaders, debug names, errors
  const uint32_t* words;
  size_t word_count;
  ShaderLayout layout;
  ShaderKey key;
};

const ShaderCode* find_shader(std::string_view name);  // nullptr if unknown
const ShaderCode* find_shader(const ShaderKey& key);   // nullptr if no such variant was compiled
const std::vector<ShaderCode>& all_shaders();

}  // namespace vkg::vk
