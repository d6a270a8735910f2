// The push constants of rope.comp (capacity: the cache ring's, read by STORE).
#ifndef VKG_PUSH_ROPE_H
#define VKG_PUSH_ROPE_H
#include "include/push_prelude.h"

VKG_PUSH(Rope, VKG_U(rows) VKG_U(cols) VKG_U(head_dim) VKG_F(freq_scale) VKG_U(capacity))

#endif  // VKG_PUSH_ROPE_H
