#include "model/spm_bpe.h"

#include <queue>
#include <stdexcept>
#include <unordered_map>
#include <utility>

namespace vkg {

namespace {

constexpr std::string_view kSpace = "\xE2\x96\x81";        // U+2581, SentencePiece's visible space
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the well-formed UTF-8 character that starts s, or 0 (sentencepiece's IsValidDecodeUTF8:
// shortest form only, no surrogates, nothing past U+10FFFF).
size_t utf8_char_len(std::string_view s) {
  const auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(s[i])); };
  const auto trail = [&](size_t i) { return (b(i) & 0xC0) == 0x80; };
  const auto valid = [](uint32_t cp) { return cp < 0xD800 || (cp >= 0xE000 && cp <= 0x10FFFF); };
  const uint32_t c = b(0);
  if (c < 0x80) return 1;
  if (s.size() >= 2 && (c & 0xE0) == 0xC0) {
    const uint32_t cp = ((c & 0x1F) << 6) | (b(1) & 0x3F);
    return trail(1) && cp >= 0x80 ? 2 : 0;
  }
  if (s.size() >= 3 && (c & 0xF0) == 0xE0) {
    const uint32_t cp = ((c & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    return trail(1) && trail(2) && cp >= 0x800 && valid(cp) ? 3 : 0;
  }
  if (s.size() >= 4 && (c & 0xF8) == 0xF0) {
    const uint32_t cp = ((c & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
    return trail(1) && trail(2) && trail(3) && cp >= 0x10000 && valid(cp) ? 4 : 0;
  }
  return 0;
}

// The byte count a lead byte announces (sentencepiece's OneCharLen): how BPE splits normalized text, which
// is well-formed except inside user-defined pieces copied as they were.
size_t one_char_len(char c) { return "\1\1\1\1\1\1\1\1\1\1\1\1\2\2\3\4"[static_cast<uint8_t>(c) >> 4]; }

// One step of the normalizer without a table: a user-defined piece whole, else one well-formed character,
// else one byte as U+FFFD. Returns the normalized text and the input bytes it stands for.
std::pair<std::string_view, size_t> normalize_prefix(const SpmVocabulary& vocab, std::string_view in) {
  if (const size_t n = vocab.match_user_defined(in)) return {in.substr(0, n), n};
  if (const size_t n = utf8_char_len(in)) return {in.substr(0, n), n};
  return {kReplacement, 1};
}

std::string normalize(const SpmVocabulary& vocab, std::string_view in) {
  const SpmModelSpec& spec = vocab.spec();
  std::string out;
  if (spec.remove_extra_whitespaces)
    while (!in.empty()) {
      const auto [piece, consumed] = normalize_prefix(vocab, in);
      if (piece != " ") break;
      in.remove_prefix(consumed);
    }
  if (in.empty()) return out;
  out.reserve(in.size() * 3);
  const std::string_view space = spec.escape_whitespaces ? kSpace : " ";
  if (spec.add_dummy_prefix) out += space;
  bool prev_space = spec.remove_extra_whitespaces;
  while (!in.empty()) {
    auto [piece, consumed] = normalize_prefix(vocab, in);
    while (prev_space && !piece.empty() && piece.front() == ' ') piece.remove_prefix(1);
    if (!piece.empty()) {
      for (char c : piece) {
        if (c == ' ') out += space;
        else out += c;
      }
      prev_space = piece.back() == ' ';
    }
    in.remove_prefix(consumed);
    if (!spec.remove_extra_whitespaces) prev_space = false;
  }
  if (spec.remove_extra_whitespaces)
    while (out.size() >= space.size() && std::string_view(out).substr(out.size() - space.size()) == space)
      out.resize(out.size() - space.size());
  return out;
}

// BPE over normalized text: (piece, id) per final symbol, UNUSED pieces split back into their halves.
std::vector<std::pair<std::string_view, int>> bpe(const SpmVocabulary& vocab, std::string_view text) {
  struct Symbol {
    int prev, next;
    bool frozen;  // a user-defined piece: never merged
    std::string_view piece;
  };
  struct Pair {
    int left, right;
    float score;
    size_t size;  // bytes of the merged piece: an entry whose symbols have changed since is stale
    // Highest score first; on a tie, the leftmost.
    bool operator<(const Pair& o) const { return score < o.score || (score == o.score && left > o.left); }
  };
  std::vector<Symbol> sym;
  sym.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    size_t n = vocab.match_user_defined(text.substr(pos));
    const bool frozen = n > 0;
    if (!frozen) n = std::min(one_char_len(text[pos]), text.size() - pos);
    const int k = static_cast<int>(sym.size());
    sym.push_back({k - 1, pos + n < text.size() ? k + 1 : -1, frozen, text.substr(pos, n)});
    pos += n;
  }

  std::priority_queue<Pair> agenda;
  // For an UNUSED merged piece, the halves it was last merged from (sentencepiece records them when the pair
  // is queued, merged or not, the later one winning).
  std::unordered_map<std::string_view, std::pair<std::string_view, std::string_view>> unmerge;
  auto consider = [&](int left, int right) {
    if (left < 0 || right < 0 || sym[size_t(left)].frozen || sym[size_t(right)].frozen) return;
    const std::string_view merged(sym[size_t(left)].piece.data(),
                                  sym[size_t(left)].piece.size() + sym[size_t(right)].piece.size());
    const int id = vocab.find_mergeable(merged);
    if (id < 0) return;
    agenda.push({left, right, vocab.score(id), merged.size()});
    if (vocab.type(id) == PieceType::UNUSED) unmerge[merged] = {sym[size_t(left)].piece, sym[size_t(right)].piece};
  };
  for (size_t i = 1; i < sym.size(); ++i) consider(static_cast<int>(i) - 1, static_cast<int>(i));

  while (!agenda.empty()) {
    const Pair top = agenda.top();
    agenda.pop();
    Symbol &l = sym[size_t(top.left)], &r = sym[size_t(top.right)];
    if (l.piece.empty() || r.piece.empty() || l.piece.size() + r.piece.size() != top.size) continue;  // stale
    l.piece = std::string_view(l.piece.data(), top.size);
    l.next = r.next;
    if (r.next >= 0) sym[size_t(r.next)].prev = top.left;
    r.piece = {};
    consider(l.prev, top.left);
    consider(top.left, l.next);
  }

  std::vector<std::pair<std::string_view, int>> out;
  std::vector<std::string_view> pending;  // pieces still to resolve, the next one last
  for (int k = sym.empty() ? -1 : 0; k >= 0; k = sym[size_t(k)].next) {
    pending.push_back(sym[size_t(k)].piece);
    while (!pending.empty()) {
      const std::string_view w = pending.back();
      pending.pop_back();
      int id = vocab.find(w);
      if (id < 0) id = vocab.unk_id();
      const auto halves = vocab.type(id) == PieceType::UNUSED ? unmerge.find(w) : unmerge.end();
      if (halves == unmerge.end()) {
        out.emplace_back(w, id);
      } else {
        pending.push_back(halves->second.second);
        pending.push_back(halves->second.first);
      }
    }
  }
  return out;
}

}  // namespace

void spm_encode(const SpmVocabulary& vocab, std::string_view text, std::vector<int>& out, const std::string& origin) {
  const std::string normalized = normalize(vocab, text);
  bool prev_unknown = false;
  for (const auto& [piece, id] : bpe(vocab, normalized)) {
    const PieceType type = vocab.type(id);
    if (type == PieceType::CONTROL)  // sentencepiece: "all normalized characters are not consumed"
      throw std::runtime_error("tokenizer from " + origin + ": encode failed: the text's '" + std::string(piece) +
                               "' is the control piece " + std::to_string(id));
    const bool unknown = type == PieceType::UNKNOWN;
    if (unknown && vocab.spec().byte_fallback) {
      for (char c : piece) out.push_back(vocab.byte_id(static_cast<uint8_t>(c)));
    } else if (!(unknown && prev_unknown)) {  // a run of unknown pieces is one unknown id
      out.push_back(id);
    }
    prev_unknown = unknown;
  }
}

std::string spm_decode(const SpmVocabulary& vocab, const std::vector<int>& ids) {
  const SpmModelSpec& spec = vocab.spec();
  std::string text, bytes;
  auto flush_bytes = [&] {
    for (size_t pos = 0; pos < bytes.size();) {
      const size_t n = utf8_char_len(std::string_view(bytes).substr(pos));
      if (n == 0) text += kReplacement;
      else text.append(bytes, pos, n);
      pos += n == 0 ? 1 : n;
    }
    bytes.clear();
  };
  // With a dummy prefix (or trimmed whitespace), the space that starts the first visible piece is dropped.
  const bool strip_first_space = spec.add_dummy_prefix || spec.remove_extra_whitespaces;
  bool at_start = true, stripped = false;
  for (const int given : ids) {
    const int id = vocab.decode_id(given);
    const PieceType type = vocab.type(id);
    if (type == PieceType::BYTE) {
      bytes += static_cast<char>(byte_piece_value(vocab.piece(id)));
      continue;
    }
    flush_bytes();
    if (stripped || !text.empty()) at_start = false;
    stripped = false;
    if (type == PieceType::CONTROL) continue;
    if (type == PieceType::UNKNOWN) {
      text += spec.unk_surface;
      continue;
    }
    std::string_view piece = vocab.piece(id);
    if (at_start && strip_first_space && piece.substr(0, kSpace.size()) == kSpace) {
      piece.remove_prefix(kSpace.size());
      stripped = !spec.remove_extra_whitespaces;  // with trimming, every leading space goes
    }
    for (size_t pos = 0; pos < piece.size();) {
      if (piece.substr(pos, kSpace.size()) == kSpace) {
        text += ' ';
        pos += kSpace.size();
      } else {
        text += piece[pos++];
      }
    }
  }
  flush_bytes();
  return text;
}

}  // namespace vkg
