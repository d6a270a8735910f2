// slice_cols: (x[n, C]) -> [n, width]: columns [offset, offset + width) of every row. Gemma 4 computes the
// per-layer embeddings of all layers at once ([n, layers * 256]) and each layer reads its own 256 columns.
#pragma once
#include "runtime/op_def.h"

namespace vkg {

struct SliceColsParams {
  int offset = 0;
  int width = 0;

  static constexpr const char* kName = "slice_cols";
  static constexpr const char* kInputs[] = {"x"};
  Shape output_shape(const OpShapeCheck& c) const {
    if (offset < 0 || width <= 0 || offset + int64_t(width) > c.in(0).cols())
      c.fail("columns [" + std::to_string(offset) + ", " + std::to_string(int64_t(offset) + width) +
             ") are not within the row length " + std::to_string(c.in(0).cols()));
    return {c.in(0).rows(), width};
  }
  std::string describe() const { return "offset=" + std::to_string(offset) + " width=" + std::to_string(width); }
};

}  // namespace vkg
