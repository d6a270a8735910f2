// Push constants, declared once for GLSL and C++. A shader's <stem>.push.h writes
//   VKG_PUSH(RmsNorm, VKG_U(group) VKG_U(n_groups) VKG_F(eps))
// which is the shader's push-constant block `p` in GLSL and `struct vkg::push::RmsNorm` in C++ (the planner
// fills it; PlanContext::dispatch checks its size against the layout reflected from the SPIR-V). Members are
// 32-bit scalars, so both sides lay them out at 4-byte steps.
#ifndef VKG_PUSH_PRELUDE_H
#define VKG_PUSH_PRELUDE_H

#ifdef __cplusplus
#include <cstdint>
#define VKG_U(name) std::uint32_t name;
#define VKG_I(name) std::int32_t name;
#define VKG_F(name) float name;
#define VKG_PUSH(Name, MEMBERS) \
  namespace vkg::push {         \
  struct Name {                 \
    MEMBERS                     \
  };                            \
  }
#else
#define VKG_U(name) uint name;
#define VKG_I(name) int name;
#define VKG_F(name) float name;
#define VKG_PUSH(Name, MEMBERS) layout(push_constant) uniform PushConstants { MEMBERS } p;
#endif

#endif  // VKG_PUSH_PRELUDE_H
