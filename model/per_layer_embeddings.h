// Gemma 4's per-layer embeddings, token part (gemma4.md 2.1): one row of the [vocab, layers * P] table per
// token, gathered on the host from the mapped file and scaled by sqrt(P). The table (E2B: 262144 x 8960) never
// goes to a device: a step uploads n rows as the graph input "per_layer_tokens".
#pragma once
#include <cstdint>
#include <vector>

#include "model/model.h"

namespace vkg {

// [ids.size(), layers * P] fp32; throws naming the id when one is outside the table.
std::vector<float> per_layer_token_rows(const Model& model, const std::vector<int32_t>& ids);

}  // namespace vkg
