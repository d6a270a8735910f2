#include "model/engine/grammar_constraint.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <variant>

#if VKG_HAVE_XGRAMMAR
#include <xgrammar/xgrammar.h>
#endif

namespace vkg {

#if VKG_HAVE_XGRAMMAR

namespace {
// How a schema's documents are written: no free whitespace (", " and ": " between items), so that a model
// cannot fill the reply with blanks between tokens; properties in the schema's order.
constexpr bool kAnyWhitespace = false;
// The compiled schemas kept for the next request with the same schema (least recently used dropped past it):
// a server's memory must not grow with every new schema a client sends.
constexpr int64_t kCompiledCacheBytes = int64_t(128) << 20;

// xgrammar's error without its log prefix ("[05:22:29] /path/json_schema_converter.cc:5082: "), which names
// our build tree rather than the schema.
std::string xgrammar_message(const std::exception& e) {
  std::string m = e.what();
  const size_t source = m.rfind(".cc:", m.find(": "));
  if (!m.empty() && m[0] == '[' && source != std::string::npos) {
    const size_t text = m.find(": ", source);
    if (text != std::string::npos) m = m.substr(text + 2);
  }
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}
// A structural tag's grammar as EBNF text, without free whitespace and without lookahead assertions. xgrammar
// puts optional whitespace between the tokens of a structural tag's JSON values and cannot leave it out
// (max_whitespace_cnt is at least 1): each whitespace class [ \n\r\t] of the printed grammar (with its
// repetition) becomes "", so values are written without blanks, as json_schema's are (kAnyWhitespace). Its JSON
// strings assert what follows them in JSON (one of , } ] :), which a value in a call's syntax does not meet (a
// Python argument list's ')'): the assertions (a rule's trailing "(=...)") are dropped, the grammar around a value
// says what may follow it anyway. Classes and assertions are found where they start, outside quoted literals.
std::string structural_tag_ebnf(const std::string& tag) {
  auto parsed = xgrammar::Grammar::FromStructuralTag(tag);
  if (!std::holds_alternative<xgrammar::Grammar>(parsed))
    throw std::runtime_error(std::visit([](const auto& e) { return std::string(e.what()); }, std::get<1>(parsed)));
  const std::string text = std::get<xgrammar::Grammar>(parsed).ToString();
  const std::string blank = "[ \\n\\r\\t]";
  std::string out;
  bool quoted = false, in_class = false;
  int depth = 0;  // parentheses open on this rule's line
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {  // an escape: the next character is part of it
      out += c;
      out += text[++i];
      continue;
    }
    if (!quoted && !in_class) {
      if (c == '[' && text.compare(i, blank.size(), blank) == 0) {
        out += "\"\"";
        i += blank.size();
        if (i < text.size() && (text[i] == '*' || text[i] == '+' || text[i] == '?')) ++i;
        else if (i < text.size() && text[i] == '{') i = text.find('}', i) + 1;
        --i;
        continue;
      }
      if (depth == 0 && text.compare(i, 3, " (=") == 0) {  // the rule's lookahead: to the end of its line
        const size_t line_end = text.find('\n', i);
        if (line_end == std::string::npos) break;
        i = line_end - 1;
        continue;
      }
      if (c == '(') ++depth;
      else if (c == ')') --depth;
      else if (c == '\n') depth = 0;
    }
    if (c == '"' && !in_class) quoted = !quoted;
    else if (c == '[' && !quoted) in_class = true;
    else if (c == ']' && !quoted) in_class = false;
    out += c;
  }
  return out;
}

}  // namespace

struct GrammarVocabulary::Impl {
  Impl(const std::vector<std::string>& texts, const std::vector<int>& end_ids, int vocab_size)
      : vocab_size(vocab_size),
        // RAW: the texts are the tokens' bytes already; "" makes a token special (never allowed).
        info(texts, xgrammar::VocabType::RAW, std::max<int>(vocab_size, static_cast<int>(texts.size())),
             std::vector<int32_t>(end_ids.begin(), end_ids.end())),
        compiler(info, /*max_threads=*/2, /*cache_enabled=*/true, kCompiledCacheBytes) {}
  int vocab_size;
  xgrammar::TokenizerInfo info;
  xgrammar::GrammarCompiler compiler;
};

GrammarVocabulary::GrammarVocabulary(const std::vector<std::string>& texts, const std::vector<int>& end_ids,
                                     int vocab_size)
    : impl_(std::make_unique<Impl>(texts, end_ids, vocab_size)) {}
GrammarVocabulary::~GrammarVocabulary() = default;
bool GrammarVocabulary::available() { return true; }

std::string json_schema_error(const std::string& schema) {
  try {
    xgrammar::Grammar::FromJSONSchema(schema, kAnyWhitespace);
    return "";
  } catch (const std::exception& e) {
    return "the JSON schema is not usable: " + xgrammar_message(e);
  }
}

