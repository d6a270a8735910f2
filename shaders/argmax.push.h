// The push constants of argmax.comp.
#ifndef VKG_PUSH_ARGMAX_H
#define VKG_PUSH_ARGMAX_H
#include "include/push_prelude.h"

VKG_PUSH(Argmax, VKG_U(rows) VKG_U(cols) VKG_U(counter_base))  // counter_base: SPLIT's first counter word

#endif  // VKG_PUSH_ARGMAX_H
