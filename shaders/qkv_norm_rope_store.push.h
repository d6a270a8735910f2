// The push constants of qkv_norm_rope_store.comp (capacity and sequences: the caches' rings; v_norm 0 or 1).
#ifndef VKG_PUSH_QKV_NORM_ROPE_STORE_H
#define VKG_PUSH_QKV_NORM_ROPE_STORE_H
#include "include/push_prelude.h"

VKG_PUSH(QkvNormRopeStore, VKG_U(rows) VKG_U(q_cols) VKG_U(kv_cols) VKG_U(head_dim) VKG_F(freq_scale) VKG_F(eps)
                           VKG_U(capacity) VKG_U(sequences) VKG_U(v_norm))

#endif  // VKG_PUSH_QKV_NORM_ROPE_STORE_H
