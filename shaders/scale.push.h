// The push constants of scale.comp.
#ifndef VKG_PUSH_SCALE_H
#define VKG_PUSH_SCALE_H
#include "include/push_prelude.h"

VKG_PUSH(Scale, VKG_U(n) VKG_F(factor))

#endif  // VKG_PUSH_SCALE_H
