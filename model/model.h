// A loaded model: its file(s), config, weights (as graph tensor descriptions pointing into the mapped files)
// and tokenizer. From a GGUF file, or from a Hugging Face directory (config.json, model.safetensors or a
// sharded model.safetensors.index.json, tokenizer.model).
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/config.h"
#include "model/gguf.h"
#include "model/tokenizer.h"
#include "runtime/tensor.h"

namespace vkg {

class SafetensorsFile;

class Model {
 public:
  // A directory loads as a Hugging Face model, anything else as GGUF.
  // Throws std::runtime_error naming the file and what was wrong.
  static std::unique_ptr<Model> load(const std::string& path);
  Model();
  ~Model();

  const GemmaConfig& config() const { return config_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  // The GGUF file, or nullptr for a Hugging Face directory.
  const GgufFile* gguf() const { return gguf_.get(); }
  const std::string& path() const { return path_; }

  // Weights by GGUF tensor name, shape in [rows, cols] order; throws naming the missing tensor.
  const TensorDesc& weight(const std::string& name) const;
  const std::map<std::string, TensorDesc>& weights() const { return weights_; }
  int64_t weight_bytes() const;

 private:
  static void load_hf(Model& m);

  std::string path_;
  std::unique_ptr<GgufFile> gguf_;
  std::vector<std::unique_ptr<SafetensorsFile>> safetensors_;  // HF: the mapped shards
  std::vector<std::vector<float>> owned_;                      // HF: norm weights as 1 + w (and realigned data)
  GemmaConfig config_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::map<std::string, TensorDesc> weights_;
};

}  // namespace vkg
