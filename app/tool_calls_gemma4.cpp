// Gemma 4's function-calling syntax (app/tool_calls.h), as its checkpoints' chat template writes it
// (assets/templates/gemma4_chat_template.jinja; rendered by transformers for tests/unit/test_tool_calls.cpp):
//
//   declarations  <|tool>declaration:get_weather{description:<|"|>...<|"|>,parameters:{properties:{city:{
//                 type:<|"|>STRING<|"|>}},required:[<|"|>city<|"|>],type:<|"|>OBJECT<|"|>}}<tool|>   (system turn)
//   a call        <|tool_call>call:get_weather{city:<|"|>Paris<|"|>,days:3}<tool_call|>
//   a result      <|tool_response>response:get_weather{value:<|"|>18 C<|"|>}<tool_response|>
//
// Values as the template's format_argument writes them: strings between <|"|> tokens (no escapes), true/false,
// null as Python's None, numbers as Python prints them, lists [a,b], mappings {key:value} with their keys sorted
// as Jinja's dictsort does (case-insensitively; keys are bare in calls and results, between <|"|> inside
// declarations). The template's own quirks are kept (schema keys it skips or formats oddly), since the model was
// trained on its renderings. What the client wrote (names, descriptions, strings, keys) is always user text:
// only the template's own literals become tool tokens.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "app/openai_api.h"
#include "app/tool_calls.h"
#include "app/tool_grammar.h"

namespace vkg::app {

namespace {

using ojson = nlohmann::ordered_json;

const std::string kQuote = "<|\"|>";
const std::string kCallOpen = "<|tool_call>", kCallClose = "<tool_call|>";
const std::string kResponseOpen = "<|tool_response>", kResponseClose = "<tool_response|>";

// ---- Python's and Jinja's ways of printing ----------------------------------------------------------------------

// A float as Python's repr: the shortest digits that read back, exponent form below 1e-4 and from 1e16 on.
std::string py_float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, r.ptr);  // [-]d[.ddd]e[+-]XX
  const bool neg = sci[0] == '-';
  if (neg) sci.erase(0, 1);
  const size_t e = sci.find('e');
  std::string digits = sci.substr(0, e);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  const int exp10 = std::stoi(sci.substr(e + 1));  // value = d.ddd * 10^exp10
  const int point = exp10 + 1;                      // digits before the decimal point
  std::string out;
  if (point > 16 || point < -3) {  // repr: exponent form when the exponent is < -4 or >= 16
    out = digits.substr(0, 1);
    if (digits.size() > 1) out.append(".").append(digits, 1);
    char ex[16];
    std::snprintf(ex, sizeof ex, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
    out += ex;
  } else if (point <= 0) {
    out.append("0.").append(size_t(-point), '0').append(digits);
  } else if (size_t(point) >= digits.size()) {
    out.append(digits).append(size_t(point) - digits.size(), '0').append(".0");
  } else {
    out.append(digits, 0, size_t(point)).append(".").append(digits, size_t(point));
  }
  std::string sign(neg ? 1 : 0, '-');  // (not "-" + out: GCC 12's -Wrestrict misfires on it)
  return sign.append(out);
}

std::string number_text(const ojson& v) {
  if (v.is_number_float()) return py_float(v.get<double>());
  return v.dump();  // an integer
}

// Python's repr of a string (single quotes unless it holds one and no double quote), for str() of containers.
std::string py_repr(const std::string& s) {
  const char q = s.find('\'') != std::string::npos && s.find('"') == std::string::npos ? '"' : '\'';
  std::string out(1, q);
  for (unsigned char c : s) {
    if (c == '\\' || c == static_cast<unsigned char>(q)) out += '\\', out += char(c);
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7F) {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      out += b;
    } else {
      out += char(c);
    }
  }
  return out + q;
}

