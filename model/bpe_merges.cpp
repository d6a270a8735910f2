#include "model/bpe_merges.h"

#include <cstdio>
#include <stdexcept>

namespace vkg {

namespace {
const std::string kSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's visible space

size_t utf8_len(unsigned char c) { return c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1; }
}  // namespace

BpeMerges::BpeMerges(const std::vector<std::string>& tokens, const std::vector<std::string>& merges, int unk_id,
                     const std::string& origin)
    : unk_id_(unk_id) {
  for (size_t i = 0; i < tokens.size(); ++i) ids_.emplace(tokens[i], static_cast<int>(i));
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    byte_ids_[b] = lookup(name);
  }
  for (size_t r = 0; r < merges.size(); ++r) {
    const std::string& m = merges[r];
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
  std::vector<std::string> sym;
  for (size_t i = 0; i < run.size();) {
    const size_t n = std::min(utf8_len(static_cast<unsigned char>(run[i])), run.size() - i);
    sym.push_back(run.substr(i, n));
    i += n;
  }
  // Merge the lowest-ranked adjacent pair (the leftmost on ties) until no pair is a merge. Runs are short
  // (words and their spaces), so the quadratic scan is cheap next to a model step.
  for (;;) {
    int best = -1, best_rank = 0;
    for (size_t k = 0; k + 1 < sym.size(); ++k) {
      auto it = ranks_.find(sym[k] + " " + sym[k + 1]);
      if (it != ranks_.end() && (best < 0 || it->second < best_rank)) best = static_cast<int>(k), best_rank = it->second;
    }
    if (best < 0) break;
    sym[size_t(best)] += sym[size_t(best) + 1];
    sym.erase(sym.begin() + best + 1);
  }
  for (const std::string& t : sym) {
    if (const int id = lookup(t); id >= 0) {
      out.push_back(id);
      continue;
    }
    for (unsigned char b : t) out.push_back(byte_ids_[b] >= 0 ? byte_ids_[b] : unk_id_);
  }
}

}  // namespace vkg
