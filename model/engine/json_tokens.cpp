#include "model/engine/json_tokens.h"

#include <algorithm>
#include <stdexcept>
#include <string_view>

#include "model/chat_template.h"
#include "model/spm_vocabulary.h"

namespace vkg {

JsonTokens::JsonTokens(const Tokenizer& tok) {
  const int n = tok.vocab_size();
  text_.resize(static_cast<size_t>(n));
  usable_.assign(static_cast<size_t>(n), false);
  const std::string_view space_mark = "\xE2\x96\x81";  // U+2581, SentencePiece's space
  for (int id = 0; id < n; ++id) {
    if (tok.is_control(id)) continue;
    const std::string piece = tok.piece(id);
    std::string t;
    if (tok.is_byte(id)) {  // "<0xNN>": that byte
      t.push_back(static_cast<char>(byte_piece_value(piece)));
    } else {
      for (size_t i = 0; i < piece.size();) {
        const bool space = std::string_view(piece).substr(i, space_mark.size()) == space_mark;
        t.push_back(space ? ' ' : piece[i]);
        i += space ? space_mark.size() : 1;
      }
    }
    if (t.empty()) continue;
    text_[size_t(id)] = std::move(t);
    usable_[size_t(id)] = true;
  }
  // Gemma 4's tool and channel tokens are no JSON text (model/chat_template.h). A grammar names them by id; the
  // text it sees for them is one no text rule takes: <|"|> 0xFF <|"|> 0xFF and the piece. 0xFF never occurs in
  // UTF-8, so only a rule for any bytes could take it: xgrammar's inside Gemma's strings ("gemma" style), which
  // stops at their delimiter <|"|> (after which a string is followed by ',' '}' ']' or a space, never 0xFF); as an
  // opening <|"|> the content 0xFF would be closed by the second one, and 0xFF follow. A JSON string would end at
  // the delimiter's '"' and meet '|'. The delimiter itself is text to a grammar.
  auto special = [&](const char* piece, const std::string& grammar_text) {
    if (std::optional<int> id = tok.find_token(piece)) {
      text_[size_t(*id)].clear();
      usable_[size_t(*id)] = false;
      grammar_text_.emplace_back(*id, grammar_text);
    }
  };
  const std::string hidden = std::string(kGemma4Quote).append("\xFF").append(kGemma4Quote).append("\xFF");
  for (const char* piece : kGemma4ToolTokens) special(piece, hidden + piece);
  for (const char* piece : kGemma4ChannelTokens) special(piece, hidden + piece);
  special(kGemma4Quote, kGemma4Quote);
}

bool JsonTokens::allows(const JsonPrefix& at, int id) const {
  if (id < 0 || size_t(id) >= text_.size() || !usable_[size_t(id)]) return false;
  JsonPrefix next = at;
  return next.push(text_[size_t(id)]);
}

void JsonTokens::accept(JsonPrefix& at, int id) const {
  if (id >= 0 && size_t(id) < text_.size() && usable_[size_t(id)]) at.push(text_[size_t(id)]);
}

int JsonTokens::pick(const JsonPrefix& at, const std::vector<float>& logits, Sampler& sampler, int end_id) const {
  if (at.complete()) return end_id;
  // Candidates in the top_k op's order (Sampler::top_ids: largest logit first, the lower id first on ties), in
  // growing slices: most steps find enough allowed tokens among the first few hundred.
  const size_t want = sampler.greedy() ? 1 : size_t(sampler.top_k() > 0 ? sampler.top_k() : 64);
  std::vector<int> allowed;
  for (size_t sorted = 0, end = 512; sorted < logits.size() && allowed.size() < want; sorted = end, end *= 8) {
    const std::vector<int> order = Sampler::top_ids(logits, std::min(end, logits.size()));
    for (size_t i = sorted; i < order.size() && allowed.size() < want; ++i)
      if (allows(at, order[i])) allowed.push_back(order[i]);
  }
  if (allowed.empty()) throw std::runtime_error("response_format json_object: no token continues the JSON text");
  if (sampler.greedy()) return allowed[0];
  std::vector<float> allowed_logits;
  for (int id : allowed) allowed_logits.push_back(logits[size_t(id)]);
  return sampler.sample_sorted(allowed, allowed_logits);
}

GrammarVocabulary& JsonTokens::grammar_vocabulary(const std::vector<int>& end_ids, int vocab_size) {
  if (!grammar_) {
    std::vector<std::string> texts = text_;  // control tokens: ""
    for (const auto& [id, text] : grammar_text_) texts[size_t(id)] = text;
    grammar_ = std::make_unique<GrammarVocabulary>(texts, end_ids, vocab_size);
  }
  return *grammar_;
}

}  // namespace vkg
