#include "runtime/vulkan/planner.h"

namespace vkg::vk {

// Decode (one token): one dispatch (matmul_lanes.comp NORM_ADD on CPU devices, matmul.comp NORM_ADD on
// GPUs), the product into scratch and the last workgroup norming it into the output with the residual.
// Otherwise (prompts, batched steps, chunked weights): the product into scratch, then rms_norm_add's shader
// reading it: the two ops it replaces.
std::vector<Dispatch> plan_op(const MatmulNormAddParams& p, PlanContext& c) {
  const TensorDesc& x = c.desc(0);
  const uint64_t bytes = static_cast<uint64_t>(x.rows() * c.desc(1).rows()) * 4;
  const Buffer* product = c.scratch(Scratch::product, bytes);
  const Buffer* counter = c.scratch(Scratch::counters, 16);
  if (!product || !counter) return plan_matmul(c, {c.in(0), 1, nullptr});  // the sizing pass: a plan of the right shape
  MatmulOperands fused{c.in(0), 1, nullptr, nullptr, p.eps, 0, product};
  fused.post_norm = c.in(2), fused.residual = c.in(3), fused.counter = counter;
  std::vector<Dispatch> out = plan_matmul(c, fused);
  if (!out.empty()) return out;
  out = plan_matmul(c, {c.in(0), 1, nullptr, nullptr, 0.0f, 0, product});
  std::vector<Dispatch> norm = plan_rms_norm_of(c, p.eps, product, x.rows() * c.desc(1).rows(), 2, c.in(3), c.out());
  out.insert(out.end(), std::make_move_iterator(norm.begin()), std::make_move_iterator(norm.end()));
  return out;
}

}  // namespace vkg::vk
