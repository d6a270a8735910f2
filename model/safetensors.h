// A memory-mapped .safetensors file (Hugging Face): 8-byte little-endian header length, a JSON header
// {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}, then the raw
// little-endian row-major data. Tensors point into the mapping; nothing is copied.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/dtype.h"

namespace vkg {

class MappedFile;

struct SafetensorsTensor {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;  // row-major, as stored
  const uint8_t* data = nullptr;
  uint64_t bytes = 0;
};

class SafetensorsFile {
 public:
  // Throws std::runtime_error naming the file (and the tensor) for anything malformed: short file, header
  // length beyond the file, bad JSON, dtypes other than F32/F16/BF16, offsets outside the data section or
  // not matching the shape.
  explicit SafetensorsFile(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  const std::map<std::string, SafetensorsTensor>& tensors() const { return tensors_; }
  // nullptr when absent.
  const SafetensorsTensor* find(const std::string& name) const;

 private:
  std::string path_;
  std::unique_ptr<MappedFile> file_;
  std::map<std::string, SafetensorsTensor> tensors_;
};

}  // namespace vkg
