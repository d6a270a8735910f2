// The compiled compute shaders (SPIR-V 1.5, Vulkan 1.2) embedded in the binary, by variant name
// ("matmul_q4_k", "embed_f16", "attention", ...). The list of variants, their sources and defines is the
// table at the top of shaders/CMakeLists.txt, which also generates the definitions (shader_registry.cpp) and
// reflects each module's layout at build time with SPIRV-Cross (shaders/reflect_layout.cmake).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace vkg::vk {

// What a pipeline needs to know about a module, reflected from its SPIR-V (not kept by hand).
struct ShaderLayout {
  uint32_t n_bindings = 0;          // buffers 0..n-1 in set 0: storage buffers, or texel buffers where
  uint32_t texel_mask = 0;          // bit b set: binding b is a uniform texel buffer of 16-byte texels (R32G32B32A32_UINT)
  uint32_t push_constant_bytes = 0;
  uint32_t local_size[3] = {1, 1, 1};
  bool is_texel(uint32_t binding) const { return (texel_mask >> binding) & 1u; }
};

struct ShaderCode {
  std::string_view name;
  const uint32_t* words;
  size_t word_count;
  ShaderLayout layout;
};

const ShaderCode* find_shader(std::string_view name);  // nullptr if unknown
const std::vector<ShaderCode>& all_shaders();

}  // namespace vkg::vk
