// The push constants of gelu_mul.comp.
#ifndef VKG_PUSH_GELU_MUL_H
#define VKG_PUSH_GELU_MUL_H
#include "include/push_prelude.h"

VKG_PUSH(GeluMul, VKG_U(n))

#endif  // VKG_PUSH_GELU_MUL_H
