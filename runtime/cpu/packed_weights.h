// Weights repacked for the CPU fast path's row-group kernels (Q4_0, Q5_0, Q8_0, Q4_K, Q6_K, F16, BF16).
//
// Why: the tensor's own layout puts one row's 32-value block in a vector, so each block and token ends in a
// conversion, a scale and an add on one row's partial sums. Packed, a 32-byte vector holds 4 consecutive
// values of each of 8 rows, and one byte dot product against 4 activation bytes broadcast to every lane
// (vpdpbusd with a broadcast memory operand) adds to all 8 rows at once: after the block's 8 such products,
// lane j holds row j's exact block sum, and the conversion and scaling run once for 8 rows.
//
// Layout: the tensor's whole groups of 8 rows (rows 8g .. 8g+7), each group its blocks in order; a packed
// block of a group (packed_block_bytes) is
//   d      8 fp16 scales, row j at j                                        16 bytes
//   masks  Q5_0 only: the 5th bits, 4 pairs of 32-bit masks; pair k: bit 4j+m of the first = 5th bit of
//          row j's value 4k+m, of the second = of its value 16+4k+m                                32 bytes
//   quants Q4_0/Q5_0: 4 vectors; vector k, bytes 4j..4j+3 = row j's qs[4k..4k+3], so its low nibbles are
//          values 4k..4k+3 and its high nibbles values 16+4k..16+4k+3                   128 bytes
//          Q8_0: 8 vectors; vector k, bytes 4j..4j+3 = row j's values 4k..4k+3 plus 128 (unsigned bytes
//          for vpdpbusd; the 128 comes back as -128 * the activations' integer block sum)   256 bytes
// The same bytes as the rows' own blocks (144, 176, 272 = 8 x 18, 22, 34).
// Q4_K, a packed super-block of 256 values per row (1184 bytes, the rows' 1152 plus 32: the scales unpacked):
//   d, dmin  8 fp16 each                                                                           32 bytes
//   sc, m    the 6-bit sub-block scales, then mins, as bytes, [sub-block s][row j] (8 bytes: lanes by row)
//                                                                                             64 + 64 bytes
//   quants   4 chunks of 8 vectors; chunk c, vector k, bytes 4j..4j+3 = row j's qs[32c+4k .. +3]: low
//            nibbles are sub-block 2c's values 4k..4k+3, high nibbles sub-block 2c+1's            1024 bytes
// Q6_K, a packed super-block of 256 values per row (1680 bytes = 8 x 210):
//   d        8 fp16                                                                                16 bytes
//   sc       the int8 sub-block scales, [sub-block s][row j]                                       128 bytes
//   quants   16 triples of vectors, triple 8h+k (half h, k in [0, 8)): bytes 4j..4j+3 of its vectors are
//            row j's ql[64h+4k .. +3], ql[64h+32+4k .. +3] and qh[32h+4k .. +3]                 1536 bytes
// (so the tensor's unpacking, ql nibbles and qh bit pairs, applies to 8 rows per vector; triples in the
// order the kernel reads them: out of order, the loads of a block waited on memory, 3x slower decode).
// F16 / BF16, a packed block of 32 values per row (512 bytes = 8 x 64): 8 chunks of 64 bytes; chunk c, bytes
//   8j..8j+7 = row j's values 4c..4c+3. A 16-lane fp32 vector converted from half a chunk holds 4 values of
//   each of 4 rows, and the 4 matching activations broadcast to each 128-bit block multiply all 16 at once:
//   the sums stay in lanes by row (no horizontal sum per row and token as in a row's own layout, whose 16
//   lanes are one row's values), and each activation load serves 16 products (matmul_packed_float-inl.h).
// Rows after the last whole group are not packed: the kernels read them from the tensor.
#pragma once
#include <cstdint>

#include "runtime/cpu/thread_pool.h"
#include "runtime/platform/memory.h"
#include "runtime/tensor.h"

namespace vkg::cpu {

constexpr int kPackedRows = 8;

struct PackedWeights {
  DType type = DType::F32;
  int64_t groups = 0;  // whole groups of kPackedRows rows
  int64_t K = 0;       // values per row
  LargeBuffer data;   // zero-filled pages from the OS, filled by the packing threads
};

// Byte offsets inside one packed block, named for the packing and the kernels (the layouts above).
constexpr int64_t kPackedScalesBytes = 2 * kPackedRows;       // the 8 fp16 scales that start every packed block
constexpr int64_t kPackedQ5_0Quants = kPackedScalesBytes + 32;  // after Q5_0's 5th-bit masks
struct PackedQ4_K {
  static constexpr int64_t d = 0, dmin = 16, scales = 32, mins = 96, quants = 160, bytes = 1184;
};
struct PackedQ6_K {
  static constexpr int64_t d = 0, scales = 16, quants = 144, bytes = 1680;
};

// Bytes of one packed block (kPackedRows rows x the type's block: 32 values, 256 for Q4_K/Q6_K) of `type`.
int64_t packed_block_bytes(DType type);
// Values per row of one packed block: 32, or 256 for Q4_K/Q6_K.
int64_t packed_block_values(DType type);
// Bytes of one packed group (kPackedRows rows of K values).
int64_t packed_group_bytes(DType type, int64_t K);

// The whole 8-row groups of w (Q4_0, Q5_0, Q8_0, Q4_K, Q6_K, F16 or BF16), in the layout above; on the pool's threads
// if given (the first prompt packs every matrix: a 1B model's 800 MB). The packed rows of a file-backed w
// have their file pages released as they are packed (platform/memory.h release_file_pages).
PackedWeights pack_weights(const TensorDesc& w, ThreadPool* pool = nullptr);

}  // namespace vkg::cpu
