#include "runtime/vulkan/planner.h"
#include "shaders/kv_store.push.h"

namespace vkg::vk {


std::vector<Dispatch> plan_op(const KvStoreParams&, PlanContext& c) {
  const TensorDesc& x = c.desc(0);
  return {c.dispatch(shader_key(Shader::kv_store), {c.in(0), c.in(1), c.out()}, push::KvStore{.rows = u32(x.rows()), .cols = u32(x.cols()), .capacity = u32(c.out_desc().rows())},
                     u32(x.rows()))};
}
}  // namespace vkg::vk
