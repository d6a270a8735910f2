#include "model/piece_lookup.h"

#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

namespace vkg {

// Pieces average 9 bytes: whole 8-byte words (the last one overlapping), or for short strings two 4-byte or
// three 1-byte loads, mixed by multiplication. No call to memcpy for the tail: hashing is a third of indexing.
uint32_t PieceIndex::hash(std::string_view s) {
  const char* p = s.data();
  const size_t n = s.size();
  auto load64 = [](const char* q) {
    uint64_t v;
    std::memcpy(&v, q, 8);
    return v;
  };
  auto load32 = [](const char* q) {
    uint32_t v;
    std::memcpy(&v, q, 4);
    return uint64_t(v);
  };
  auto mix = [](uint64_t x) {
    x *= 0xBF58476D1CE4E5B9ull;
    return x ^ (x >> 31);
  };
  uint64_t h = 0x9E3779B97F4A7C15ull * (n + 1);
  if (n >= 8) {
    for (size_t i = 0; i + 8 < n; i += 8) h = mix(h ^ load64(p + i));
    h = mix(h ^ load64(p + n - 8));
  } else if (n >= 4) {
    h = mix(h ^ (load32(p) | load32(p + n - 4) << 32));
  } else if (n > 0) {
    const auto byte = [&](size_t i) { return uint64_t(static_cast<uint8_t>(p[i])); };
    h = mix(h ^ (byte(0) | byte(n / 2) << 8 | byte(n - 1) << 16));
  }
  h = (h ^ (h >> 29)) * 0x94D049BB133111EBull;
  return static_cast<uint32_t>(h >> 32);
}

void FlatStrings::reserve(size_t count, size_t bytes) {
  offsets_.reserve(count + 1);
  bytes_.reserve(bytes);
}

void FlatStrings::push_back(std::string_view s) {
  if (s.size() > std::numeric_limits<uint32_t>::max() - bytes_.size())
    throw std::runtime_error("vocabulary strings exceed 4 GiB in all");
  bytes_.insert(bytes_.end(), s.begin(), s.end());
  offsets_.push_back(static_cast<uint32_t>(bytes_.size()));
}

void PieceIndex::reserve(size_t n) {
  size_t capacity = 16;
  while (capacity < 2 * n) capacity *= 2;  // at most half full: short probe sequences
  if (capacity > slots_.size()) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(capacity, Slot{});
    const size_t mask = capacity - 1;
    for (const Slot& s : old) {
      if (s.id < 0) continue;
      size_t pos = s.hash & mask;
      while (slots_[pos].id >= 0) pos = (pos + 1) & mask;
      slots_[pos] = s;
    }
  }
}

void PieceIndex::grow() { reserve(slots_.empty() ? 8 : slots_.size()); }

int PieceIndex::insert(int id, uint32_t hash, const FlatStrings& strings) {
  if (2 * (count_ + 1) > slots_.size()) grow();
  const std::string_view s = strings[static_cast<size_t>(id)];
  const size_t mask = slots_.size() - 1;
  size_t pos = hash & mask;
  for (; slots_[pos].id >= 0; pos = (pos + 1) & mask)
    if (slots_[pos].hash == hash && strings[static_cast<size_t>(slots_[pos].id)] == s) return slots_[pos].id;
  slots_[pos] = {hash, id};
  ++count_;
  return -1;
}

int PieceIndex::find(std::string_view s, const FlatStrings& strings) const {
  if (slots_.empty()) return -1;
  const uint32_t hash = PieceIndex::hash(s);
  const size_t mask = slots_.size() - 1;
  for (size_t pos = hash & mask; slots_[pos].id >= 0; pos = (pos + 1) & mask)
    if (slots_[pos].hash == hash && strings[static_cast<size_t>(slots_[pos].id)] == s) return slots_[pos].id;
  return -1;
}

int PrefixTrie::child(int node, uint8_t byte) const {
  for (int c = nodes_[static_cast<size_t>(node)].first_child; c >= 0; c = nodes_[static_cast<size_t>(c)].next_sibling)
    if (nodes_[static_cast<size_t>(c)].byte == byte) return c;
  return -1;
}

void PrefixTrie::insert(std::string_view s) {
  int node = 0;
  for (char ch : s) {
    const auto byte = static_cast<uint8_t>(ch);
    int next = child(node, byte);
    if (next < 0) {
      next = static_cast<int>(nodes_.size());
      Node n;
      n.byte = byte;
      n.next_sibling = nodes_[static_cast<size_t>(node)].first_child;
      nodes_.push_back(n);
      nodes_[static_cast<size_t>(node)].first_child = next;
    }
    node = next;
  }
  nodes_[static_cast<size_t>(node)].terminal = true;
}

size_t PrefixTrie::longest_prefix(std::string_view text) const {
  size_t longest = 0;
  int node = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    node = child(node, static_cast<uint8_t>(text[i]));
    if (node < 0) break;
    if (nodes_[static_cast<size_t>(node)].terminal) longest = i + 1;
  }
  return longest;
}

}  // namespace vkg
