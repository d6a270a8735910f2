#include "model/per_layer_embeddings.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "runtime/quant/quant.h"

namespace vkg {

std::vector<float> per_layer_token_rows(const Model& model, const std::vector<int32_t>& ids) {
  const TensorDesc& t = model.weight("per_layer_token_embd.weight");
  const int64_t width = t.cols(), stride = row_bytes(t.dtype, width);
  // HF scales in the weight's type (Gemma4TextScaledWordEmbedding); fp32 here, as for the main embedding.
  const float scale = std::sqrt(static_cast<float>(model.config().ple_width));
  std::vector<float> out(ids.size() * static_cast<size_t>(width));
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0 || ids[i] >= t.rows())
      throw std::runtime_error("per-layer embeddings: token id " + std::to_string(ids[i]) + " is outside the table of " +
                               std::to_string(t.rows()) + " rows");
    float* row = out.data() + i * static_cast<size_t>(width);
    dequantize_row(t.dtype, static_cast<const uint8_t*>(t.data) + ids[i] * stride, row, width);
    for (int64_t j = 0; j < width; ++j) row[j] *= scale;
  }
  return out;
}

}  // namespace vkg
