#include "runtime/vulkan/weight_store.h"

#include <algorithm>
#include <cmath>

#include "runtime/platform/memory.h"
#include "runtime/quant/quant.h"

namespace vkg::vk {

namespace {
constexpr uint32_t kInterleaveShift = 3;  // groups of 8 rows: a subgroup's 8 lanes on llvmpipe's 256-bit vectors
}  // namespace

int64_t WeightStore::row_stride(const TensorDesc& t) const {
  const int64_t rb = row_bytes(t.dtype, t.cols());
  return interleave_shift(t) ? (rb + 15) / 16 * 16 : rb;
}

uint32_t WeightStore::interleave_shift(const TensorDesc& t) const {
  return lane_rows_ && lane_rows_type(t.dtype) ? kInterleaveShift : 0;
}

// Big weights are split by rows: each chunk fits one binding (maxStorageBufferRange), one allocation, and a
// matmul dispatch grid (65535 groups of 8 rows).
const std::vector<WeightChunk>& WeightStore::chunks(const TensorDesc& t) {
  auto it = chunks_.find(t.data);
  if (it != chunks_.end()) return it->second;
  const int64_t rb = row_bytes(t.dtype, t.cols()), stride = row_stride(t);
  const uint32_t shift = interleave_shift(t);
  const int64_t group = int64_t(1) << shift;  // chunks hold whole groups of interleaved rows
  uint64_t limit = std::min<uint64_t>(ctx_.limits().maxStorageBufferRange, ctx_.info().max_allocation_bytes);
  limit = std::min<uint64_t>(limit, uint64_t(1) << 30) - 64;  // room for the buffer padding
  int64_t rows_per_chunk = std::min<int64_t>(static_cast<int64_t>(limit / static_cast<uint64_t>(stride)),
                                             int64_t(kMaxGroups) * kMatmulRowsPerGroup);
  rows_per_chunk = rows_per_chunk / group * group;
  if (rows_per_chunk < 1)
    throw std::runtime_error("vulkan: a row of weight '" + t.name + "' (" + std::to_string(rb) +
                             " bytes) exceeds the device's storage buffer range");
  std::vector<WeightChunk> chunks;
  for (int64_t begin = 0; begin < t.rows(); begin += rows_per_chunk) {
    WeightChunk c;
    c.row_begin = begin;
    c.rows = std::min(rows_per_chunk, t.rows() - begin);
    c.row_stride = static_cast<uint32_t>(stride);
    c.interleave_shift = shift;
    std::string name = t.name;
    if (t.rows() > rows_per_chunk) name += '[' + std::to_string(chunks.size()) + ']';
    // Interleaved: whole groups, and 16 texels more, as a window (3 texels) past a group's last row's end reads
    // into the next group's rows (garbage the decoders drop, but inside the buffer).
    const uint64_t bytes = rows_layout_bytes(uint64_t(c.rows), uint64_t(stride), shift) + (shift ? 16 * 16 : 0);
    c.buffer = std::make_unique<Buffer>(ctx_, bytes, name, false);
    transfer_.upload_rows(*c.buffer, static_cast<const uint8_t*>(t.data) + begin * rb, static_cast<uint64_t>(c.rows),
                          static_cast<uint64_t>(rb), static_cast<uint64_t>(stride), shift);
    if (on_upload_) on_upload_(static_cast<uint64_t>(c.rows * rb));
    chunks.push_back(std::move(c));
  }
  // The device holds the weight now (on a CPU-type device, in host memory too): the file's pages may go.
  if (t.file_backed) release_file_pages(t.data, static_cast<size_t>(t.rows() * rb));
  return chunks_.emplace(t.data, std::move(chunks)).first->second;
}

// Small weights that shaders read as fp32 (norm scales): expanded once on upload.
const Buffer& WeightStore::f32(const TensorDesc& t) {
  auto it = f32_.find(t.data);
  if (it != f32_.end()) return *it->second;
  std::vector<float> v(static_cast<size_t>(t.elements()));
  dequantize_rows(t.dtype, t.data, t.rows(), t.cols(), v.data());
  auto b = std::make_unique<Buffer>(ctx_, v.size() * 4, t.name, false);
  transfer_.upload(*b, v.data(), v.size() * 4);
  if (on_upload_) on_upload_(static_cast<uint64_t>(t.rows() * row_bytes(t.dtype, t.cols())));
  return *f32_.emplace(t.data, std::move(b)).first->second;
}

uint64_t WeightStore::bytes() const {
  uint64_t n = 0;
  for (const auto& [data, chunks] : chunks_)
    for (const WeightChunk& c : chunks) n += c.buffer->size();
  for (const auto& [data, b] : f32_) n += b->size();
  for (const auto& [key, b] : tables_) n += b->size();
  return n;
}

// RoPE inverse frequencies: the CPU kernel's table (runtime/ops/rope.h).
const Buffer& WeightStore::rope_inv_freq(const RopeParams& rope) {
  auto key = std::make_tuple(rope.head_dim, rope.theta, rope.rotary_pairs);
  auto it = tables_.find(key);
  if (it != tables_.end()) return *it->second;
  const std::vector<float> v = rope_inv_freqs(rope);
  auto b = std::make_unique<Buffer>(ctx_, v.size() * 4, "rope_inv_freq", false);
  transfer_.upload(*b, v.data(), v.size() * 4);
  return *tables_.emplace(key, std::move(b)).first->second;
}

WeightStore::Mark WeightStore::mark() const {
  Mark m;
  for (const auto& [k, v] : chunks_) m.chunks.insert(k);
  for (const auto& [k, v] : f32_) m.f32.insert(k);
  for (const auto& [k, v] : tables_) m.tables.insert(k);
  return m;
}

void WeightStore::rollback(const Mark& m) {
  std::erase_if(chunks_, [&](const auto& e) { return !m.chunks.count(e.first); });
  std::erase_if(f32_, [&](const auto& e) { return !m.f32.count(e.first); });
  std::erase_if(tables_, [&](const auto& e) { return !m.tables.count(e.first); });
}

}  // namespace vkg::vk
