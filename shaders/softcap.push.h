// The push constants of softcap.comp.
#ifndef VKG_PUSH_SOFTCAP_H
#define VKG_PUSH_SOFTCAP_H
#include "include/push_prelude.h"

VKG_PUSH(Softcap, VKG_U(n) VKG_F(cap))

#endif  // VKG_PUSH_SOFTCAP_H
