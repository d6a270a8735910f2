// The push constants of add.comp.
#ifndef VKG_PUSH_ADD_H
#define VKG_PUSH_ADD_H
#include "include/push_prelude.h"

VKG_PUSH(Add, VKG_U(n) VKG_U(b_n))

#endif  // VKG_PUSH_ADD_H
