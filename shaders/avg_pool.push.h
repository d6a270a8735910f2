// The push constants of avg_pool.comp.
#ifndef VKG_PUSH_AVG_POOL_H
#define VKG_PUSH_AVG_POOL_H
#include "include/push_prelude.h"

VKG_PUSH(AvgPool, VKG_U(cols) VKG_U(side) VKG_U(kernel))

#endif  // VKG_PUSH_AVG_POOL_H
