// `vkgemma shaders [--dump DIR]`: the embedded SPIR-V modules with their layouts (reflected at build time); --dump writes
// each as DIR/<name>.spv (tools/dump_shaders.sh turns them into disassembly and SPIRV-Cross GLSL).
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "app/args.h"
#include "app/commands.h"
#include "runtime/vulkan/shader_registry.h"

namespace vkg::app {

int shaders_command(const std::vector<std::string>& argv) {
  Args args(argv, {"--dump"}, {}, {});
  const std::string dir = args.get("--dump", "");
  if (!dir.empty()) std::filesystem::create_directories(dir);
  for (const vk::ShaderCode& s : vk::all_shaders()) {
    const vk::ShaderLayout& l = s.layout;
    int texel = 0;
    for (uint32_t b = 0; b < l.n_bindings; ++b) texel += l.is_texel(b) ? 1 : 0;
    std::printf("%-20s %6zu words, %u buffers (%d texel), %3u push-constant bytes, local size %ux%ux%u\n",
                std::string(s.name).c_str(), s.word_count, l.n_bindings, texel, l.push_constant_bytes, l.local_size[0],
                l.local_size[1], l.local_size[2]);
    if (!dir.empty()) {
      const std::string path = dir + "/" + std::string(s.name) + ".spv";
      std::ofstream f(path, std::ios::binary);
      f.write(reinterpret_cast<const char*>(s.words), static_cast<std::streamsize>(s.word_count * 4));
      if (!f) throw std::runtime_error(path + ": cannot write");
    }
  }
  return 0;
}

}  // namespace vkg::app
