#include "runtime/vulkan/planner.h"
#include "shaders/matmul_expert.push.h"

namespace vkg::vk {

constexpr uint32_t kExpertRowsPerGroup = 8;  // matmul_expert.comp's ROWS_PER_WG

// One dispatch per weight chunk over the same grid, (rows / 8) x (tokens * k): each writes the rows its chunk
// holds (disjoint parts of the output; see matmul_expert.comp). The expert ids stay on the device.
std::vector<Dispatch> plan_op(const MatmulExpertParams& p, PlanContext& c) {
  const TensorDesc& w = c.desc(1);
  const int64_t items = c.out_desc().rows();
  push::MatmulExpert push{.K = u32(w.cols()), .rows = u32(p.rows), .row_offset = u32(p.row_offset),
                          .expert_rows = u32(w.rows() / p.n_experts), .n_experts = u32(p.n_experts), .k = u32(p.k),
                          .x_per_slot = c.desc(0).rows() == items ? 1u : 0u, .chunk_begin = 0, .chunk_rows = 0,
                          .row_bytes = 0, .interleave_shift = 0};
  const ShaderKey shader = shader_key(Shader::matmul_expert, w.dtype);
  std::vector<Dispatch> out;
  for (const WeightChunk& chunk : c.weight_chunks(1)) {
    push.chunk_begin = u32(chunk.row_begin);
    push.chunk_rows = u32(chunk.rows);
    push.row_bytes = chunk.row_stride;
    push.interleave_shift = chunk.interleave_shift;
    out.push_back(c.dispatch(shader, {c.in(0), chunk.buffer.get(), c.in(2), c.out()}, push,
                             ceil_div(p.rows, kExpertRowsPerGroup), u32(items)));
  }
  return out;
}

}  // namespace vkg::vk
