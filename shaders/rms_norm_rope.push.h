// The push constants of rms_norm_rope.comp (capacity and sequences: the cache's rings, read by STORE).
#ifndef VKG_PUSH_RMS_NORM_ROPE_H
#define VKG_PUSH_RMS_NORM_ROPE_H
#include "include/push_prelude.h"

VKG_PUSH(RmsNormRope, VKG_U(rows) VKG_U(cols) VKG_U(head_dim) VKG_F(freq_scale) VKG_F(eps) VKG_U(capacity) VKG_U(sequences))

#endif  // VKG_PUSH_RMS_NORM_ROPE_H
