#include "runtime/vulkan/planner.h"
#include "shaders/slice_cols.push.h"

namespace vkg::vk {

std::vector<Dispatch> plan_op(const SliceColsParams& p, PlanContext& c) {
  const int64_t n = c.out_desc().elements();
  return {c.dispatch(shader_key(Shader::slice_cols), {c.in(0), c.out()},
                     push::SliceCols{.n = u32(n), .cols = u32(c.desc(0).cols()), .offset = u32(p.offset),
                                     .width = u32(p.width)},
                     ceil_div(n, 256))};
}

}  // namespace vkg::vk
