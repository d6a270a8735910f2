// The push constants of matmul.comp and matmul_rows.comp.
#ifndef VKG_PUSH_MATMUL_H
#define VKG_PUSH_MATMUL_H
#include "include/push_prelude.h"

VKG_PUSH(Matmul, VKG_U(K) VKG_U(rows) VKG_U(row_offset) VKG_U(out_stride) VKG_U(n_tokens) VKG_U(row_bytes))

#endif  // VKG_PUSH_MATMUL_H
