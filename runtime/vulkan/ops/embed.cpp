#include "runtime/vulkan/planner.h"

namespace vkg::vk {


std::vector<Dispatch> plan_op(const EmbedParams& p, PlanContext& c) {
  const TensorDesc& ids = c.desc(0);
  const TensorDesc& table = c.desc(1);
  const std::string shader = "embed_" + lower(dtype_name(table.dtype));
  std::vector<Dispatch> out;
  for (const WeightChunk& chunk : c.weight_chunks(1))
    out.push_back(c.dispatch(shader, {c.in(0), chunk.buffer.get(), c.out()},
                             {u32(table.cols()), u32(chunk.row_begin), u32(chunk.rows), u32(ids.elements()),
                              u32(row_bytes(table.dtype, table.cols())), f32_bits(p.scale)},
                             u32(ids.elements())));
  return out;
}
}  // namespace vkg::vk
