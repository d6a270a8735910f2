#include "runtime/cpu/packed_weights.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "runtime/quant/blocks.h"

namespace vkg::cpu {

// The named offsets against the blocks they hold.
static_assert(PackedQ4_K::quants + 4 * 256 == PackedQ4_K::bytes && PackedQ4_K::mins + 64 == PackedQ4_K::quants &&
                  PackedQ4_K::bytes == kPackedRows * int64_t{sizeof(block_q4_K)} + 32,
              "packed Q4_K: 8 rows' 1152 bytes plus the scales and mins as bytes");
static_assert(PackedQ6_K::quants + 16 * 96 == PackedQ6_K::bytes &&
                  PackedQ6_K::bytes == kPackedRows * int64_t{sizeof(block_q6_K)},
              "packed Q6_K: the 8 rows' bytes");

int64_t packed_block_bytes(DType type) {
  switch (type) {
    case DType::Q4_0: return kPackedRows * int64_t{sizeof(block_q4_0)};
    case DType::Q5_0: return kPackedRows * int64_t{sizeof(block_q5_0)};
    case DType::Q8_0: return kPackedRows * int64_t{sizeof(block_q8_0)};
    case DType::Q4_K: return PackedQ4_K::bytes;
    case DType::Q6_K: return PackedQ6_K::bytes;
    case DType::F16:
    case DType::BF16: return kPackedRows * 32 * 2;
    default: throw std::invalid_argument(std::string("packed weights: no packed layout for ") + dtype_name(type));
  }
}

int64_t packed_block_values(DType type) { return std::max<int64_t>(32, dtype_info(type).block_elems); }

int64_t packed_group_bytes(DType type, int64_t K) { return K / packed_block_values(type) * packed_block_bytes(type); }

// One packed block from the 8 rows' blocks (src[j]: row j's block, in the tensor's layout).
static void pack_block_q4_K(const uint8_t* const (&src)[kPackedRows], uint8_t* dst) {
  for (int j = 0; j < kPackedRows; ++j) {
    std::memcpy(dst + PackedQ4_K::d + 2 * j, src[j] + offsetof(block_q4_K, d), 2);
    std::memcpy(dst + PackedQ4_K::dmin + 2 * j, src[j] + offsetof(block_q4_K, dmin), 2);
    for (int s = 0; s < 8; ++s) {
      uint8_t sc, m;
      get_scale_min_k4(s, src[j] + offsetof(block_q4_K, scales), &sc, &m);
      dst[PackedQ4_K::scales + 8 * s + j] = sc;
      dst[PackedQ4_K::mins + 8 * s + j] = m;
    }
  }
  for (int c = 0; c < 4; ++c)
    for (int k = 0; k < 8; ++k)
      for (int j = 0; j < kPackedRows; ++j)
        std::memcpy(dst + PackedQ4_K::quants + 256 * c + 32 * k + 4 * j,
                    src[j] + offsetof(block_q4_K, qs) + 32 * c + 4 * k, 4);
}

static void pack_block_q6_K(const uint8_t* const (&src)[kPackedRows], uint8_t* dst) {
  for (int j = 0; j < kPackedRows; ++j) {
    std::memcpy(dst + PackedQ6_K::d + 2 * j, src[j] + offsetof(block_q6_K, d), 2);
    for (int s = 0; s < 16; ++s) dst[PackedQ6_K::scales + 8 * s + j] = src[j][offsetof(block_q6_K, scales) + s];
    for (int h = 0; h < 2; ++h)
      for (int k = 0; k < 8; ++k) {  // the kernel's order: 3 vectors per 4 values of each of 4 sub-blocks
        uint8_t* v = dst + PackedQ6_K::quants + 96 * (8 * h + k) + 4 * j;
        std::memcpy(v, src[j] + offsetof(block_q6_K, ql) + 64 * h + 4 * k, 4);
        std::memcpy(v + 32, src[j] + offsetof(block_q6_K, ql) + 64 * h + 32 + 4 * k, 4);
        std::memcpy(v + 64, src[j] + offsetof(block_q6_K, qh) + 32 * h + 4 * k, 4);
      }
  }
}

static void pack_block(DType type, const uint8_t* const (&src)[kPackedRows], uint8_t* dst) {
  if (type == DType::Q4_K) return pack_block_q4_K(src, dst);
  if (type == DType::Q6_K) return pack_block_q6_K(src, dst);
  if (type == DType::F16 || type == DType::BF16) {  // 4 values (8 bytes) of each row per 64-byte chunk
    for (int c = 0; c < 8; ++c)
      for (int j = 0; j < kPackedRows; ++j) std::memcpy(dst + 64 * c + 8 * j, src[j] + 8 * c, 8);
    return;
  }
  for (int j = 0; j < kPackedRows; ++j) std::memcpy(dst + 2 * j, src[j], 2);  // d: the first field of each type
  dst += kPackedScalesBytes;
  if (type == DType::Q8_0) {
    for (int k = 0; k < 8; ++k)
      for (int j = 0; j < kPackedRows; ++j)
        for (int m = 0; m < 4; ++m) {
          const auto q = static_cast<int8_t>(src[j][offsetof(block_q8_0, qs) + 4 * k + m]);
          dst[32 * k + 4 * j + m] = static_cast<uint8_t>(q + 128);
        }
    return;
  }
  const size_t qs = type == DType::Q5_0 ? offsetof(block_q5_0, qs) : offsetof(block_q4_0, qs);
  if (type == DType::Q5_0) {
    for (int k = 0; k < 4; ++k) {
      uint32_t lo = 0, hi = 0;
      for (int j = 0; j < kPackedRows; ++j) {
        uint32_t h;
        std::memcpy(&h, src[j] + offsetof(block_q5_0, qh), 4);
        lo |= ((h >> (4 * k)) & 0xF) << (4 * j);
        hi |= ((h >> (16 + 4 * k)) & 0xF) << (4 * j);
      }
      std::memcpy(dst + 8 * k, &lo, 4);  // little-endian, as the tensor's own qh
      std::memcpy(dst + 8 * k + 4, &hi, 4);
    }
    dst += 32;
  }
  for (int k = 0; k < 4; ++k)
    for (int j = 0; j < kPackedRows; ++j) std::memcpy(dst + 32 * k + 4 * j, src[j] + qs + 4 * k, 4);
}

PackedWeights pack_weights(const TensorDesc& w, ThreadPool* pool) {
  PackedWeights p;
  p.type = w.dtype;
  p.K = w.cols();
  const int64_t block_elems = packed_block_values(w.dtype);
  if (p.K % block_elems != 0)
    throw std::invalid_argument("packed weights: '" + w.name + "' has rows of " + std::to_string(p.K) +
                                " values, not whole blocks of " + std::to_string(block_elems));
  p.groups = w.rows() / kPackedRows;
  const int64_t nb = p.K / block_elems, block = row_bytes(w.dtype, block_elems);
  const int64_t stride = row_bytes(w.dtype, p.K), packed = packed_block_bytes(w.dtype);
  p.data = LargeBuffer(static_cast<size_t>(p.groups * nb * packed));
  const auto* base = static_cast<const uint8_t*>(w.data);
  uint8_t* out = p.data.data();
  auto pack_groups = [&](int64_t g0, int64_t g1) {
    for (int64_t g = g0; g < g1; ++g)
      for (int64_t b = 0; b < nb; ++b) {
        const uint8_t* src[kPackedRows];
        for (int j = 0; j < kPackedRows; ++j) src[j] = base + (g * kPackedRows + j) * stride + b * block;
        pack_block(w.dtype, src, out + (g * nb + b) * packed);
      }
  };
  // In slices of 8 MB of the tensor, each slice's file pages released as soon as it is packed: packing the
  // 270M model's 170 MB embedding table in one go held it twice (file pages and packs), +170 MB of peak.
  const int64_t slice = std::max<int64_t>(1, (int64_t(8) << 20) / std::max<int64_t>(1, kPackedRows * stride));
  for (int64_t g0 = 0; g0 < p.groups; g0 += slice) {
    const int64_t g1 = std::min(p.groups, g0 + slice);
    if (pool)
      pool->parallel_for(g1 - g0, [&](int64_t a, int64_t b) { pack_groups(g0 + a, g0 + b); });
    else
      pack_groups(g0, g1);
    if (w.file_backed)
      release_file_pages(base + g0 * kPackedRows * stride, static_cast<size_t>((g1 - g0) * kPackedRows * stride));
  }
  return p;
}

}  // namespace vkg::cpu
