#include "model/bpe_merges.h"

#include <cstdio>
#include <functional>
#include <queue>
#include <stdexcept>

namespace vkg {

namespace {
const std::string kSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's visible space

size_t utf8_len(unsigned char c) { return c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1; }
}  // namespace

BpeMerges::BpeMerges(const std::vector<std::string_view>& tokens, const std::vector<std::string_view>& merges,
                     int unk_id, const std::string& origin)
    : unk_id_(unk_id) {
  for (size_t i = 0; i < tokens.size(); ++i) ids_.emplace(std::string(tokens[i]), static_cast<int>(i));
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    byte_ids_[b] = lookup(name);
  }
  for (size_t r = 0; r < merges.size(); ++r) {
    const std::string m(merges[r]);
    const size_t sp = m.find(' ');
    if (sp == std::string::npos || sp == 0 || sp + 1 == m.size() || m.find(' ', sp + 1) != std::string::npos)
      throw std::runtime_error(origin + ": merge " + std::to_string(r) + " '" + m + "' is not two tokens");
    if (lookup(m.substr(0, sp) + m.substr(sp + 1)) < 0)
      throw std::runtime_error(origin + ": merge " + std::to_string(r) + " '" + m + "' makes no token");
    ranks_.emplace(m, static_cast<int>(r));  // the first (lowest) rank of a repeated merge wins
  }
}

int BpeMerges::lookup(const std::string& s) const {
  auto it = ids_.find(s);
  return it == ids_.end() ? -1 : it->second;
}

std::vector<int> BpeMerges::encode(std::string_view text) const {
  std::string s;
  s.reserve(text.size());
  for (char c : text) c == ' ' ? s += kSpace : s += c;
  std::vector<int> out;
  for (size_t i = 0; i < s.size();) {  // runs of newlines, runs of everything else
    const bool newline = s[i] == '\n';
    size_t j = i;
    while (j < s.size() && (s[j] == '\n') == newline) ++j;
    encode_run(s.substr(i, j - i), out);
    i = j;
  }
  return out;
}

void BpeMerges::encode_run(const std::string& run, std::vector<int>& out) const {
  // A run of newlines that is itself a token is that token (llama.cpp's gemma4 rule; tokenizers agrees).
  if (run[0] == '\n')
    if (const int id = lookup(run); id >= 0) return out.push_back(id);
  // Symbols start as UTF-8 characters, linked left to right; a merge grows the left one and unlinks the right.
  struct Symbol {
    size_t begin, len;
    int prev, next;
  };
  std::vector<Symbol> sym;
  for (size_t i = 0; i < run.size();) {
    const size_t n = std::min(utf8_len(static_cast<unsigned char>(run[i])), run.size() - i);
    const int k = static_cast<int>(sym.size());
    sym.push_back({i, n, k - 1, -1});
    if (k > 0) sym[size_t(k) - 1].next = k;
    i += n;
  }
  // Candidate merges by (rank, position): the lowest rank first, the leftmost on ties (transformers' order).
  // A run is a whole line (only newlines split the text), so this is a heap, not a rescan per merge; an entry
  // whose symbols have changed since it was pushed is skipped.
  struct Pair {
    int rank, left;
    size_t left_len, right_len;
    bool operator>(const Pair& o) const { return rank != o.rank ? rank > o.rank : left > o.left; }
  };
  std::priority_queue<Pair, std::vector<Pair>, std::greater<Pair>> queue;
  auto consider = [&](int left) {
    if (left < 0 || sym[size_t(left)].next < 0) return;
    const Symbol &a = sym[size_t(left)], &b = sym[size_t(a.next)];
    auto it = ranks_.find(run.substr(a.begin, a.len) + " " + run.substr(b.begin, b.len));
    if (it != ranks_.end()) queue.push({it->second, left, a.len, b.len});
  };
  for (int k = 0; k + 1 < static_cast<int>(sym.size()); ++k) consider(k);
  while (!queue.empty()) {
    const Pair p = queue.top();
    queue.pop();
    Symbol& a = sym[size_t(p.left)];
    if (a.len != p.left_len || a.next < 0 || sym[size_t(a.next)].len != p.right_len) continue;  // stale
    Symbol& b = sym[size_t(a.next)];
    a.len += b.len;
    b.len = 0;
    a.next = b.next;
    if (a.next >= 0) sym[size_t(a.next)].prev = p.left;
    consider(a.prev);
    consider(p.left);
  }
  for (int k = sym.empty() ? -1 : 0; k >= 0; k = sym[size_t(k)].next) {
    const std::string t = run.substr(sym[size_t(k)].begin, sym[size_t(k)].len);
    if (const int id = lookup(t); id >= 0) {
      out.push_back(id);
      continue;
    }
    for (unsigned char b : t) out.push_back(byte_ids_[b] >= 0 ? byte_ids_[b] : unk_id_);
  }
}

}  // namespace vkg
