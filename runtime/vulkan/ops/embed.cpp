#include "runtime/vulkan/planner.h"
#include "shaders/embed.push.h"

namespace vkg::vk {


std::vector<Dispatch> plan_op(const EmbedParams& p, PlanContext& c) {
  const TensorDesc& ids = c.desc(0);
  const TensorDesc& table = c.desc(1);
  const ShaderKey shader = shader_key(Shader::embed, table.dtype);
  std::vector<Dispatch> out;
  for (const WeightChunk& chunk : c.weight_chunks(1))
    out.push_back(c.dispatch(shader, {c.in(0), chunk.buffer.get(), c.out()},
                             push::Embed{.H = u32(table.cols()), .row_begin = u32(chunk.row_begin), .row_count = u32(chunk.rows),
                                          .n_tokens = u32(ids.elements()),
                                          .row_bytes = chunk.row_stride, .scale = p.scale,
                                          .interleave_shift = chunk.interleave_shift},
                             u32(ids.elements())));
  return out;
}
}  // namespace vkg::vk
