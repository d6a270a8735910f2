#include "runtime/ops.h"

#include <array>
#include <iterator>
#include <stdexcept>
#include <utility>

namespace vkg {
namespace {

template <class P>
OpInfo info_of(Op op) {
  int typed_by = -1;
  if constexpr (requires { P::kTypedBy; }) typed_by = P::kTypedBy;
  return {op, P::kName, std::vector<const char*>(std::begin(P::kInputs), std::end(P::kInputs)), typed_by};
}

template <size_t... I>
std::array<OpInfo, kOpCount> make_table(std::index_sequence<I...>) {
  return {info_of<std::variant_alternative_t<I, OpParams>>(static_cast<Op>(I))...};
}

const std::array<OpInfo, kOpCount>& table() {
  static const std::array<OpInfo, kOpCount> t = make_table(std::make_index_sequence<kOpCount>());
  return t;
}

}  // namespace

const OpInfo& op_info(Op op) {
  if (static_cast<size_t>(op) >= kOpCount) throw std::logic_error("op_info: bad op");
  return table()[static_cast<size_t>(op)];
}

std::vector<int64_t> infer_output_shape(const Node& n, const std::vector<const TensorDesc*>& in) {
  const OpInfo& info = op_info(n.op());
  OpShapeCheck check(n.name, info.name, in);
  if (in.size() != info.inputs.size())
    check.fail("has " + std::to_string(in.size()) + " inputs, expected " + std::to_string(info.inputs.size()));
  return std::visit([&](const auto& p) { return p.output_shape(check); }, n.params);
}

std::string params_string(const OpParams& params) {
  return std::visit(
      [](const auto& p) -> std::string {
        if constexpr (requires { p.describe(); })
          return p.describe();
        else
          return "";
      },
      params);
}

}  // namespace vkg