// What {{ v }} prints: Python's str() of the value.
std::string py_str(const ojson& v, bool nested = false) {
  if (v.is_string()) return nested ? py_repr(v.get<std::string>()) : v.get<std::string>();
  if (v.is_null()) return "None";
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  if (v.is_number()) return number_text(v);
  std::string out = v.is_array() ? "[" : "{";
  bool first = true;
  for (auto it = v.begin(); it != v.end(); ++it, first = false) {
    if (!first) out += ", ";
    if (v.is_object()) out += py_repr(it.key()) + ": ";
    out += py_str(*it, true);
  }
  return out + (v.is_array() ? "]" : "}");
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Jinja's truth of a value (missing: false).
bool truthy(const ojson* v) {
  if (!v || v->is_null()) return false;
  if (v->is_boolean()) return v->get<bool>();
  if (v->is_number()) return v->get<double>() != 0;
  if (v->is_string() || v->is_array() || v->is_object()) return !v->empty();
  return true;
}

// v[key] as Jinja sees it: missing (nullptr) unless v is a mapping that has the key.
const ojson* get(const ojson& v, const char* key) {
  if (!v.is_object()) return nullptr;
  auto it = v.find(key);
  return it == v.end() ? nullptr : &*it;
}

// {{ v | upper }}: missing prints as "".
std::string upper_of(const ojson* v) { return v ? upper(py_str(*v)) : ""; }

// A mapping's keys in the order of Jinja's dictsort: by the lower-cased key, ties kept in their order.
std::vector<std::string> sorted_keys(const ojson& m) {
  std::vector<std::string> keys;
  for (auto it = m.begin(); it != m.end(); ++it) keys.push_back(it.key());
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  std::stable_sort(keys.begin(), keys.end(), [&](const std::string& a, const std::string& b) { return lower(a) < lower(b); });
  return keys;
}

ojson ordered(const nlohmann::json& j) { return ojson::parse(j.dump()); }

// ---- Writing pieces ---------------------------------------------------------------------------------------------

// Template text (its tool tokens parsed) and what the client wrote (never parsed), in order.
struct Writer {
  PromptPieces out;
  void t(const std::string& text) { add(text, false); }
  void u(const std::string& text) { add(text, true); }
  void quoted(const std::string& text) { t(kQuote), u(text), t(kQuote); }

  // The template's format_argument: strings quoted, mappings with sorted keys (between quotes when escape_keys).
  void argument(const ojson& v, bool escape_keys) {
    if (v.is_string()) return quoted(v.get<std::string>());
    if (v.is_boolean()) return t(v.get<bool>() ? "true" : "false");
    if (v.is_object()) {
      t("{");
      bool first = true;
      for (const std::string& k : sorted_keys(v)) {
        if (!first) t(",");
        first = false;
        escape_keys ? quoted(k) : u(k);
        t(":");
        argument(v.at(k), escape_keys);
      }
      return t("}");
    }
    if (v.is_array()) {
      t("[");
      for (size_t i = 0; i < v.size(); ++i) {
        if (i) t(",");
        argument(v[i], escape_keys);
      }
      return t("]");
    }
    if (v.is_null()) return t("None");
    u(number_text(v));
  }

  // The template's format_parameters: a schema's properties (the standard keys of a schema skipped).
  void parameters(const ojson& properties) {
    static const char* const kStandard[] = {"description", "type", "properties", "required", "nullable"};
    bool first = true;
    for (const std::string& key : sorted_keys(properties)) {
      if (std::find(std::begin(kStandard), std::end(kStandard), key) != std::end(kStandard)) continue;
      const ojson& value = properties.at(key);
      if (!first) t(",");
      first = false;
      u(key);
      t(":{");
      bool add_comma = false;
      auto comma = [&] {
        if (add_comma) t(",");
        add_comma = true;
      };
      if (truthy(get(value, "description"))) {
        t("description:");
        quoted(py_str(*get(value, "description")));
        add_comma = true;
      }
      const std::string type = upper_of(get(value, "type"));
      if (type == "STRING") {
        if (truthy(get(value, "enum"))) {
          comma();
          t("enum:");
          argument(*get(value, "enum"), true);
        }
      } else if (type == "ARRAY") {
        const ojson* items = get(value, "items");
        if (items && items->is_object() && !items->empty()) {
          comma();
          item_schema(*items);
        }
      }
      if (truthy(get(value, "nullable"))) {
        comma();
        t("nullable:true");
      }
      if (type == "OBJECT") {
        const ojson* props = get(value, "properties");
        comma();
        t("properties:{");
        if (props && props->is_object()) parameters(*props);
        else if (value.is_object()) parameters(value);
        t("}");
        if (truthy(get(value, "required"))) {
          comma();
          required(*get(value, "required"));
        }
      }
      comma();
      t("type:");
      quoted(type);
      t("}");
    }
  }

  // An array's items schema: its keys sorted, each written by its kind.
  void item_schema(const ojson& items) {
    t("items:{");
    bool first = true;
    for (const std::string& key : sorted_keys(items)) {
      const ojson& v = items.at(key);
      if (v.is_null()) continue;
      if (!first) t(",");
      first = false;
      if (key == "properties") {
        t("properties:{");
        if (v.is_object()) parameters(v);
        t("}");
      } else if (key == "required") {
        required(v);
      } else if (key == "type") {
        t("type:");
        if (v.is_string()) {
          quoted(upper(v.get<std::string>()));
        } else {
          ojson types = ojson::array();
          for (const ojson& x : v) types.push_back(upper(py_str(x)));
          argument(types, true);
        }
      } else {
        u(key);
        t(":");
        argument(v, true);
      }
    }
    t("}");
  }

  void required(const ojson& names) {
    t("required:[");
    bool first = true;
    for (const ojson& n : names) {
      if (!first) t(",");
      first = false;
      quoted(py_str(n));
    }
    t("]");
  }

 private:
  void add(const std::string& text, bool user) {
    if (text.empty()) return;
    if (!out.empty() && out.back().user == user) out.back().text += text;
    else out.push_back({text, user});
  }
};

// The template's format_function_declaration, in its <|tool>...<tool|>.
void declaration(Writer& w, const nlohmann::json& function) {
  const ojson f = ordered(function);
  w.t("<|tool>declaration:");
  w.u(f["name"].get<std::string>());
  w.t("{description:");
  w.quoted(f.contains("description") ? py_str(f["description"]) : "");
  const ojson* params = get(f, "parameters");
  if (truthy(params)) {
    w.t(",parameters:{");
    if (truthy(get(*params, "properties"))) {
      w.t("properties:{");
      w.parameters(*get(*params, "properties"));
      w.t("},");
    }
    if (truthy(get(*params, "required"))) {
      w.required(*get(*params, "required"));
      w.t(",");
    }
    if (truthy(get(*params, "type"))) {
      w.t("type:");
      w.quoted(upper_of(get(*params, "type")));
      w.t("}");
    }
  }
  w.t("}<tool|>");
}

// ---- Reading a reply --------------------------------------------------------------------------------------------

// <|tool_call>call:NAME{...}<tool_call|>, one or more, whitespace between; values as format_argument writes them
// (also JSON's null and Python's True/False, keys bare or quoted).
class CallReader {
 public:
  explicit CallReader(const std::string& s) : s_(s) {}

  std::optional<std::vector<ToolCall>> calls() {
    std::vector<ToolCall> out;
    space();
    while (eat(kCallOpen)) {
      ToolCall c;
      if (!eat("call:")) return std::nullopt;
      const size_t start = i_;
      while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' || s_[i_] == '-')) ++i_;
      c.name = s_.substr(start, i_ - start);
      space();
      if (c.name.empty() || i_ >= s_.size() || s_[i_] != '{') return std::nullopt;
      std::optional<ojson> args = value();
      space();
      if (!args || !eat(kCallClose)) return std::nullopt;
      c.arguments = args->dump(-1, ' ', false, ojson::error_handler_t::replace);
      out.push_back(std::move(c));
      space();
    }
    if (eat(kResponseOpen)) space();  // the model's hand-over, when it is not a stop token
    if (out.empty() || i_ != s_.size()) return std::nullopt;
    return out;
  }

 private:
  void space() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  bool eat(const std::string& w) {
    if (s_.compare(i_, w.size(), w) != 0) return false;
    i_ += w.size();
    return true;
  }
  std::optional<std::string> quoted() {
    if (!eat(kQuote)) return std::nullopt;
    const size_t end = s_.find(kQuote, i_);
    if (end == std::string::npos) return std::nullopt;
    std::string text = s_.substr(i_, end - i_);
    i_ = end + kQuote.size();
    return text;
  }
  std::optional<ojson> value() {
    space();
    if (i_ >= s_.size()) return std::nullopt;
    if (s_.compare(i_, kQuote.size(), kQuote) == 0) {
      std::optional<std::string> text = quoted();
      return text ? std::optional<ojson>(*text) : std::nullopt;
    }
    if (eat("{")) {
      ojson out = ojson::object();
      space();
      if (eat("}")) return out;
      for (;;) {
        space();
        std::optional<std::string> key;
        if (s_.compare(i_, kQuote.size(), kQuote) == 0) {
          key = quoted();
        } else {
          const size_t start = i_;
          while (i_ < s_.size() && s_[i_] != ':' && std::string("{}[],").find(s_[i_]) == std::string::npos &&
                 s_.compare(i_, kQuote.size(), kQuote) != 0)
            ++i_;
          key = s_.substr(start, i_ - start);
          while (!key->empty() && std::isspace(static_cast<unsigned char>(key->back()))) key->pop_back();
        }
        space();
        if (!key || key->empty() || !eat(":")) return std::nullopt;
        std::optional<ojson> v = value();
        if (!v) return std::nullopt;
        out[*key] = std::move(*v);
        space();
        if (eat("}")) return out;
        if (!eat(",")) return std::nullopt;
      }
    }
    if (eat("[")) {
      ojson out = ojson::array();
      space();
      if (eat("]")) return out;
      for (;;) {
        std::optional<ojson> v = value();
        if (!v) return std::nullopt;
        out.push_back(std::move(*v));
        space();
        if (eat("]")) return out;
        if (!eat(",")) return std::nullopt;
      }
    }
    const size_t start = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.' || s_[i_] == '-' ||
                              s_[i_] == '+'))
      ++i_;
    const std::string word = s_.substr(start, i_ - start);
    if (word == "true" || word == "True") return ojson(true);
    if (word == "false" || word == "False") return ojson(false);
    if (word == "null" || word == "None") return ojson(nullptr);
    try {
      ojson n = ojson::parse(word);
      if (n.is_number()) return n;
    } catch (const ojson::exception&) {
    }
    return std::nullopt;
  }

  const std::string& s_;
  size_t i_ = 0;
};

