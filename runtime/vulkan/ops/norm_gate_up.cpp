#include "runtime/vulkan/planner.h"

namespace vkg::vk {

// Decode: one dispatch (matmul_lanes.comp NORM,GATE_UP on CPU devices: each lane a gate row and its up
// row; matmul.comp NORM GATE_UP on GPUs: each workgroup 8 gate rows and their up rows), the input normed in the
// kernel. Prompts: the rows normed into scratch (rms_norm's shaders), the gate product into scratch, then the up
// product with the GeGLU epilogue reading it: the three ops it replaces.
std::vector<Dispatch> plan_op(const NormGateUpParams& p, PlanContext& c) {
  std::vector<Dispatch> fused = plan_matmul(c, {c.in(0), 2, nullptr, c.in(1), p.eps, 3});
  if (!fused.empty()) return fused;
  const TensorDesc& x = c.desc(0);
  const Buffer* normed = c.scratch(Scratch::normed, static_cast<uint64_t>(x.elements()) * 4);
  const Buffer* gate = c.scratch(Scratch::gate, static_cast<uint64_t>(x.rows() * c.desc(2).rows()) * 4);
  if (!normed || !gate) return plan_matmul(c, {c.in(0), 3, nullptr});  // the sizing pass: a plan of the right shape
  std::vector<Dispatch> out = plan_rms_norm(c, p.eps, false, normed);
  out.back().writes = {normed};
  for (MatmulOperands m : {MatmulOperands{normed, 2, nullptr, nullptr, 0.0f, 0, gate}, MatmulOperands{normed, 3, gate}}) {
    std::vector<Dispatch> product = plan_matmul(c, m);
    out.insert(out.end(), std::make_move_iterator(product.begin()), std::make_move_iterator(product.end()));
  }
  return out;
}

}  // namespace vkg::vk
