#include "runtime/op_def.h"

#include <sstream>
#include <stdexcept>

namespace vkg {

void OpShapeCheck::fail(const std::string& what) const {
  throw std::runtime_error("node '" + node_ + "' (" + op_ + "): " + what);
}

void OpShapeCheck::expect_cols(size_t input, int64_t cols) const {
  const TensorDesc& t = in(input);
  if (t.cols() != cols)
    fail("input '" + t.name + "' has " + std::to_string(t.cols()) + " columns, expected " + std::to_string(cols));
}

void OpShapeCheck::expect_same_shape(size_t a, size_t b) const {
  if (in(a).shape != in(b).shape)
    fail("inputs '" + in(a).name + "' " + in(a).shape_string() + " and '" + in(b).name + "' " +
         in(b).shape_string() + " differ");
}

void OpShapeCheck::expect_positions(size_t input, int64_t rows) const {
  const TensorDesc& t = in(input);
  if (t.dtype != DType::I32) fail("positions '" + t.name + "' must be i32");
  if (t.elements() != rows)
    fail("positions '" + t.name + "' has " + std::to_string(t.elements()) + " entries, expected " +
         std::to_string(rows));
}

void OpShapeCheck::expect_heads(size_t input, int head_dim) const {
  const TensorDesc& x = in(input);
  if (head_dim <= 0 || head_dim % 2 || x.cols() % head_dim)
    fail("head_dim " + std::to_string(head_dim) + " does not fit row length " + std::to_string(x.cols()));
}

void OpShapeCheck::expect_group(size_t input, size_t weight) const {
  const TensorDesc& x = in(input);
  const TensorDesc& w = in(weight);
  if (w.elements() == 0 || x.cols() % w.elements() != 0)
    fail("weight '" + w.name + "' size " + std::to_string(w.elements()) + " does not divide the row length " +
         std::to_string(x.cols()));
}

void OpShapeCheck::expect_row_weight(size_t input, size_t weight) const {
  const TensorDesc& x = in(input);
  const TensorDesc& w = in(weight);
  if (w.elements() != x.cols())
    fail("weight '" + w.name + "' " + w.shape_string() + ", expected " + std::to_string(x.cols()) +
         " values (the input's row)");
}

void OpShapeCheck::expect_sequences(size_t cache, int sequences) const {
  const TensorDesc& t = in(cache);
  if (sequences < 1 || t.rows() % sequences != 0)
    fail("input '" + t.name + "' has " + std::to_string(t.rows()) + " rows, expected a multiple of the " +
         std::to_string(sequences) + " sequences");
}

std::string format_param(float v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace vkg