// ---- The syntax -------------------------------------------------------------------------------------------------

class Gemma4Syntax : public ToolSyntax {
 public:
  std::vector<ChatMessage> render(const std::vector<RequestMessage>& in, const ToolUse& use,
                                  PromptPieces& declarations) const override {
    if (use.active()) {
      Writer w;
      for (const nlohmann::json& f : use.functions) declaration(w, f);
      declarations = std::move(w.out);
    }
    std::vector<ChatMessage> out;
    const RequestMessage* calls_of = nullptr;  // the assistant message the tool messages answer
    for (const RequestMessage& m : in) {
      ChatMessage message = m.message;
      if (message.role == "tool") {
        // The function's name: the call with this tool_call_id (the template compares them even when both are
        // missing), else the message's own name.
        std::string name = m.name.empty() ? "unknown" : m.name;
        if (calls_of)
          for (const ToolCall& c : calls_of->calls)
            if (c.id == m.tool_call_id) name = c.name;
        Writer w;
        w.t(kResponseOpen + "response:");
        w.u(name);
        w.t("{value:");
        w.quoted(message.content);
        w.t("}" + kResponseClose);
        message.tool_result = std::move(w.out);
      } else {
        calls_of = m.calls.empty() ? nullptr : &m;
        Writer w;
        for (const ToolCall& c : m.calls) {
          ojson args;
          try {
            args = ojson::parse(c.arguments.empty() ? "{}" : c.arguments);
          } catch (const ojson::exception&) {
            throw ApiError(400, "tool call '" + c.name + "': 'arguments' is not valid JSON", "messages");
          }
          if (!args.is_object())
            throw ApiError(400, "tool call '" + c.name + "': 'arguments' must be a JSON object", "messages");
          w.t(kCallOpen + "call:");
          w.u(c.name);
          w.t("{");
          bool first = true;
          for (const std::string& k : sorted_keys(args)) {
            if (!first) w.t(",");
            first = false;
            w.u(k);
            w.t(":");
            w.argument(args.at(k), false);
          }
          w.t("}" + kCallClose);
        }
        message.tool_calls = std::move(w.out);
      }
      out.push_back(std::move(message));
    }
    return out;
  }

