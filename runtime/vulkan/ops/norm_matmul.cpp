#include "runtime/vulkan/planner.h"

namespace vkg::vk {

// Decode: one dispatch of a kernel that norms its input row itself (matmul_lanes.comp NORM on CPU
// devices, matmul.comp NORM on GPUs). Prompts, and kernels without a NORM variant: the rows normed into scratch
// (rms_norm's shaders), then the product reads them.
std::vector<Dispatch> plan_op(const NormMatmulParams& p, PlanContext& c) {
  std::vector<Dispatch> fused = plan_matmul(c, {c.in(0), 2, nullptr, c.in(1), p.eps});
  if (!fused.empty()) return fused;
  const TensorDesc& x = c.desc(0);
  const Buffer* normed = c.scratch(Scratch::normed, static_cast<uint64_t>(x.elements()) * 4);
  if (!normed) return plan_matmul(c, {c.in(0), 2, nullptr});  // the sizing pass: any plan of the right shape
  std::vector<Dispatch> out = plan_rms_norm(c, p.eps, false, normed);
  out.back().writes = {normed};
  std::vector<Dispatch> product = plan_matmul(c, {normed, 2, nullptr});
  out.insert(out.end(), std::make_move_iterator(product.begin()), std::make_move_iterator(product.end()));
  return out;
}

}  // namespace vkg::vk
