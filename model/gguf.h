// GGUF reader (versions 2 and 3): header, metadata of every value type (nested arrays included), tensor
// infos, alignment; tensor data stays in the memory-mapped file. Spec: ggml's docs/gguf.md.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/dtype.h"
#include "runtime/platform/mapped_file.h"

namespace vkg {

enum class GgufType : uint32_t {
  U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, BOOL = 7,
  STRING = 8, ARRAY = 9, U64 = 10, I64 = 11, F64 = 12,
};
const char* gguf_type_name(GgufType t);

struct GgufValue {
  GgufType type = GgufType::U8;
  // Scalars: integers and bools in `i` (u64 stored bit-for-bit), floats in `f`, strings in `s`.
  int64_t i = 0;
  double f = 0;
  std::string s;
  // ARRAY: the elements by kind, one flat vector (a 262,144-token vocabulary held as GgufValues took 69 MB,
  // flat 8 MB): integers and bools in `ints`, floats in `floats`, strings in `strings`, arrays in `array`.
  // Array strings are views into the GgufFile's mapping (GGUF strings are length-prefixed; copying 262k of
  // them into std::strings took most of a 50 ms parse): valid while the GgufFile lives.
  GgufType elem_type = GgufType::U8;
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::vector<std::string_view> strings;
  std::vector<GgufValue> array;

  size_t length() const;               // elements of an ARRAY
  GgufValue element(size_t k) const;   // one element of an ARRAY as a value of elem_type
};

struct GgufTensor {
  std::string name;
  DType type;
  std::vector<int64_t> dims;  // ggml order: dims[0] is the innermost (contiguous) dimension
  uint64_t offset = 0;        // relative to the start of the data section
  const uint8_t* data = nullptr;
  uint64_t nbytes = 0;
  int64_t elements() const;
};

class GgufFile {
 public:
  // Throws std::runtime_error naming the file, the field or tensor, and what was wrong.
  explicit GgufFile(const std::string& path);

  const std::string& path() const { return file_->path(); }
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }

  const std::map<std::string, GgufValue>& metadata() const { return metadata_; }
  bool has(const std::string& key) const { return metadata_.count(key) != 0; }
  const GgufValue& get(const std::string& key) const;  // throws "missing key"

  // Typed getters throw when the key is missing or has another type (naming both types).
  uint64_t get_uint(const std::string& key) const;  // any unsigned or non-negative signed integer type
  double get_float(const std::string& key) const;   // F32 or F64
  bool get_bool(const std::string& key) const;
  const std::string& get_string(const std::string& key) const;
  std::vector<std::string> get_string_array(const std::string& key) const;  // copies
  // The same without copies: views into the mapping, valid while this GgufFile lives.
  const std::vector<std::string_view>& get_string_views(const std::string& key) const;
  std::vector<float> get_float_array(const std::string& key) const;
  const std::vector<int64_t>& get_int_array(const std::string& key) const;
  std::vector<bool> get_bool_array(const std::string& key) const;

  std::optional<uint64_t> find_uint(const std::string& key) const;
  std::optional<double> find_float(const std::string& key) const;

  const std::vector<GgufTensor>& tensors() const { return tensors_; }
  const GgufTensor* find_tensor(const std::string& name) const;
  const GgufTensor& tensor(const std::string& name) const;  // throws "missing tensor"

 private:
  std::unique_ptr<MappedFile> file_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  std::map<std::string, GgufValue> metadata_;
  std::vector<GgufTensor> tensors_;
  std::map<std::string, size_t> tensor_index_;
};

}  // namespace vkg
