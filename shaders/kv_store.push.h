// The push constants of kv_store.comp.
#ifndef VKG_PUSH_KV_STORE_H
#define VKG_PUSH_KV_STORE_H
#include "include/push_prelude.h"

VKG_PUSH(KvStore, VKG_U(rows) VKG_U(cols) VKG_U(capacity) VKG_U(sequences))

#endif  // VKG_PUSH_KV_STORE_H
