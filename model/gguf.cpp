#include "model/gguf.h"

#include <cstring>
#include <stdexcept>
#include <type_traits>

namespace vkg {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" little-endian
constexpr uint64_t kMaxArrayDepth = 8;
constexpr uint32_t kMaxDims = 4;  // GGML_MAX_DIMS

// What a read was for, for its error message: a string, or a function that makes one, so that the hot loops
// (262k vocabulary strings) build no message unless the read fails.
template <typename What>
std::string describe(const What& what) {
  if constexpr (std::is_invocable_v<const What&>) return what();
  else return std::string(what);
}

// Bounds-checked little-endian reader over the mapped file; every error names the file and what was read.
class Cursor {
 public:
  Cursor(const uint8_t* data, uint64_t size, const std::string& path) : data_(data), size_(size), path_(path) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(path_ + ": " + what + " (at byte " + std::to_string(pos_) + " of " +
                             std::to_string(size_) + ")");
  }

  template <typename What>
  void need(uint64_t n, const What& what) const {
    if (n > size_ - pos_) fail("file truncated while reading " + describe(what));
  }

  template <typename T, typename What>
  T read(const What& what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, data_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  // n values of type T, widened into `out` (one bounds check for the whole array).
  template <typename T, typename Out, typename What>
  void read_array(uint64_t n, std::vector<Out>& out, const What& what) {
    need(n * sizeof(T), what);  // n <= remaining(), so no overflow
    out.resize(n);
    for (uint64_t k = 0; k < n; ++k) {
      T v;
      std::memcpy(&v, data_ + pos_ + k * sizeof(T), sizeof(T));
      out[k] = static_cast<Out>(v);
    }
    pos_ += n * sizeof(T);
  }

  // A view of the string's bytes in the mapping.
  template <typename What>
  std::string_view read_string_view(const What& what) {
    const uint64_t len = read<uint64_t>([&] { return describe(what) + " length"; });
    need(len, [&] { return describe(what) + " (" + std::to_string(len) + " bytes)"; });
    const std::string_view s(reinterpret_cast<const char*>(data_ + pos_), len);
    pos_ += len;
    return s;
  }

  template <typename What>
  std::string read_string(const What& what) {
    return std::string(read_string_view(what));
  }

  uint64_t pos() const { return pos_; }
  uint64_t remaining() const { return size_ - pos_; }

 private:
  const uint8_t* data_;
  uint64_t size_;
  const std::string& path_;
  uint64_t pos_ = 0;
};

bool valid_type(uint32_t t) { return t <= static_cast<uint32_t>(GgufType::F64); }

// The fewest bytes one element of an array of type t takes in the file.
uint64_t min_element_bytes(GgufType t) {
  switch (t) {
    case GgufType::U16: case GgufType::I16: return 2;
    case GgufType::U32: case GgufType::I32: case GgufType::F32: return 4;
    case GgufType::U64: case GgufType::I64: case GgufType::F64: case GgufType::STRING: return 8;  // a string's length
    case GgufType::ARRAY: return 12;  // element type and length
    default: return 1;
  }
}

GgufValue read_value(Cursor& c, GgufType type, const std::string& key, uint64_t depth);

// The n elements of an array of v.elem_type into v's flat vectors. Fixed-size elements are read in bulk (a
// vocabulary's scores and types are 262k values each); strings stay views into the mapping.
void read_array_elements(Cursor& c, GgufValue& v, uint64_t n, const std::string& key, uint64_t depth) {
  auto what = [&] { return "metadata '" + key + "'"; };
  switch (v.elem_type) {
    case GgufType::U8: c.read_array<uint8_t>(n, v.ints, what); break;
    case GgufType::I8: c.read_array<int8_t>(n, v.ints, what); break;
    case GgufType::U16: c.read_array<uint16_t>(n, v.ints, what); break;
    case GgufType::I16: c.read_array<int16_t>(n, v.ints, what); break;
    case GgufType::U32: c.read_array<uint32_t>(n, v.ints, what); break;
    case GgufType::I32: c.read_array<int32_t>(n, v.ints, what); break;
    case GgufType::U64: c.read_array<uint64_t>(n, v.ints, what); break;
    case GgufType::I64: c.read_array<int64_t>(n, v.ints, what); break;
    case GgufType::F32: c.read_array<float>(n, v.floats, what); break;
    case GgufType::F64: c.read_array<double>(n, v.floats, what); break;
    case GgufType::BOOL:
      c.read_array<uint8_t>(n, v.ints, what);
      for (int64_t b : v.ints)
        if (b > 1) c.fail("metadata '" + key + "': bool value " + std::to_string(b) + " is neither 0 nor 1");
      break;
    case GgufType::STRING:
      v.strings.resize(n);
      for (uint64_t k = 0; k < n; ++k) v.strings[k] = c.read_string_view(what);
      break;
    case GgufType::ARRAY:
      v.array.reserve(n);
      for (uint64_t k = 0; k < n; ++k) v.array.push_back(read_value(c, GgufType::ARRAY, key, depth + 1));
      break;
  }
}

GgufValue read_value(Cursor& c, GgufType type, const std::string& key, uint64_t depth) {
  GgufValue v;
  v.type = type;
  switch (type) {
    case GgufType::U8: v.i = c.read<uint8_t>(key); break;
    case GgufType::I8: v.i = c.read<int8_t>(key); break;
    case GgufType::U16: v.i = c.read<uint16_t>(key); break;
    case GgufType::I16: v.i = c.read<int16_t>(key); break;
    case GgufType::U32: v.i = c.read<uint32_t>(key); break;
    case GgufType::I32: v.i = c.read<int32_t>(key); break;
    case GgufType::U64: v.i = static_cast<int64_t>(c.read<uint64_t>(key)); break;
    case GgufType::I64: v.i = c.read<int64_t>(key); break;
    case GgufType::F32: v.f = c.read<float>(key); break;
    case GgufType::F64: v.f = c.read<double>(key); break;
    case GgufType::BOOL: {
      uint8_t b = c.read<uint8_t>(key);
      if (b > 1) c.fail("metadata '" + key + "': bool value " + std::to_string(b) + " is neither 0 nor 1");
      v.i = b;
      break;
    }
    case GgufType::STRING: v.s = c.read_string("metadata '" + key + "'"); break;
    case GgufType::ARRAY: {
      if (depth >= kMaxArrayDepth) c.fail("metadata '" + key + "': arrays nested too deeply");
      uint32_t et = c.read<uint32_t>("metadata '" + key + "' array type");
      if (!valid_type(et)) c.fail("metadata '" + key + "': unknown array element type " + std::to_string(et));
      uint64_t n = c.read<uint64_t>("metadata '" + key + "' array length");
      // A length whose smallest elements would not fit in the rest of the file is corruption, not a huge
      // allocation.
      if (n > c.remaining() / min_element_bytes(static_cast<GgufType>(et)))
        c.fail("metadata '" + key + "': array length " + std::to_string(n) + " exceeds the file");
      v.elem_type = static_cast<GgufType>(et);
      read_array_elements(c, v, n, key, depth);
      break;
    }
    default: c.fail("metadata '" + key + "': unknown value type " + std::to_string(static_cast<uint32_t>(type)));
  }
  return v;
}

bool is_integer(GgufType t) {
  switch (t) {
    case GgufType::U8: case GgufType::I8: case GgufType::U16: case GgufType::I16:
    case GgufType::U32: case GgufType::I32: case GgufType::U64: case GgufType::I64: return true;
    default: return false;
  }
}

}  // namespace