  std::optional<std::vector<ToolCall>> parse(const std::string& reply, const ToolUse& use) const override {
    if (!use.active()) return std::nullopt;
    std::optional<std::vector<ToolCall>> calls = CallReader(reply).calls();
    if (!calls) return std::nullopt;
    for (const ToolCall& c : *calls) {
      bool declared = false;
      for (const nlohmann::json& f : use.functions) declared = declared || f["name"] == c.name;
      if (!declared || (use.choice == "function" && c.name != use.forced)) return std::nullopt;
    }
    return calls;
  }

  bool may_be_calls(const std::string& text) const override {
    const size_t first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return true;
    const size_t n = std::min(text.size() - first, kCallOpen.size());
    return text.compare(first, n, kCallOpen, 0, n) == 0;
  }

  // The model ends its turn after its calls itself (<|tool_response>, end_ids).
  bool complete(const std::string&, const ToolUse&) const override { return false; }

  std::vector<int> end_ids(const Tokenizer& tok) const override {
    std::optional<int> id = tok.find_token(kResponseOpen);
    return id ? std::vector<int>{*id} : std::vector<int>{};
  }

  // [thought] call+ <|tool_response>: each call <|tool_call> "call:NAME" {arguments of its schema, Gemma's
  // style} <tool_call|>, the tool tokens as tokens (never spelled out in text).
  std::string constraint(const ToolUse& use, const Tokenizer& tok, bool think) const override {
    auto id = [&](const std::string& piece) {
      std::optional<int> t = tok.find_token(piece);
      if (!t) throw std::runtime_error("the vocabulary has no " + piece + " token for Gemma 4's tool calls");
      return *t;
    };
    ojson calls = ojson::array();
    for (const nlohmann::json& f : use.functions) {
      if (use.choice == "function" && f["name"] != use.forced) continue;
      calls.push_back(tag::sequence({tag::token(id(kCallOpen)), tag::text("call:" + f["name"].get<std::string>()),
                                     tag::schema(sorted_properties(tag::parameters(f)), "gemma"),
                                     tag::token(id(kCallClose))}));
    }
    const ojson one = tag::one_of(calls);
    ojson elements = ojson::array();
    if (think) {  // the thought may come first: any tokens but the tool tokens
      ojson excluded = ojson::array();
      for (const char* piece : kGemma4ToolTokens)
        if (std::optional<int> t = tok.find_token(piece)) excluded.push_back(*t);
      elements.push_back(tag::optional({{"type", "tag"},
                                        {"begin", tag::token(id("<|channel>"))},
                                        {"content", {{"type", "any_tokens"}, {"exclude_tokens", excluded}}},
                                        {"end", tag::token(id("<channel|>"))}}));
    }
    elements.push_back(use.choice == "function" ? one : tag::plus(one));
    elements.push_back(tag::token(id(kResponseOpen)));
    return tag::structural_tag(tag::sequence(elements));
  }

 private:
  // The schema with every object's properties in dictsort order: the order the template writes arguments in,
  // which xgrammar then asks for.
  static ojson sorted_properties(ojson v) {
    if (v.is_array())
      for (ojson& x : v) x = sorted_properties(std::move(x));
    if (!v.is_object()) return v;
    for (auto& [k, x] : v.items()) x = sorted_properties(std::move(x));
    if (v.contains("properties") && v["properties"].is_object()) {
      ojson sorted = ojson::object();
      for (const std::string& k : sorted_keys(v["properties"])) sorted[k] = v["properties"][k];
      v["properties"] = std::move(sorted);
    }
    return v;
  }
};

}  // namespace

const ToolSyntax& gemma4_tool_syntax() {
  static const Gemma4Syntax syntax;
  return syntax;
}

}  // namespace vkg::app
