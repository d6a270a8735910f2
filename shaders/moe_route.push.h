// The push constants of moe_route.comp.
#ifndef VKG_PUSH_MOE_ROUTE_H
#define VKG_PUSH_MOE_ROUTE_H
#include "include/push_prelude.h"

VKG_PUSH(MoeRoute, VKG_U(rows) VKG_U(n_experts) VKG_U(k) VKG_F(logit_scale))

#endif  // VKG_PUSH_MOE_ROUTE_H