const char* gguf_type_name(GgufType t) {
  static const char* names[] = {"u8", "i8", "u16", "i16", "u32", "i32", "f32",
                                "bool", "string", "array", "u64", "i64", "f64"};
  uint32_t i = static_cast<uint32_t>(t);
  return i < sizeof(names) / sizeof(names[0]) ? names[i] : "unknown";
}

size_t GgufValue::length() const {
  return array.size() + ints.size() + floats.size() + strings.size();  // one of them holds the elements
}

GgufValue GgufValue::element(size_t k) const {
  if (elem_type == GgufType::ARRAY) return array.at(k);
  GgufValue e;
  e.type = elem_type;
  if (elem_type == GgufType::STRING) e.s = std::string(strings.at(k));
  else if (elem_type == GgufType::F32 || elem_type == GgufType::F64) e.f = floats.at(k);
  else e.i = ints.at(k);
  return e;
}

int64_t GgufTensor::elements() const {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

GgufFile::GgufFile(const std::string& path) : file_(std::make_unique<MappedFile>(path)) {
  Cursor c(file_->data(), file_->size(), file_->path());
  uint32_t magic = c.read<uint32_t>("magic");
  if (magic != kMagic) c.fail("not a GGUF file (bad magic)");
  version_ = c.read<uint32_t>("version");
  if (version_ != 2 && version_ != 3)
    c.fail("unsupported GGUF version " + std::to_string(version_) + " (expected 2 or 3)");
  uint64_t n_tensors = c.read<uint64_t>("tensor count");
  uint64_t n_kv = c.read<uint64_t>("metadata count");
  if (n_tensors > c.remaining() || n_kv > c.remaining()) c.fail("tensor or metadata count exceeds the file");

  for (uint64_t k = 0; k < n_kv; ++k) {
    std::string key = c.read_string("metadata key #" + std::to_string(k));
    uint32_t t = c.read<uint32_t>("metadata '" + key + "' type");
    if (!valid_type(t)) c.fail("metadata '" + key + "': unknown value type " + std::to_string(t));
    if (metadata_.count(key)) c.fail("metadata key '" + key + "' appears twice");
    metadata_[key] = read_value(c, static_cast<GgufType>(t), key, 0);
  }
  if (auto a = find_uint("general.alignment")) {
    if (*a == 0 || (*a & (*a - 1)) != 0) c.fail("general.alignment " + std::to_string(*a) + " is not a power of two");
    alignment_ = *a;
  }

  tensors_.reserve(n_tensors);
  for (uint64_t k = 0; k < n_tensors; ++k) {
    GgufTensor t;
    t.name = c.read_string("tensor name #" + std::to_string(k));
    uint32_t n_dims = c.read<uint32_t>("tensor '" + t.name + "' dimension count");
    if (n_dims == 0 || n_dims > kMaxDims)
      c.fail("tensor '" + t.name + "': " + std::to_string(n_dims) + " dimensions (expected 1 to 4)");
    int64_t elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      int64_t dim = c.read<int64_t>("tensor '" + t.name + "' dimensions");
      if (dim <= 0 || dim > (int64_t(1) << 40)) c.fail("tensor '" + t.name + "': bad dimension " + std::to_string(dim));
      // Bounded so that element and byte counts cannot overflow (2^50 elements is far beyond any model).
      if (elements > (int64_t(1) << 50) / dim)
        c.fail("tensor '" + t.name + "': more than 2^50 elements (dimension " + std::to_string(d) + " = " +
               std::to_string(dim) + ")");
      elements *= dim;
      t.dims.push_back(dim);
    }
    uint32_t type = c.read<uint32_t>("tensor '" + t.name + "' type");
    const DTypeInfo* info = dtype_info(type);
    if (!info) c.fail("tensor '" + t.name + "': unknown tensor type id " + std::to_string(type));
    if (!info->supported)
      c.fail("tensor '" + t.name + "': tensor type " + info->name + " is not supported");
    t.type = static_cast<DType>(type);
    t.offset = c.read<uint64_t>("tensor '" + t.name + "' offset");
    if (t.dims[0] % info->block_elems != 0)
      c.fail("tensor '" + t.name + "': row length " + std::to_string(t.dims[0]) + " is not a multiple of the " +
             info->name + " block size " + std::to_string(info->block_elems));
    int64_t rows = t.elements() / t.dims[0];
    t.nbytes = static_cast<uint64_t>(row_bytes(t.type, t.dims[0]) * rows);
    if (t.offset % alignment_ != 0)
      c.fail("tensor '" + t.name + "': offset " + std::to_string(t.offset) + " is not aligned to " +
             std::to_string(alignment_));
    if (tensor_index_.count(t.name)) c.fail("tensor '" + t.name + "' appears twice");
    tensor_index_[t.name] = tensors_.size();
    tensors_.push_back(std::move(t));
  }

  uint64_t data_start = (c.pos() + alignment_ - 1) / alignment_ * alignment_;
  for (GgufTensor& t : tensors_) {
    uint64_t begin = data_start + t.offset;
    if (begin > file_->size() || t.nbytes > file_->size() - begin)
      throw std::runtime_error(path + ": tensor '" + t.name + "' (" + std::to_string(t.nbytes) +
                               " bytes at offset " + std::to_string(begin) + ") lies beyond the end of the file (" +
                               std::to_string(file_->size()) + " bytes): the file is truncated");
    t.data = file_->data() + begin;
  }
}

