// The push constants of quantize_pairs.comp.
#ifndef VKG_PUSH_QUANTIZE_PAIRS_H
#define VKG_PUSH_QUANTIZE_PAIRS_H
#include "include/push_prelude.h"

VKG_PUSH(QuantizePairs, VKG_U(K) VKG_U(n_tokens))

#endif  // VKG_PUSH_QUANTIZE_PAIRS_H
