#include "runtime/vulkan/planner.h"
#include "shaders/argmax.push.h"

namespace vkg::vk {

namespace {
constexpr int64_t kArgmaxSlice = 4096;  // shaders/argmax.comp SLICE: columns per workgroup of the SPLIT variant
}  // namespace

// One workgroup per row; on GPUs, rows of more than two slices split over workgroups of a slice each (argmax.comp
// SPLIT: a Gemma vocabulary's 262144 logits in 64 workgroups, the last to finish merging their maxima).
std::vector<Dispatch> plan_op(const ArgmaxParams&, PlanContext& c) {
  const TensorDesc& x = c.desc(0);
  const uint32_t rows = u32(x.rows()), cols = u32(x.cols());
  if (!c.cpu_shaders() && x.cols() > 2 * kArgmaxSlice && x.rows() <= kMaxGroups) {
    const uint32_t slices = u32(ceil_div(x.cols(), kArgmaxSlice));
    const Buffer* partials = c.scratch(Scratch::argmax_partials, uint64_t{rows} * slices * 8);
    const Buffer* counters = c.scratch(Scratch::counters, (uint64_t{kArgmaxCounterBase} + rows) * 4);
    if (partials && counters) {  // else the sizing pass: the plan below has the same shape
      Dispatch d = c.dispatch(shader_key(Shader::argmax, ShaderFeature::split), {c.in(0), c.out(), partials, counters},
                              push::Argmax{.rows = rows, .cols = cols, .counter_base = kArgmaxCounterBase}, slices, rows);
      d.writes = {partials, counters};
      return {std::move(d)};
    }
  }
  const bool texel = c.cpu_shaders() && x.cols() % 4 == 0 && c.fits_texels(c.in(0));  // see argmax.comp
  return {c.dispatch(shader_key(Shader::argmax, texel ? ShaderFeature::texel : 0u), {c.in(0), c.out()},
                     push::Argmax{.rows = rows, .cols = cols, .counter_base = 0}, rows)};
}
}  // namespace vkg::vk