const GgufValue& GgufFile::get(const std::string& key) const {
  auto it = metadata_.find(key);
  if (it == metadata_.end()) throw std::runtime_error(path() + ": missing metadata key '" + key + "'");
  return it->second;
}

namespace {
[[noreturn]] void wrong_type(const std::string& path, const std::string& key, const char* expected, GgufType got) {
  throw std::runtime_error(path + ": metadata '" + key + "' has type " + gguf_type_name(got) + ", expected " +
                           expected);
}
}  // namespace

uint64_t GgufFile::get_uint(const std::string& key) const {
  const GgufValue& v = get(key);
  if (!is_integer(v.type)) wrong_type(path(), key, "an integer", v.type);
  bool is_signed = v.type == GgufType::I8 || v.type == GgufType::I16 || v.type == GgufType::I32 ||
                   v.type == GgufType::I64;
  if (is_signed && v.i < 0) throw std::runtime_error(path() + ": metadata '" + key + "' is negative");
  return static_cast<uint64_t>(v.i);
}

double GgufFile::get_float(const std::string& key) const {
  const GgufValue& v = get(key);
  if (v.type != GgufType::F32 && v.type != GgufType::F64) wrong_type(path(), key, "f32 or f64", v.type);
  return v.f;
}

bool GgufFile::get_bool(const std::string& key) const {
  const GgufValue& v = get(key);
  if (v.type != GgufType::BOOL) wrong_type(path(), key, "bool", v.type);
  return v.i != 0;
}

