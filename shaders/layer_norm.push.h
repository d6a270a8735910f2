// The push constants of layer_norm.comp.
#ifndef VKG_PUSH_LAYER_NORM_H
#define VKG_PUSH_LAYER_NORM_H
#include "include/push_prelude.h"

VKG_PUSH(LayerNorm, VKG_U(cols) VKG_U(rows) VKG_F(eps))

#endif  // VKG_PUSH_LAYER_NORM_H
