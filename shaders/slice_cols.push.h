// The push constants of slice_cols.comp (n: output values; cols: the input's row length).
#ifndef VKG_PUSH_SLICE_COLS_H
#define VKG_PUSH_SLICE_COLS_H
#include "include/push_prelude.h"

VKG_PUSH(SliceCols, VKG_U(n) VKG_U(cols) VKG_U(offset) VKG_U(width))

#endif  // VKG_PUSH_SLICE_COLS_H
