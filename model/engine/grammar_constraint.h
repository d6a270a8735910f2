// response_format json_schema: the reply held to a JSON schema by constrained decoding. xgrammar (its C++ core,
// cmake/xgrammar) turns the schema into a grammar and, each step, into the set of tokens that keep the reply a
// prefix of a document the schema accepts; the others' logits become -inf before the sampler draws.
//
// Built without xgrammar (no .cache/xgrammar-0.2.9 at configure time), available() is false and making either
// class throws, saying so.
#pragma once
#include <memory>
#include <string>
#include <vector>

namespace vkg {

// What xgrammar knows of one vocabulary (each token's text, the tokens that end a reply) and its compiler,
// which keeps every schema compiled so far: made once per model, compiling a schema takes a walk over the
// whole vocabulary per grammar state.
class GrammarVocabulary {
 public:
  // `texts`: the bytes each token adds to the reply, "" for tokens never allowed (control tokens); a text no
  // text of a grammar can match (JsonTokens' text for Gemma 4's tool tokens, json_tokens.cpp) for tokens a
  // grammar may only name by id (a structural tag's {"type": "token"});
  // `end_ids`: the tokens that end the reply (end_of_turn, eos), allowed once the document is complete;
  // `vocab_size`: the length of a logits row (ids past `texts` are never allowed).
  GrammarVocabulary(const std::vector<std::string>& texts, const std::vector<int>& end_ids, int vocab_size);
  ~GrammarVocabulary();
  GrammarVocabulary(const GrammarVocabulary&) = delete;
  GrammarVocabulary& operator=(const GrammarVocabulary&) = delete;

  static bool available();  // built with xgrammar

 private:
  friend class GrammarConstraint;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Why `schema` (JSON text) cannot constrain a reply, or "" when it can: not JSON, not a schema xgrammar
// supports, or this build has no xgrammar. Needs no vocabulary: the server checks a request with it.
std::string json_schema_error(const std::string& schema);

// Why `tag` (an xgrammar structural tag, JSON text: {"type": "structural_tag", "format": ...}; its docs are
// structural_tag/structural_tag.md in the sdist) cannot constrain a reply, or "" when it can. The server's
// tool_choice "required" / named function (app/tool_calls.h): the tool tokens by id, the arguments by schema.
std::string structural_tag_error(const std::string& tag);

enum class GrammarKind { json_schema, structural_tag };

// One reply under one schema or structural tag.
class GrammarConstraint {
 public:
  // Throws std::runtime_error when the text is unusable (json_schema_error's or structural_tag_error's message).
  GrammarConstraint(GrammarVocabulary& vocabulary, const std::string& text,
                    GrammarKind kind = GrammarKind::json_schema);
  ~GrammarConstraint();
  GrammarConstraint(const GrammarConstraint&) = delete;
  GrammarConstraint& operator=(const GrammarConstraint&) = delete;

  // Sets the logits of the tokens that may not come next to -inf (`logits`: one row, vocab_size entries).
  void mask(std::vector<float>& logits);
  // The drawn token; throws std::logic_error for one mask() did not allow.
  void accept(int token);
  // The reply is a complete document: it ends here (only an end token may follow).
  bool complete() const;
  bool allows(int token);  // whether mask() would keep `token` (tests)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vkg
