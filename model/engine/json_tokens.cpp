#include "model/engine/json_tokens.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace vkg {

JsonTokens::JsonTokens(const Tokenizer& tok) {
  const int n = tok.vocab_size();
  text_.resize(static_cast<size_t>(n));
  usable_.assign(static_cast<size_t>(n), false);
  const std::string space_mark = "\xE2\x96\x81";  // U+2581, SentencePiece's space
  for (int id = 0; id < n; ++id) {
    if (tok.is_control(id)) continue;
    std::string t = tok.is_byte(id) ? tok.decode({id}) : tok.piece(id);
    if (!tok.is_byte(id))
      for (size_t at; (at = t.find(space_mark)) != std::string::npos;) t.replace(at, space_mark.size(), " ");
    if (t.empty()) continue;
    text_[size_t(id)] = std::move(t);
    usable_[size_t(id)] = true;
  }
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
  // Candidates in the top_k op's order (largest logit first, the lower id first on ties), checked a slice at a
  // time: most steps find enough allowed tokens among the first few hundred.
  const size_t want = sampler.greedy() ? 1 : size_t(sampler.top_k() > 0 ? sampler.top_k() : 64);
  std::vector<int> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  auto before = [&](int a, int b) { return logits[size_t(a)] > logits[size_t(b)] || (logits[size_t(a)] == logits[size_t(b)] && a < b); };
  std::vector<int> allowed;
  size_t sorted = 0;
  for (size_t slice = 512; sorted < order.size() && allowed.size() < want; slice *= 8) {
    const size_t end = std::min(order.size(), sorted + slice);
    std::partial_sort(order.begin() + std::ptrdiff_t(sorted), order.begin() + std::ptrdiff_t(end), order.end(), before);
    for (size_t i = sorted; i < end && allowed.size() < want; ++i)
      if (allows(at, order[i])) allowed.push_back(order[i]);
    sorted = end;
  }
  if (allowed.empty()) throw std::runtime_error("response_format json_object: no token continues the JSON text");
  if (sampler.greedy()) return allowed[0];
  std::vector<float> allowed_logits;
  for (int id : allowed) allowed_logits.push_back(logits[size_t(id)]);
  return sampler.sample_sorted(allowed, allowed_logits);
}

}  // namespace vkg
