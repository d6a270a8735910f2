// The push constants of to_fp16.comp.
#ifndef VKG_PUSH_TO_FP16_H
#define VKG_PUSH_TO_FP16_H
#include "include/push_prelude.h"

VKG_PUSH(ToFp16, VKG_U(K) VKG_U(n_tokens))

#endif  // VKG_PUSH_TO_FP16_H
