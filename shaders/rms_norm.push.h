// The push constants of rms_norm.comp.
#ifndef VKG_PUSH_RMS_NORM_H
#define VKG_PUSH_RMS_NORM_H
#include "include/push_prelude.h"

VKG_PUSH(RmsNorm, VKG_U(group) VKG_U(n_groups) VKG_F(eps))

#endif  // VKG_PUSH_RMS_NORM_H
