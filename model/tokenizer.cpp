#include "model/tokenizer.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "model/bpe_merges.h"
#include "model/spm_bpe.h"

namespace vkg {

Tokenizer::Tokenizer(SpmVocabulary vocab, std::string origin)
    : vocab_(std::make_unique<const SpmVocabulary>(std::move(vocab))), origin_(std::move(origin)) {
  init_specials();
}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

std::string Tokenizer::serialized_proto() const { return serialize_spm_model_proto(*vocab_); }

void Tokenizer::init_specials() {
  const SpmModelSpec& spec = vocab_->spec();
  bos_id_ = vocab_->spec_control_id(spec.bos_piece);
  eos_id_ = vocab_->spec_control_id(spec.eos_piece);
  specials_.clear();
  special_lengths_.clear();
  std::memset(special_first_byte_, 0, sizeof special_first_byte_);
  std::vector<bool> listed(static_cast<size_t>(vocab_->size()));
  for (int id : user_defined_) listed[static_cast<size_t>(id)] = true;
  for (int id = 0; id < vocab_->size(); ++id) {
    const PieceType t = vocab_->type(id);
    if (t != PieceType::CONTROL && t != PieceType::UNKNOWN && !listed[static_cast<size_t>(id)]) continue;
    const std::string_view p = vocab_->piece(id);
    if (specials_.emplace(p, id).second) {
      special_first_byte_[static_cast<uint8_t>(p[0])] = 1;
      if (std::find(special_lengths_.begin(), special_lengths_.end(), p.size()) == special_lengths_.end())
        special_lengths_.push_back(p.size());
    }
  }
  std::sort(special_lengths_.rbegin(), special_lengths_.rend());
}

void Tokenizer::check_id(int id) const {
  if (id < 0 || id >= vocab_->size())
    throw std::runtime_error("tokenizer from " + origin_ + ": token id " + std::to_string(id) +
                             " is outside the vocabulary of " + std::to_string(vocab_->size()) + " tokens");
}

std::vector<int> Tokenizer::encode(const std::string& text, bool add_bos, bool specials) const {
  return encode_parts({{text, specials}}, add_bos);
}

std::vector<int> Tokenizer::encode_parts(const std::vector<TextPart>& parts, bool add_bos) const {
  std::vector<int> out;
  if (add_bos && bos_id_ >= 0) out.push_back(bos_id_);
  // The text between control tokens, gathered across parts and encoded as one run (as the joined text would be).
  std::string run;
  auto flush = [&] {
    if (run.empty()) return;
    if (bpe_) {
      const std::vector<int> ids = bpe_->encode(run);
      out.insert(out.end(), ids.begin(), ids.end());
    } else {
      spm_encode(*vocab_, run, out, origin_);
    }
    run.clear();
  };
  bool at_start = true;  // nothing of the text seen yet (a BOS written there is not doubled by add_bos)
  for (const TextPart& part : parts) {
    const std::string_view text = part.text;
    if (!part.specials) {
      run.append(text);
      at_start = at_start && text.empty();
      continue;
    }
    size_t plain_begin = 0;
    size_t i = 0;
    while (i < text.size()) {
      int match_id = -1;
      size_t match_len = 0;
      if (special_first_byte_[static_cast<uint8_t>(text[i])]) {
        for (size_t len : special_lengths_) {  // longest first
          if (len > text.size() - i) continue;
          auto it = specials_.find(text.substr(i, len));
          if (it != specials_.end()) {
            match_id = it->second;
            match_len = len;
            break;
          }
        }
      }
      if (match_id < 0) {
        ++i;
        continue;
      }
      run.append(text.substr(plain_begin, i - plain_begin));
      const bool leading_bos = match_id == bos_id_ && add_bos && at_start && run.empty();
      flush();
      if (!leading_bos) out.push_back(match_id);
      i += match_len;
      plain_begin = i;
      at_start = false;
    }
    run.append(text.substr(plain_begin));
    at_start = at_start && text.empty();
  }
  flush();
  return out;
}

std::string Tokenizer::decode(const std::vector<int>& ids) const {
  for (int id : ids) check_id(id);
  return spm_decode(*vocab_, ids);
}

std::string Tokenizer::piece(int id) const {
  check_id(id);
  return std::string(vocab_->piece(id));
}

int Tokenizer::vocab_size() const { return vocab_->size(); }

std::optional<int> Tokenizer::find_token(const std::string& piece) const {
  const int id = piece.empty() ? -1 : vocab_->find(piece);
  return id < 0 ? std::nullopt : std::optional<int>(id);
}

bool Tokenizer::is_control(int id) const {
  return id >= 0 && id < vocab_->size() && vocab_->type(id) == PieceType::CONTROL;
}

bool Tokenizer::is_byte(int id) const { return id >= 0 && id < vocab_->size() && vocab_->type(id) == PieceType::BYTE; }

// ---- TokenStreamDecoder -------------------------------------------------------------------------
//
// decode() of a sequence only depends on its neighbourhood: byte-fallback pieces are joined into UTF-8
// runs, and (for models with add_dummy_prefix) the leading space of the first piece is dropped. So
// once a normal piece with non-empty text has been seen, it becomes the "anchor": the window restarts
// with just that piece, and the text after it is decode(window) minus the anchor's own text.

TokenStreamDecoder::TokenStreamDecoder(const Tokenizer& tok) : tok_(tok) {}

std::string TokenStreamDecoder::push(int id) {
  tok_.decode({id});  // validates the id (throws on a bad one)
  // A control token is invisible and, once the anchor has text, changes nothing, unless it separates two
  // runs of byte pieces (decode() joins only adjacent byte pieces into characters).
  if (has_anchor_ && tok_.is_control(id) && !tok_.is_byte(window_.back())) return {};
  window_.push_back(id);

  // Hold back an incomplete UTF-8 character at the end of a trailing run of byte pieces.
  size_t run_start = window_.size();
  while (run_start > 0 && tok_.is_byte(window_[run_start - 1])) --run_start;
  size_t hold = 0;
  for (size_t k = 1; k <= 4 && k <= window_.size() - run_start; ++k) {
    const int b = byte_piece_value(tok_.piece(window_[window_.size() - k]));
    if (b < 0) break;
    if ((b & 0xC0) == 0x80) continue;  // continuation byte: look further back
    const size_t need = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
    if (k < need) hold = k;
    break;
  }

  const std::vector<int> settled(window_.begin(), window_.end() - static_cast<std::ptrdiff_t>(hold));
  const std::string text = tok_.decode(settled);
  const std::string body = text.size() > anchor_len_ ? text.substr(anchor_len_) : std::string();
  std::string out = body.size() > emitted_ ? body.substr(emitted_) : std::string();
  emitted_ = std::max(emitted_, body.size());

  if (hold == 0 && !tok_.is_byte(id) && !tok_.is_control(id)) {
    const std::string own = tok_.decode({id});
    if (!own.empty()) {
      window_.assign(1, id);
      anchor_len_ = own.size();
      emitted_ = 0;
      has_anchor_ = true;
    }
  } else if (hold == 0 && tok_.is_byte(id)) {
    // A run of byte pieces that ends on a whole, valid character: that character's pieces become the
    // anchor, so a long run costs linear time instead of re-decoding the whole run at every token.
    if (const size_t n = valid_char_at_end(); n > 0) {
      window_.erase(window_.begin(), window_.end() - static_cast<std::ptrdiff_t>(n));
      anchor_len_ = tok_.decode(window_).size();
      emitted_ = 0;
      has_anchor_ = true;
    }
  }
  return out;
}

// How many byte pieces at the end of the window spell one valid UTF-8 character (0 if they do not).
size_t TokenStreamDecoder::valid_char_at_end() const {
  for (size_t k = 1; k <= 4 && k <= window_.size() && tok_.is_byte(window_[window_.size() - k]); ++k) {
    const int b = byte_piece_value(tok_.piece(window_[window_.size() - k]));
    if (b < 0) break;
    if ((b & 0xC0) == 0x80) continue;  // continuation: the lead byte is further back
    const size_t need = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 && b >= 0xC2 ? 2 : (b & 0xF0) == 0xE0 ? 3
                                                                          : (b & 0xF8) == 0xF0 && b <= 0xF4 ? 4 : 0;
    return need == k ? k : 0;
  }
  return 0;
}

}  // namespace vkg
