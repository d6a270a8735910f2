// The push constants of matmul.comp and matmul_rows.comp.
#ifndef VKG_PUSH_MATMUL_H
#define VKG_PUSH_MATMUL_H
#include "include/push_prelude.h"

// norm_eps: the NORM variants' rms_norm epsilon (norm_matmul), else unused.
VKG_PUSH(Matmul, VKG_U(K) VKG_U(rows) VKG_U(row_offset) VKG_U(out_stride) VKG_U(n_tokens) VKG_U(row_bytes)
                 VKG_F(norm_eps) VKG_U(interleave_shift))

#endif  // VKG_PUSH_MATMUL_H
