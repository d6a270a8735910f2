// The push constants of replace_rows.comp.
#ifndef VKG_PUSH_REPLACE_ROWS_H
#define VKG_PUSH_REPLACE_ROWS_H
#include "include/push_prelude.h"

VKG_PUSH(ReplaceRows, VKG_U(n) VKG_U(cols))

#endif  // VKG_PUSH_REPLACE_ROWS_H
