// The default model, loaded once for all real-model tests. Missing model = failure with a clear message.
#pragma once
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "model/model.h"
#include "../test_paths.h"

namespace vkg::test {

inline const Model& default_model() {
  static std::unique_ptr<Model> model = [] {
    const std::string path = default_model_path();
    if (!std::filesystem::exists(path))
      throw std::runtime_error(path + " is missing: run tools/setup.sh to fetch the default model");
    return Model::load(path);
  }();
  return *model;
}

}  // namespace vkg::test
