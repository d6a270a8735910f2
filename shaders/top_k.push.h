// The push constants of top_k.comp.
#ifndef VKG_PUSH_TOP_K_H
#define VKG_PUSH_TOP_K_H
#include "include/push_prelude.h"

VKG_PUSH(TopK, VKG_U(rows) VKG_U(cols) VKG_U(k))

#endif  // VKG_PUSH_TOP_K_H
