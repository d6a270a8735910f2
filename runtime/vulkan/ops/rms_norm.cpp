#include "runtime/vulkan/planner.h"
#include "shaders/rms_norm.push.h"

namespace vkg::vk {


std::vector<Dispatch> plan_rms_norm(PlanContext& c, float eps, bool add_residual, const Buffer* out) {
  return plan_rms_norm_of(c, eps, c.in(0), c.desc(0).elements(), 1, add_residual ? c.in(2) : nullptr,
                          out ? out : c.out());
}

std::vector<Dispatch> plan_rms_norm_of(PlanContext& c, float eps, const Buffer* x, int64_t elements, size_t weight,
                                       const Buffer* residual, const Buffer* out) {
  const bool add_residual = residual != nullptr;
  const TensorDesc& w = c.desc(weight);
  const int64_t groups = elements / w.elements();
  // CPU devices: one subgroup per group, texel reads (see rms_norm.comp).
  const ShaderKey texel_key = shader_key(Shader::rms_norm, ShaderFeature::texel | (add_residual ? ShaderFeature::residual : 0u));
  const uint32_t workgroup = c.workgroup_size(texel_key);
  const bool texel = c.subgroup_texels(workgroup) && w.elements() % 4 == 0 && c.fits_texels(x) &&
                     c.fits_texels(c.in(weight)) && (!add_residual || c.fits_texels(residual)) && c.fits_texels(out);
  std::vector<const Buffer*> buffers = {x, c.in(weight)};
  if (add_residual) buffers.push_back(residual);
  buffers.push_back(out);
  const uint32_t subgroup = c.device().subgroup_size;
  const ShaderKey plain_key = shader_key(Shader::rms_norm, add_residual ? ShaderFeature::residual : 0u);
  return {c.dispatch(texel ? texel_key : plain_key, buffers,
                     push::RmsNorm{.group = u32(w.elements()), .n_groups = u32(groups), .eps = eps},
                     texel ? ceil_div(groups, workgroup / subgroup) : u32(groups))};
}

std::vector<Dispatch> plan_op(const RmsNormParams& p, PlanContext& c) { return plan_rms_norm(c, p.eps, false); }
}  // namespace vkg::vk
