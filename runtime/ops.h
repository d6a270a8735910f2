// The op set. Each op is one header in runtime/ops/ (its parameters, input names, shape rules: op_def.h says
// what an entry holds); the build collects them into `enum class Op` and the OpParams variant (op_list.h,
// generated). Backends find their kernel for a node by visiting node.params: nothing switches on the op.
#pragma once
#include <string>
#include <vector>

#include "op_list.h"  // generated into the build tree by cmake/op_table.cmake
#include "runtime/tensor.h"

namespace vkg {

constexpr size_t kOpCount = static_cast<size_t>(Op::count_);
static_assert(std::variant_size_v<OpParams> == kOpCount, "one params struct per op");

struct OpInfo {
  Op op;
  const char* name;
  std::vector<const char*> inputs;
  int typed_by = -1;  // the input whose dtype picks the kernel (matmul's weight), or -1
};
const OpInfo& op_info(Op op);
inline const char* op_name(Op op) { return op_info(op).name; }

// The op whose parameters these are (the variant's alternative index is the enum value).
inline Op op_of(const OpParams& p) { return static_cast<Op>(p.index()); }

struct Node {
  std::string name;  // readable, e.g. "blk.7.attn": used by `vkgemma graph`, debug labels, profiles, errors
  std::vector<TensorId> inputs;
  TensorId output = kNoTensor;
  OpParams params;  // its alternative is the op
  Op op() const { return op_of(params); }
};

// Shape of a node's output given its inputs; throws naming the node, the input and expected vs. got.
std::vector<int64_t> infer_output_shape(const Node& node, const std::vector<const TensorDesc*>& inputs);

std::string params_string(const OpParams& p);

}  // namespace vkg
