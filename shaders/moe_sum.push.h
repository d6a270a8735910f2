// The push constants of moe_sum.comp.
#ifndef VKG_PUSH_MOE_SUM_H
#define VKG_PUSH_MOE_SUM_H
#include "include/push_prelude.h"

VKG_PUSH(MoeSum, VKG_U(n) VKG_U(cols) VKG_U(k))

#endif  // VKG_PUSH_MOE_SUM_H