const std::string& GgufFile::get_string(const std::string& key) const {
  const GgufValue& v = get(key);
  if (v.type != GgufType::STRING) wrong_type(path(), key, "string", v.type);
  return v.s;
}

std::vector<std::string> GgufFile::get_string_array(const std::string& key) const {
  const std::vector<std::string_view>& views = get_string_views(key);
  return std::vector<std::string>(views.begin(), views.end());
}

const std::vector<std::string_view>& GgufFile::get_string_views(const std::string& key) const {
  const GgufValue& v = get(key);
  if (v.type != GgufType::ARRAY || v.elem_type != GgufType::STRING) wrong_type(path(), key, "array of string", v.type);
  return v.strings;
}

std::vector<float> GgufFile::get_float_array(const std::string& key) const {
  const GgufValue& v = get(key);
  if (v.type != GgufType::ARRAY || (v.elem_type != GgufType::F32 && v.elem_type != GgufType::F64))
    wrong_type(path(), key, "array of float", v.type);
  std::vector<float> out;
  out.reserve(v.floats.size());
  for (double f : v.floats) out.push_back(static_cast<float>(f));
  return out;
}

const std::vector<int64_t>& GgufFile::get_int_array(const std::string& key) const {
  const GgufValue& v = get(key);
  if (v.type != GgufType::ARRAY || !is_integer(v.elem_type)) wrong_type(path(), key, "array of integer", v.type);
  return v.ints;
}

std::vector<bool> GgufFile::get_bool_array(const std::string& key) const {
  const GgufValue& v = get(key);
  if (v.type != GgufType::ARRAY || v.elem_type != GgufType::BOOL) wrong_type(path(), key, "array of bool", v.type);
  std::vector<bool> out;
  for (int64_t i : v.ints) out.push_back(i != 0);
  return out;
}

std::optional<uint64_t> GgufFile::find_uint(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return get_uint(key);
}

std::optional<double> GgufFile::find_float(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return get_float(key);
}

const GgufTensor* GgufFile::find_tensor(const std::string& name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

const GgufTensor& GgufFile::tensor(const std::string& name) const {
  const GgufTensor* t = find_tensor(name);
  if (!t) throw std::runtime_error(path() + ": missing tensor '" + name + "'");
  return *t;
}

}  // namespace vkg
