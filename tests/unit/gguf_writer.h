// Writes small GGUF files byte by byte for reader tests (good and deliberately broken ones).
#pragma once
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace vkg::test {

class GgufWriter {
 public:
  std::vector<uint8_t> bytes;

  template <typename T>
  void put(T v) {
    uint8_t b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    bytes.insert(bytes.end(), b, b + sizeof(T));
  }
  void put_string(const std::string& s) {
    put<uint64_t>(s.size());
    bytes.insert(bytes.end(), s.begin(), s.end());
  }
  void header(uint32_t version, uint64_t n_tensors, uint64_t n_kv) {
    put<uint32_t>(0x46554747);
    put<uint32_t>(version);
    put<uint64_t>(n_tensors);
    put<uint64_t>(n_kv);
  }
  void kv_u32(const std::string& key, uint32_t v) {
    put_string(key);
    put<uint32_t>(4);
    put<uint32_t>(v);
  }
  void kv_string(const std::string& key, const std::string& v) {
    put_string(key);
    put<uint32_t>(8);
    put_string(v);
  }
  void tensor_info(const std::string& name, std::vector<int64_t> dims, uint32_t type, uint64_t offset) {
    put_string(name);
    put<uint32_t>(static_cast<uint32_t>(dims.size()));
    for (int64_t d : dims) put<int64_t>(d);
    put<uint32_t>(type);
    put<uint64_t>(offset);
  }
  void align(size_t a) {
    while (bytes.size() % a) bytes.push_back(0);
  }
  void save(const std::string& path) const {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
};

}  // namespace vkg::test
