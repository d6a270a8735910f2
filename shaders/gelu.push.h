// The push constants of gelu.comp.
#ifndef VKG_PUSH_GELU_H
#define VKG_PUSH_GELU_H
#include "include/push_prelude.h"

VKG_PUSH(Gelu, VKG_U(n))

#endif  // VKG_PUSH_GELU_H
