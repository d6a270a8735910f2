// What every op's table entry (runtime/ops/<stem>.h) is made of. An entry is the op's parameter struct,
// named <Stem>Params, carrying the rest of the op's description as static members:
//
//   struct RmsNormParams {
//     float eps = 1e-6f;                                    // the parameters (aggregate, default values)
//     static constexpr const char* kName = "rms_norm";     // the stem: enum value, shader, kernel, test
//     static constexpr const char* kInputs[] = {"x", "weight"};
//     Shape output_shape(const OpShapeCheck& c) const;     // shape/dtype rules; throws through c.fail
//     std::string describe() const;                         // optional: `vkgemma graph`'s parameter text
//     static constexpr int kTypedBy = 1;                    // optional: the input whose dtype picks the kernel
//   };
//
// The build lists runtime/ops/*.h into the Op enum and the OpParams variant (cmake/op_table.cmake), so a new
// op is a new file there; backends find their kernel for it by overload on the struct (cpu/op_kernel.h,
// vulkan/planner.h).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "runtime/tensor.h"

namespace vkg {

using Shape = std::vector<int64_t>;

// The inputs of a node being added to a graph, with checks that throw an error naming the node, the op, the
// input and expected vs. got.
class OpShapeCheck {
 public:
  OpShapeCheck(const std::string& node, const char* op, const std::vector<const TensorDesc*>& inputs)
      : node_(node), op_(op), inputs_(inputs) {}

  const TensorDesc& in(size_t i) const { return *inputs_[i]; }
  [[noreturn]] void fail(const std::string& what) const;

  void expect_cols(size_t input, int64_t cols) const;        // the input's rows have `cols` values
  void expect_same_shape(size_t a, size_t b) const;          // inputs a and b have one shape
  void expect_positions(size_t input, int64_t rows) const;   // i32 vector, one entry per row
  void expect_heads(size_t input, int head_dim) const;       // rows are whole heads of an even head_dim
  void expect_group(size_t input, size_t weight) const;      // the weight's size divides the input's rows
  void expect_row_weight(size_t input, size_t weight) const; // the weight has one value per column of the input
  void expect_sequences(size_t cache, int sequences) const;  // sequences >= 1 divides the cache's rows

 private:
  const std::string& node_;
  const char* op_;
  const std::vector<const TensorDesc*>& inputs_;
};

// "1e-06", "10000": floats as `vkgemma graph` prints them.
std::string format_param(float v);

}  // namespace vkg
