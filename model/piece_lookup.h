// Lookups over a vocabulary's piece strings, built once per load without an allocation per piece: the
// 262,144 pieces of Gemma 3 index in a few milliseconds (sentencepiece's maps took ~100 ms and ~30 MB).
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

namespace vkg {

// Strings stored one after another: string i is bytes[offsets[i], offsets[i + 1]).
class FlatStrings {
 public:
  void reserve(size_t count, size_t bytes);
  void push_back(std::string_view s);  // throws past 4 GiB of bytes in all
  size_t size() const { return offsets_.size() - 1; }
  std::string_view all() const { return std::string_view(bytes_.data(), bytes_.size()); }  // every string's bytes
  std::string_view operator[](size_t i) const {
    return std::string_view(bytes_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]);
  }

 private:
  std::vector<char> bytes_;
  std::vector<uint32_t> offsets_{0};
};

// String -> id over ids whose strings live in a FlatStrings (passed to each call, so that moving the owner
// of both moves no pointer). Open addressing with the hash kept in the slot: a probe touches the string only
// when the hashes agree.
class PieceIndex {
 public:
  static uint32_t hash(std::string_view s);
  void reserve(size_t n);
  // Adds id, whose string is strings[id] and its hash `h`; returns the id that already has an equal string,
  // or -1.
  int insert(int id, uint32_t h, const FlatStrings& strings);
  // Bulk loads insert in a random order into a table larger than the caches: fetching the slot of an insert
  // a few ahead hides the memory latency (3x faster for 262k pieces).
  void prefetch(uint32_t h) const {
#if defined(__GNUC__) || defined(__clang__)
    if (!slots_.empty()) __builtin_prefetch(slots_.data() + (h & (slots_.size() - 1)));
#endif
  }
  int find(std::string_view s, const FlatStrings& strings) const;  // -1 when absent

 private:
  struct Slot {
    uint32_t hash = 0;
    int32_t id = -1;  // -1: empty
  };
  void grow();

  std::vector<Slot> slots_;
  size_t count_ = 0;
};

// The longest of a set of strings that starts a text (sentencepiece's PrefixMatcher for user-defined pieces).
// A byte trie with sibling lists: a few hundred short strings, looked up at every character of the text.
class PrefixTrie {
 public:
  void insert(std::string_view s);
  bool empty() const { return nodes_.size() == 1; }
  size_t longest_prefix(std::string_view text) const;  // 0 when no string starts the text

 private:
  struct Node {
    int32_t first_child = -1;
    int32_t next_sibling = -1;
    uint8_t byte = 0;
    bool terminal = false;
  };
  int child(int node, uint8_t byte) const;  // -1 when absent

  std::vector<Node> nodes_{Node{}};  // nodes_[0] is the root
};

}  // namespace vkg
