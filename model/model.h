// A loaded model: its file(s), config, weights (as graph tensor descriptions pointing into the mapped files)
// and tokenizer. From a GGUF file, or from a Hugging Face directory (config.json, model.safetensors or a
// sharded model.safetensors.index.json, tokenizer.model).
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/config.h"
#include "model/gguf.h"
#include "model/tokenizer.h"
#include "runtime/tensor.h"

namespace vkg {

class SafetensorsFile;

struct LoadOptions {
  // Quantization on load (as gemma_pytorch offers int8): Q8_0 or Q4_0 turns every F32/F16/BF16 matrix
  // (not the norms) into that format in memory; weights already quantized in the file stay as they are.
  std::optional<DType> quant;
  // A llama.cpp mmproj GGUF (projector "gemma3") with the vision tower for a GGUF text model.
  std::string mmproj;
  // Called while weights are quantized on load (bytes of float weights done of the total).
  std::function<void(int64_t done, int64_t total)> progress;
};

// A Hugging Face vision-tower / projector tensor name -> its llama.cpp mmproj name (v.*, mm.*); nullopt for
// other tensors; throws for an unknown tensor inside the vision tower.
std::optional<std::string> vision_name_from_hf(const std::string& hf);

// "q8_0" / "q4_0" (any case) -> the type; throws naming the accepted values otherwise.
DType parse_quant(const std::string& name);

class Model {
 public:
  // A directory loads as a Hugging Face model, anything else as GGUF.
  // Throws std::runtime_error naming the file and what was wrong.
  static std::unique_ptr<Model> load(const std::string& path, const LoadOptions& options = {});
  Model();
  ~Model();

  const GemmaConfig& config() const { return config_; }
  // The image encoder (HF Gemma3ForConditionalGeneration directory, or --mmproj), else nullptr.
  const VisionConfig* vision() const { return vision_ ? &*vision_ : nullptr; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  // The GGUF file, or nullptr for a Hugging Face directory.
  const GgufFile* gguf() const { return gguf_.get(); }
  const std::string& path() const { return path_; }
  // The files the weights came from (names, sizes, modification times) and the load options: what a cache
  // made from this model (the CPU's packed weights) must have been made for.
  std::string source_identity() const;
  // The checkpoint's Jinja chat template (GGUF tokenizer.chat_template; HF chat_template.jinja or
  // tokenizer_config.json's chat_template), or empty.
  const std::string& chat_template() const { return chat_template_; }

  // Weights by GGUF tensor name, shape in [rows, cols] order; throws naming the missing tensor.
  const TensorDesc& weight(const std::string& name) const;
  const std::map<std::string, TensorDesc>& weights() const { return weights_; }
  int64_t weight_bytes() const;
  // Bytes of the weights a device holds: all but those read on the host only (Gemma 4's per-layer embedding
  // table: one row per token is gathered, model/per_layer_embeddings.h).
  int64_t device_weight_bytes() const;
  static bool host_only(const std::string& name) { return name == "per_layer_token_embd.weight"; }

 private:
  static void load_hf(Model& m);
  // Vision tensors under llama.cpp's mmproj names (v.*, mm.*) with shapes [rows, cols] as the graph uses them:
  // v.patch_embd.weight [D, 3 * p * p], mm.input_projection.weight [H_text, D] (transposed from the files).
  static void load_hf_vision(Model& m, const std::string& config_json);
  static void load_mmproj(Model& m, const std::string& path);
  // The tensor added under `name` from file data (shape as in the file, row-major); converts as above.
  void add_vision_tensor(const std::string& name, std::vector<int64_t> shape, DType dtype, const void* data,
                         const std::string& origin);
  void check_vision_weights() const;
  void quantize_weights(DType type, const std::function<void(int64_t, int64_t)>& progress);

  std::string path_;
  std::string quant_;  // LoadOptions::quant's name, "" for none
  std::unique_ptr<GgufFile> gguf_;
  std::unique_ptr<GgufFile> mmproj_;
  std::optional<VisionConfig> vision_;
  std::vector<std::unique_ptr<SafetensorsFile>> safetensors_;  // HF: the mapped shards
  std::vector<std::vector<float>> owned_;                      // HF: norm weights as 1 + w (and realigned data)
  std::vector<std::vector<uint8_t>> quantized_;                // --quant: weights quantized on load
  GemmaConfig config_;
  std::string chat_template_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::map<std::string, TensorDesc> weights_;
};

}  // namespace vkg
