#include "model/safetensors.h"

#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "runtime/platform/mapped_file.h"

namespace vkg {

namespace {

using nlohmann::json;

bool dtype_from_name(const std::string& s, DType& t) {
  if (s == "F32") t = DType::F32;
  else if (s == "F16") t = DType::F16;
  else if (s == "BF16") t = DType::BF16;
  else return false;
  return true;
}

uint64_t as_u64(const json& v, const std::string& where) {
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
    throw std::runtime_error(where + " must be a non-negative integer, got " + v.dump());
  return v.get<uint64_t>();
}

}  // namespace

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
  file_ = std::make_unique<MappedFile>(path);
  const uint8_t* base = file_->data();
  const uint64_t size = file_->size();
  if (size < 8)
    throw std::runtime_error(path + ": not a safetensors file (" + std::to_string(size) +
                             " bytes, too short for the 8-byte header length)");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = header_len << 8 | base[i];
  if (header_len > size - 8)
    throw std::runtime_error(path + ": safetensors header length " + std::to_string(header_len) +
                             " goes beyond the end of the file (" + std::to_string(size) + " bytes)");
  json header;
  try {
    header = json::parse(reinterpret_cast<const char*>(base + 8), reinterpret_cast<const char*>(base + 8 + header_len));
  } catch (const json::exception& e) {
    throw std::runtime_error(path + ": safetensors header is not valid JSON: " + e.what());
  }
  if (!header.is_object()) throw std::runtime_error(path + ": safetensors header is not a JSON object");

  const uint8_t* data = base + 8 + header_len;
  const uint64_t data_size = size - 8 - header_len;
  for (const auto& [name, v] : header.items()) {
    if (name == "__metadata__") continue;
    const std::string where = path + ": tensor '" + name + "'";
    if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") || !v.contains("data_offsets"))
      throw std::runtime_error(where + ": entry needs dtype, shape and data_offsets");
    SafetensorsTensor t;
    t.name = name;
    if (!v["dtype"].is_string()) throw std::runtime_error(where + ": dtype is not a string");
    const std::string dt = v["dtype"].get<std::string>();
    if (!dtype_from_name(dt, t.dtype))
      throw std::runtime_error(where + " has dtype " + dt + " (supported: F32, F16, BF16)");
    if (!v["shape"].is_array()) throw std::runtime_error(where + ": shape is not an array");
    uint64_t elements = 1;
    for (const json& d : v["shape"]) {
      const uint64_t n = as_u64(d, where + " shape entry");
      if (n > (uint64_t(1) << 40) || (n && elements > std::numeric_limits<uint64_t>::max() / 16 / n))
        throw std::runtime_error(where + ": shape " + v["shape"].dump() + " is implausibly large");
      elements *= n;
      t.shape.push_back(static_cast<int64_t>(n));
    }
    const json& off = v["data_offsets"];
    if (!off.is_array() || off.size() != 2) throw std::runtime_error(where + ": data_offsets is not [begin, end]");
    const uint64_t begin = as_u64(off[0], where + " data_offsets[0]"), end = as_u64(off[1], where + " data_offsets[1]");
    if (begin > end || end > data_size)
      throw std::runtime_error(where + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                               "] lie outside the data section of " + std::to_string(data_size) +
                               " bytes (truncated file?)");
    const uint64_t expected = elements * static_cast<uint64_t>(dtype_info(t.dtype).block_bytes);
    if (end - begin != expected)
      throw std::runtime_error(where + ": " + std::to_string(end - begin) + " bytes of data, but shape " +
                               v["shape"].dump() + " of " + dt + " needs " + std::to_string(expected));
    t.data = data + begin;
    t.bytes = end - begin;
    tensors_.emplace(name, std::move(t));
  }
}

SafetensorsFile::~SafetensorsFile() = default;

const SafetensorsTensor* SafetensorsFile::find(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

}  // namespace vkg
