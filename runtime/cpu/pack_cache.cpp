#include "runtime/cpu/pack_cache.h"

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace vkg::cpu {

namespace {

constexpr char kMagic[8] = {'V', 'K', 'G', 'P', 'A', 'C', 'K', 'S'};
// Bump when a layout in packed_weights.h changes: an older file is then stale, never misread.
constexpr uint32_t kLayoutVersion = 2;  // 2: F16 / BF16 packs
constexpr uint64_t kAlign = 4096;

// Bytes pack_weights makes for `groups` groups of K values of `type` (0 for a shape it does not pack).
uint64_t packed_bytes(DType type, int64_t groups, int64_t K) {
  switch (type) {
    case DType::Q4_0: case DType::Q5_0: case DType::Q8_0: case DType::Q4_K: case DType::Q6_K:
    case DType::F16: case DType::BF16: break;
    default: return 0;  // a type number from a foreign file: no layout of ours
  }
  if (groups < 0 || K <= 0 || K % packed_block_values(type) != 0) return 0;
  return uint64_t(groups) * uint64_t(packed_group_bytes(type, K));
}

// Reads the header fields; any read past the end throws (the caller then ignores the file).
class Reader {
 public:
  Reader(const uint8_t* data, uint64_t size) : data_(data), size_(size) {}
  template <typename T>
  T get() {
    T v;
    need(sizeof v);
    std::memcpy(&v, data_ + pos_, sizeof v);
    pos_ += sizeof v;
    return v;
  }
  std::string text() {
    const uint32_t n = get<uint32_t>();
    need(n);
    std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return s;
  }

 private:
  void need(uint64_t n) const {
    if (n > size_ - pos_) throw std::runtime_error("truncated");
  }
  const uint8_t* data_;
  uint64_t size_, pos_ = 0;
};

template <typename T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
void put_text(std::string& out, const std::string& s) {
  put(out, static_cast<uint32_t>(s.size()));
  out += s;
}

}  // namespace

PackCache::PackCache(std::string path, std::string identity) : path_(std::move(path)), identity_(std::move(identity)) {
  std::error_code ec;
  if (path_.empty() || !std::filesystem::is_regular_file(path_, ec)) return;
  try {
    file_ = std::make_unique<MappedFile>(path_);
    Reader r(file_->data(), file_->size());
    char magic[8];
    for (char& c : magic) c = r.get<char>();
    if (std::memcmp(magic, kMagic, 8) != 0 || r.get<uint32_t>() != kLayoutVersion || r.text() != identity_)
      throw std::runtime_error("stale");
    const uint32_t n = r.get<uint32_t>();
    for (uint32_t i = 0; i < n; ++i) {
      const std::string name = r.text();
      Entry e{};
      e.type = static_cast<DType>(r.get<uint32_t>());
      e.rows = r.get<int64_t>(), e.cols = r.get<int64_t>(), e.groups = r.get<int64_t>(), e.K = r.get<int64_t>();
      e.offset = r.get<uint64_t>(), e.bytes = r.get<uint64_t>();
      const bool fits = e.offset % kAlign == 0 && e.offset <= file_->size() && e.bytes <= file_->size() - e.offset;
      if (!fits || e.rows < 0 || e.groups != e.rows / kPackedRows || e.K != e.cols ||
          e.bytes != packed_bytes(e.type, e.groups, e.K) || e.bytes == 0 || !entries_.emplace(name, e).second)
        throw std::runtime_error("bad entry");
    }
  } catch (const std::exception&) {
    entries_.clear();  // unreadable as a whole: pack again (and write a good one)
    file_.reset();
  }
}

std::optional<PackedWeights> PackCache::find(const TensorDesc& w) const {
  auto it = entries_.find(w.name);
  if (it == entries_.end()) return std::nullopt;
  const Entry& e = it->second;
  if (e.type != w.dtype || e.rows != w.rows() || e.cols != w.cols()) return std::nullopt;
  PackedWeights p;
  p.type = e.type;
  p.groups = e.groups;
  p.K = e.K;
  p.data = LargeBuffer::view(file_->data() + e.offset, static_cast<size_t>(e.bytes));
  return p;
}

std::string PackCache::write(const std::vector<std::pair<const TensorDesc*, const PackedWeights*>>& packs) const {
  namespace fs = std::filesystem;
  std::string header(kMagic, 8);
  put(header, kLayoutVersion);
  put_text(header, identity_);
  put(header, static_cast<uint32_t>(packs.size()));
  // Entries first with placeholder offsets, to learn where the data starts.
  auto entries = [&](uint64_t data_start) {
    std::string h = header;
    uint64_t offset = data_start;
    for (const auto& [t, p] : packs) {
      put_text(h, t->name);
      put(h, static_cast<uint32_t>(p->type));
      put(h, t->rows()), put(h, t->cols()), put(h, p->groups), put(h, p->K);
      put(h, offset), put(h, static_cast<uint64_t>(p->data.size()));
      offset = (offset + p->data.size() + kAlign - 1) / kAlign * kAlign;
    }
    return std::make_pair(h, offset);
  };
  const uint64_t start = (entries(0).first.size() + kAlign - 1) / kAlign * kAlign;
  const auto [head, end] = entries(start);
  std::error_code ec;
  const fs::path dir = fs::absolute(fs::path(path_), ec).parent_path();
  const fs::space_info space = fs::space(dir, ec);
  // Never fill a disk for a speed-up: leave at least 1 GiB free beside the file.
  if (ec || space.available < end + (uint64_t(1) << 30)) return "not enough free disk space in " + dir.string();
  // A name of its own: two processes may write the same cache at once (the last rename wins, whole).
  const std::string tmp =
      path_ + ".tmp" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return "cannot write " + tmp;
    f.write(head.data(), static_cast<std::streamsize>(head.size()));
    uint64_t at = head.size();
    const std::string zeros(kAlign, '\0');
    auto pad_to = [&](uint64_t to) {
      f.write(zeros.data(), static_cast<std::streamsize>(to - at));
      at = to;
    };
    pad_to(start);
    for (const auto& [t, p] : packs) {
      f.write(reinterpret_cast<const char*>(p->data.data()), static_cast<std::streamsize>(p->data.size()));
      at += p->data.size();
      pad_to((at + kAlign - 1) / kAlign * kAlign);
    }
    if (!f.flush()) {
      f.close();
      fs::remove(tmp, ec);
      return "cannot write " + tmp;
    }
  }
  fs::rename(tmp, path_, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return "cannot replace " + path_;
  }
  return "";
}

}  // namespace vkg::cpu
