// The weights on the device, uploaded on first use and kept: matmul and embedding weights in their stored type,
// split by rows so each chunk fits one binding; small weights that shaders read as fp32 (norm scales) expanded
// once; RoPE's inverse-frequency tables. A step that fails half-way takes back what it added (mark/rollback).
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "runtime/tensor.h"
#include "runtime/vulkan/planner.h"
#include "runtime/vulkan/transfer.h"

namespace vkg::vk {

class WeightStore {
 public:
  // on_upload: told the bytes of each weight as it is uploaded (load progress). lane_rows: the device runs
  // matmul_lanes.comp's rows-per-lane kernels (CPU devices), whose lanes each read their own row: there the rows
  // of the block types they take are padded to whole 16-byte texels and interleaved texel by texel in groups of
  // 8 rows (texel k of row r at ((r / 8) * row_texels + k) * 8 + r % 8), so 8 lanes reading texel k of 8
  // consecutive rows read 128 contiguous bytes and a subgroup's reads are a few sequential streams
  // (shaders/include/wt_rows.glsl; Q8_0 matrix-vector product x2 on lavapipe). WeightChunk::row_stride and
  // ::interleave_shift say which layout a chunk has; every shader that reads weight chunks maps it.
  WeightStore(const Context& ctx, const Transfer& transfer, std::function<void(uint64_t)> on_upload, bool lane_rows)
      : ctx_(ctx), transfer_(transfer), on_upload_(std::move(on_upload)), lane_rows_(lane_rows) {}

  const std::vector<WeightChunk>& chunks(const TensorDesc& t);
  // Bytes from a row of t to the next on the device (row_bytes, or padded to whole texels), and its rows'
  // interleave (WeightChunk::interleave_shift).
  int64_t row_stride(const TensorDesc& t) const;
  uint32_t interleave_shift(const TensorDesc& t) const;
  const Buffer& f32(const TensorDesc& t);
  const Buffer& rope_inv_freq(const RopeParams& rope);
  // Whether the tensor's bytes are already on the device.
  bool holds(const void* data) const { return chunks_.count(data) || f32_.count(data); }
  uint64_t bytes() const;  // everything uploaded (weights, fp32 expansions, RoPE tables)

  struct Mark {
    std::set<const void*> chunks, f32;
    std::set<std::tuple<int, float, int>> tables;
  };
  Mark mark() const;
  void rollback(const Mark& m);  // frees what was added since `m`

 private:
  const Context& ctx_;
  const Transfer& transfer_;
  std::function<void(uint64_t)> on_upload_;
  bool lane_rows_ = false;
  std::map<const void*, std::vector<WeightChunk>> chunks_;
  std::map<const void*, std::unique_ptr<Buffer>> f32_;
  std::map<std::tuple<int, float, int>, std::unique_ptr<Buffer>> tables_;  // RoPE tables by head_dim, theta, pairs
};

}  // namespace vkg::vk
