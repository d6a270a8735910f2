#include "runtime/vulkan/planner.h"
#include "shaders/kv_store.push.h"

namespace vkg::vk {


std::vector<Dispatch> plan_op(const KvStoreParams& p, PlanContext& c) {
  const TensorDesc& x = c.desc(0);
  const push::KvStore push{.rows = u32(x.rows()), .cols = u32(x.cols()),
                           .capacity = u32(c.out_desc().rows() / p.sequences), .sequences = u32(p.sequences)};
  return {c.dispatch(shader_key(Shader::kv_store), {c.in(0), c.in(1), c.out(), c.in(3)}, push, u32(x.rows()))};
}
}  // namespace vkg::vk
