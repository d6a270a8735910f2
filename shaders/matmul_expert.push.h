// The push constants of matmul_expert.comp.
#ifndef VKG_PUSH_MATMUL_EXPERT_H
#define VKG_PUSH_MATMUL_EXPERT_H
#include "include/push_prelude.h"

VKG_PUSH(MatmulExpert, VKG_U(K) VKG_U(rows) VKG_U(row_offset) VKG_U(expert_rows) VKG_U(n_experts) VKG_U(k)
                       VKG_U(x_per_slot) VKG_U(chunk_begin) VKG_U(chunk_rows) VKG_U(row_bytes)
                       VKG_U(interleave_shift))

#endif  // VKG_PUSH_MATMUL_EXPERT_H
