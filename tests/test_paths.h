// Where tests find the project's files and the default model.
#pragma once
#include <cstdlib>
#include <filesystem>
#include <string>

namespace vkg::test {

inline std::string source_path(const std::string& rel) { return std::string(VKGEMMA_SOURCE_DIR) + "/" + rel; }

// The default model, or the file named by VKGEMMA_MODEL. Missing is a failure (tools/setup.sh fetches it).
inline std::string default_model_path() {
  if (const char* env = std::getenv("VKGEMMA_MODEL")) return env;
  return source_path("models/gemma-3-270m-q4_k_m.gguf");
}

}  // namespace vkg::test
