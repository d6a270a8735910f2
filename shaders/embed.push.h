// The push constants of embed.comp.
#ifndef VKG_PUSH_EMBED_H
#define VKG_PUSH_EMBED_H
#include "include/push_prelude.h"

VKG_PUSH(Embed, VKG_U(H) VKG_U(row_begin) VKG_U(row_count) VKG_U(n_tokens) VKG_U(row_bytes) VKG_F(scale)
                VKG_U(interleave_shift))

#endif  // VKG_PUSH_EMBED_H
