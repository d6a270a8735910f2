// The push constants of attention_merge.comp.
#ifndef VKG_PUSH_ATTENTION_MERGE_H
#define VKG_PUSH_ATTENTION_MERGE_H
#include "include/push_prelude.h"

VKG_PUSH(AttentionMerge, VKG_U(items) VKG_U(head_dim) VKG_U(chunks))

#endif  // VKG_PUSH_ATTENTION_MERGE_H
