// response_format "json_object" at the token level: each step's token is drawn from the candidates whose text
// keeps the reply a prefix of one JSON object (json_prefix.h), as a token mask would: the top_k largest logits
// among the allowed tokens, then the sampler's temperature, top-p and min-p over them; once the object is
// complete, the turn ends.
//
// Made once per engine (each Generator, each BatchEngine), it also holds the vocabulary that response_format
// json_schema's grammar engine works on (grammar_constraint.h), made from the same token texts at the first
// schema, with the compiler that keeps the schemas compiled so far.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "model/engine/grammar_constraint.h"
#include "model/engine/json_prefix.h"
#include "model/sampler.h"
#include "model/tokenizer.h"

namespace vkg {

class JsonTokens {
 public:
  // The text each token adds (control tokens: none allowed), made once per tokenizer.
  explicit JsonTokens(const Tokenizer& tok);
  // The next token for the reply so far (`at`), from this step's logits; `end_id`: the token that ends the reply
  // (drawn once the object is complete). Throws if no token continues the text (none exists for a valid prefix:
  // '}' or ']' always closes something or a string takes any character).
  int pick(const JsonPrefix& at, const std::vector<float>& logits, Sampler& sampler, int end_id) const;
  void accept(JsonPrefix& at, int id) const;
  bool allows(const JsonPrefix& at, int id) const;
  // The grammar engine's view of these tokens (`end_ids`: the tokens that end a reply; `vocab_size`: a logits
  // row's length), made at the first call. Throws when built without xgrammar.
  GrammarVocabulary& grammar_vocabulary(const std::vector<int>& end_ids, int vocab_size);

 private:
  std::vector<std::string> text_;
  std::vector<bool> usable_;  // not a control token (nor a Gemma 4 tool token)
  std::vector<std::pair<int, std::string>> grammar_text_;  // Gemma 4's tool tokens' texts for a grammar
  std::unique_ptr<GrammarVocabulary> grammar_;
};

}  // namespace vkg
