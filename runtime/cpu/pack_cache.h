// The CPU backend's packed weights kept in a file beside the model: a second run maps them instead of
// packing again (the 270M model's 235 MB: ~0.1 s of a 0.4 s first token).
//
// File: "VKGPACKS", u32 layout version, the identity (u32 length + bytes), u32 entry count, then per entry
// the tensor's name (u32 length + bytes), u32 dtype, i64 rows, cols, groups, K, u64 offset, u64 bytes; the
// packs themselves start at offsets aligned to 4 KiB. Little-endian, as the machines that write it.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/cpu/packed_weights.h"
#include "runtime/platform/mapped_file.h"
#include "runtime/tensor.h"

namespace vkg::cpu {

class PackCache {
 public:
  // Maps `path` when it holds packs for `identity` (the model's files and load options, as the caller names
  // them) in this build's layouts. A missing, stale, truncated or foreign file is no error: find() then finds
  // nothing and the weights are packed again.
  PackCache(std::string path, std::string identity);

  // The packs of w from the file (a view of the mapping, valid while this cache lives), or nothing when the
  // file has none for a tensor of w's name, type and shape.
  std::optional<PackedWeights> find(const TensorDesc& w) const;
  size_t size() const { return entries_.size(); }

  // Writes the packs to a new file (a temporary renamed over `path`). Returns "" or why it could not.
  std::string write(const std::vector<std::pair<const TensorDesc*, const PackedWeights*>>& packs) const;

 private:
  struct Entry {
    DType type;
    int64_t rows, cols, groups, K;
    uint64_t offset, bytes;
  };
  std::string path_, identity_;
  std::unique_ptr<MappedFile> file_;
  std::map<std::string, Entry> entries_;
};

}  // namespace vkg::cpu