std::string structural_tag_error(const std::string& tag) {
  try {
    xgrammar::Grammar::FromEBNF(structural_tag_ebnf(tag));
    return "";
  } catch (const std::exception& e) {
    return "the structural tag is not usable: " + xgrammar_message(e);
  }
}

struct GrammarConstraint::Impl {
  Impl(GrammarVocabulary::Impl& v, const xgrammar::CompiledGrammar& grammar)
      : vocab_size(v.vocab_size),
        matcher(grammar),
        words(static_cast<size_t>(xgrammar::GetBitmaskSize(v.info.GetVocabSize()))) {
    shape = static_cast<int64_t>(words.size());
    tensor.data = words.data();
    tensor.device = DLDevice{kDLCPU, 0};
    tensor.ndim = 1;
    tensor.dtype = xgrammar::GetBitmaskDLType();
    tensor.shape = &shape;
    tensor.strides = nullptr;
    tensor.byte_offset = 0;
  }
  // The bitmask of the tokens allowed next (bit i of word i/32: token i), computed once per step.
  void fill() {
    if (filled) return;
    matcher.FillNextTokenBitmask(&tensor);
    filled = true;
  }
  bool bit(int token) const { return (words[size_t(token) >> 5] >> (token & 31)) & 1; }

  int vocab_size;
  xgrammar::GrammarMatcher matcher;
  std::vector<int32_t> words;
  int64_t shape = 0;
  DLTensor tensor{};
  bool filled = false;
};

GrammarConstraint::GrammarConstraint(GrammarVocabulary& vocabulary, const std::string& text, GrammarKind kind) {
  std::optional<xgrammar::CompiledGrammar> grammar;
  try {
    grammar = kind == GrammarKind::json_schema ? vocabulary.impl_->compiler.CompileJSONSchema(text, kAnyWhitespace)
                                               : vocabulary.impl_->compiler.CompileGrammar(structural_tag_ebnf(text), "root");
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string(kind == GrammarKind::json_schema ? "the JSON schema" : "the structural tag") +
                             " is not usable: " + xgrammar_message(e));
  }
  impl_ = std::make_unique<Impl>(*vocabulary.impl_, *grammar);
}

void GrammarConstraint::mask(std::vector<float>& logits) {
  if (logits.size() != size_t(impl_->vocab_size))
    throw std::logic_error("GrammarConstraint::mask: a row of " + std::to_string(impl_->vocab_size) +
                           " logits expected, got " + std::to_string(logits.size()));
  impl_->fill();
  const float none = -std::numeric_limits<float>::infinity();
  const size_t n = logits.size();
  for (size_t w = 0; w * 32 < n; ++w) {
    const uint32_t word = static_cast<uint32_t>(impl_->words[w]);
    if (word == 0xFFFFFFFFu) continue;
    for (size_t i = w * 32; i < std::min(n, w * 32 + 32); ++i)
      if (!((word >> (i & 31)) & 1)) logits[i] = none;
  }
}

bool GrammarConstraint::allows(int token) {
  if (token < 0 || token >= impl_->vocab_size) return false;
  impl_->fill();
  return impl_->bit(token);
}

void GrammarConstraint::accept(int token) {
  if (!impl_->matcher.AcceptToken(token))
    throw std::logic_error("GrammarConstraint::accept: token " + std::to_string(token) +
                           " does not continue the document");
  impl_->filled = false;
}

bool GrammarConstraint::complete() const { return impl_->matcher.IsCompleted(); }

#else  // built without xgrammar

namespace {
const char* const kNoXgrammar =
    "this vkgemma was built without xgrammar (tools/setup.sh fetches it), so it cannot hold a reply to a JSON "
    "schema or a grammar";
}

struct GrammarVocabulary::Impl {};
GrammarVocabulary::GrammarVocabulary(const std::vector<std::string>&, const std::vector<int>&, int) {
  throw std::runtime_error(kNoXgrammar);
}
GrammarVocabulary::~GrammarVocabulary() = default;
bool GrammarVocabulary::available() { return false; }

std::string json_schema_error(const std::string&) { return kNoXgrammar; }
std::string structural_tag_error(const std::string&) { return kNoXgrammar; }

struct GrammarConstraint::Impl {};
GrammarConstraint::GrammarConstraint(GrammarVocabulary&, const std::string&, GrammarKind) {
  throw std::runtime_error(kNoXgrammar);
}
void GrammarConstraint::mask(std::vector<float>&) {}
bool GrammarConstraint::allows(int) { return false; }
void GrammarConstraint::accept(int) {}
bool GrammarConstraint::complete() const { return false; }

#endif

GrammarConstraint::~GrammarConstraint() = default;

}  // namespace vkg
