// A loaded model: its file, config, weights (as graph tensor descriptions pointing into the file) and
// tokenizer. Today from GGUF; Hugging Face directories join here.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "model/config.h"
#include "model/gguf.h"
#include "model/tokenizer.h"
#include "runtime/tensor.h"

namespace vkg {

class Model {
 public:
  // Throws std::runtime_error naming the file and what was wrong.
  static std::unique_ptr<Model> load(const std::string& path);

  const GemmaConfig& config() const { return config_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  const GgufFile& gguf() const { return *gguf_; }
  const std::string& path() const { return path_; }

  // Weights by GGUF tensor name, shape in [rows, cols] order; throws naming the missing tensor.
  const TensorDesc& weight(const std::string& name) const;
  const std::map<std::string, TensorDesc>& weights() const { return weights_; }
  int64_t weight_bytes() const;

 private:
  std::string path_;
  std::unique_ptr<GgufFile> gguf_;
  GemmaConfig config_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::map<std::string, TensorDesc> weights_;
};

}  // namespace vkg
