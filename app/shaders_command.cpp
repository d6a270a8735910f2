// `vkgemma shaders [--dump DIR]`: the embedded SPIR-V modules with their layouts (reflected at build time); --dump writes
// each as DIR/<name>.spv (tools/dump_shaders.sh turns them into disassembly and SPIRV-Cross GLSL).
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "app/args.h"
#include "app/commands.h"
#include "runtime/services.h"

namespace vkg::app {

int shaders_command(const std::vector<std::string>& argv) {
  Args args(argv, {"--dump"}, {}, {});
  const std::string dir = args.get("--dump", "");
  if (!dir.empty()) std::filesystem::create_directories(dir);
  for (const EmbeddedShader& s : embedded_shaders()) {
    std::printf("%-20s %6zu words, %u buffers (%u texel), %3u push-constant bytes, local size %ux%ux%u\n",
                s.name.c_str(), s.word_count, s.bindings, s.texel_bindings, s.push_constant_bytes, s.local_size[0],
                s.local_size[1], s.local_size[2]);
    if (!dir.empty()) {
      const std::string path = dir + "/" + s.name + ".spv";
      std::ofstream f(path, std::ios::binary);
      f.write(reinterpret_cast<const char*>(s.words), static_cast<std::streamsize>(s.word_count * 4));
      if (!f) throw std::runtime_error(path + ": cannot write");
    }
  }
  return 0;
}

}  // namespace vkg::app
