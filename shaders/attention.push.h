// The push constants of attention.comp, attention_rows.comp and attention_flash.comp.
#ifndef VKG_PUSH_ATTENTION_H
#define VKG_PUSH_ATTENTION_H
#include "include/push_prelude.h"

VKG_PUSH(Attention,
         VKG_U(rows) VKG_U(n_head) VKG_U(n_kv_head) VKG_U(head_dim)
         VKG_U(capacity) VKG_F(scale) VKG_F(softcap) VKG_I(window) VKG_U(sequences)
         VKG_U(split_keys))  // attention.comp SPLIT_KEYS: keys per chunk

#endif  // VKG_PUSH_ATTENTION_H
