#include "runtime/vulkan/planner.h"
#include "shaders/rms_norm.push.h"

namespace vkg::vk {


std::vector<Dispatch> plan_rms_norm(PlanContext& c, float eps, bool add_residual, const Buffer* out) {
  if (!out) out = c.out();
  const TensorDesc& x = c.desc(0);
  const TensorDesc& w = c.desc(1);
  const int64_t groups = x.elements() / w.elements();
  // CPU devices: one subgroup per group, texel reads (see rms_norm.comp).
  const ShaderKey texel_key = shader_key(Shader::rms_norm, ShaderFeature::texel | (add_residual ? ShaderFeature::residual : 0u));
  const uint32_t workgroup = c.workgroup_size(texel_key);
  const bool texel = c.subgroup_texels(workgroup) && w.elements() % 4 == 0 && c.fits_texels(c.in(0)) &&
                     c.fits_texels(c.in(1)) && (!add_residual || c.fits_texels(c.in(2))) && c.fits_texels(out);
  std::vector<const Buffer*> buffers = {c.in(0), c.in(1)};
  if (add_residual) buffers.push_back(c.in(2));
  buffers.push_back(out);
  const uint32_t subgroup = c.device().subgroup_size;
  const ShaderKey plain_key = shader_key(Shader::rms_norm, add_residual ? ShaderFeature::residual : 0u);
  return {c.dispatch(texel ? texel_key : plain_key, buffers,
                     push::RmsNorm{.group = u32(w.elements()), .n_groups = u32(groups), .eps = eps},
                     texel ? ceil_div(groups, workgroup / subgroup) : u32(groups))};
}

std::vector<Dispatch> plan_op(const RmsNormParams& p, PlanContext& c) { return plan_rms_norm(c, p.eps, false); }
}  // namespace vkg::vk
