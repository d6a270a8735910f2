// The compiled compute shaders (SPIR-V 1.5, Vulkan 1.2) embedded in the binary, by variant name
// ("matmul_q4_k", "embed_f16", "attention", ...). The list of variants, their sources and defines is the
// table at the top of shaders/CMakeLists.txt, which also generates the definitions (shader_registry.cpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace vkg::vk {

struct ShaderCode {
  std::string_view name;
  const uint32_t* words;
  size_t word_count;
};

const ShaderCode* find_shader(std::string_view name);  // nullptr if unknown
const std::vector<ShaderCode>& all_shaders();

}  // namespace vkg::vk
