#include "app/tool_calls.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "app/openai_api.h"
#include "app/tool_grammar.h"

namespace vkg::app {

using nlohmann::json;

ToolUse parse_tool_use(const json& body) {
  ToolUse use;
  if (body.contains("tools") && !body["tools"].is_null()) {
    const json& tools = body["tools"];
    if (!tools.is_array()) throw ApiError(400, "'tools' must be an array", "tools");
    for (size_t i = 0; i < tools.size(); ++i) {
      const json& t = tools[i];
      const std::string where = "tools[" + std::to_string(i) + "]";
      if (!t.is_object() || t.value("type", "") != "function" || !t.contains("function") || !t["function"].is_object())
        throw ApiError(400, where + " must be {\"type\": \"function\", \"function\": {...}}", "tools");
      const json& f = t["function"];
      if (!f.contains("name") || !f["name"].is_string() || f["name"].get<std::string>().empty())
        throw ApiError(400, where + ".function needs a string 'name'", "tools");
      for (char c : f["name"].get<std::string>())
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-')
          throw ApiError(400, where + ".function.name may hold letters, digits, '_' and '-' only", "tools");
      if (f.contains("parameters") && !f["parameters"].is_object())
        throw ApiError(400, where + ".function.parameters must be a JSON Schema object", "tools");
      json declared = {{"name", f["name"]}};
      if (f.contains("description") && f["description"].is_string()) declared["description"] = f["description"];
      if (f.contains("parameters")) declared["parameters"] = f["parameters"];
      use.functions.push_back(std::move(declared));
    }
  }
  if (body.contains("tool_choice") && !body["tool_choice"].is_null()) {
    const json& c = body["tool_choice"];
    if (c.is_string() && (c == "none" || c == "auto" || c == "required")) {
      use.choice = c.get<std::string>();
    } else if (c.is_object() && c.value("type", "") == "function" && c.contains("function") &&
               c["function"].is_object() && c["function"].contains("name") && c["function"]["name"].is_string()) {
      use.choice = "function";
      use.forced = c["function"]["name"].get<std::string>();
      bool known = false;
      for (const json& f : use.functions) known = known || f["name"] == use.forced;
      if (!known) throw ApiError(400, "tool_choice names '" + use.forced + "', which is not in 'tools'", "tool_choice");
    } else {
      throw ApiError(400, "'tool_choice' must be \"none\", \"auto\", \"required\" or {\"type\": \"function\", "
                          "\"function\": {\"name\": ...}}", "tool_choice");
    }
    if (use.choice != "none" && use.functions.empty())
      throw ApiError(400, "'tool_choice' needs 'tools'", "tool_choice");
  }
  return use;
}

std::string tool_prompt(const ToolUse& use) {
  std::string text =
      "You have access to functions. If you decide to invoke any of the function(s), you MUST put it in the format of\n"
      "[func_name1(params_name1=params_value1, params_name2=params_value2...), func_name2(params)]\n\n"
      "You SHOULD NOT include any other text in the response if you call a function\n";
  if (use.choice == "required") text += "You MUST call at least one of the functions now.\n";
  if (use.choice == "function") text += "You MUST call the function " + use.forced + " now.\n";
  text += json(use.functions).dump(2) + "\n";
  return text;
}

namespace {

// A JSON value as a Python literal (the call syntax's arguments): strings in double quotes with JSON's escapes
// (also valid Python), true/false/null as True/False/None.
std::string python_literal(const json& v) {
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  if (v.is_null()) return "None";
  if (v.is_array()) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + python_literal(v[i]);
    return s + "]";
  }
  if (v.is_object()) {
    std::string s = "{";
    bool first = true;
    for (const auto& [k, x] : v.items()) s += (first ? "" : ", ") + json(k).dump() + ": " + python_literal(x), first = false;
    return s + "}";
  }
  return v.dump();
}

// A recursive-descent reader of the call list: Python literals (strings in either quote, numbers, True/False/
// None, lists, dicts) as arguments. Fails (nullopt) on anything else.
class CallReader {
 public:
  explicit CallReader(const std::string& s) : s_(s) {}

  std::optional<std::vector<ToolCall>> calls() {
    space();
    if (!eat('[')) return std::nullopt;
    std::vector<ToolCall> out;
    space();
    if (eat(']')) return std::nullopt;  // an empty list calls nothing
    for (;;) {
      ToolCall c;
      if (!name(c.name) || !eat('(')) return std::nullopt;
      json args = json::object();
      space();
      if (!eat(')')) {
        for (;;) {
          std::string key;
          space();
          if (!name(key)) return std::nullopt;
          space();
          if (!eat('=')) return std::nullopt;
          auto v = value();
          if (!v) return std::nullopt;
          args[key] = *v;
          space();
          if (eat(')')) break;
          if (!eat(',')) return std::nullopt;
        }
      }
      c.arguments = args.dump(-1, ' ', false, json::error_handler_t::replace);
      out.push_back(std::move(c));
      space();
      if (eat(']')) break;
      if (!eat(',')) return std::nullopt;
      space();
    }
    space();
    return i_ == s_.size() ? std::optional(out) : std::nullopt;
  }

 private:
  void space() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  bool eat(char c) {
    if (i_ < s_.size() && s_[i_] == c) return ++i_, true;
    return false;
  }
  bool name(std::string& out) {
    const size_t start = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' || s_[i_] == '-')) ++i_;
    out = s_.substr(start, i_ - start);
    return !out.empty() && !std::isdigit(static_cast<unsigned char>(out[0]));
  }
  std::optional<json> value() {
    space();
    if (i_ >= s_.size()) return std::nullopt;
    const char c = s_[i_];
    if (c == '"' || c == '\'') return string(c);
    if (c == '[' || c == '{') return container(c);
    std::string word;
    const size_t start = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.' || s_[i_] == '-' ||
                              s_[i_] == '+'))
      ++i_;
    word = s_.substr(start, i_ - start);
    if (word == "True" || word == "true") return json(true);
    if (word == "False" || word == "false") return json(false);
    if (word == "None" || word == "null") return json(nullptr);
    try {
      const json n = json::parse(word);
      if (n.is_number()) return n;
    } catch (const json::exception&) {
    }
    return std::nullopt;
  }
  std::optional<json> string(char quote) {
    ++i_;
    std::string out;
    while (i_ < s_.size() && s_[i_] != quote) {
      char c = s_[i_++];
      if (c == '\\' && i_ < s_.size()) {
        const char e = s_[i_++];
        if (e == 'u' || e == 'x') {  // \uXXXX (JSON and Python, UTF-16 pairs joined), \xXX (Python)
          std::optional<uint32_t> cp = hex(e == 'u' ? 4 : 2);
          if (!cp) return std::nullopt;
          if (*cp >= 0xD800 && *cp < 0xDC00 && s_.compare(i_, 2, "\\u") == 0) {
            i_ += 2;
            const std::optional<uint32_t> low = hex(4);
            if (!low || *low < 0xDC00 || *low >= 0xE000) return std::nullopt;
            cp = 0x10000 + ((*cp - 0xD800) << 10) + (*low - 0xDC00);
          }
          append_utf8(out, *cp);
          continue;
        }
        c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b' : e == 'f' ? '\f' : e;
      }
      out += c;
    }
    if (!eat(quote)) return std::nullopt;
    return json(out);
  }
  std::optional<uint32_t> hex(int digits) {
    if (i_ + size_t(digits) > s_.size()) return std::nullopt;
    uint32_t v = 0;
    for (int k = 0; k < digits; ++k) {
      const char h = s_[i_++];
      if (!std::isxdigit(static_cast<unsigned char>(h))) return std::nullopt;
      v = v * 16 + uint32_t(std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (std::tolower(h) - 'a' + 10));
    }
    return v;
  }
  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD;  // a lone surrogate
    if (cp < 0x80) {
      out += char(cp);
    } else if (cp < 0x800) {
      out += char(0xC0 | (cp >> 6));
      out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += char(0xE0 | (cp >> 12));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    } else {
      out += char(0xF0 | (cp >> 18));
      out += char(0x80 | ((cp >> 12) & 0x3F));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    }
  }
  std::optional<json> container(char open) {
    ++i_;
    const char close = open == '[' ? ']' : '}';
    json out = open == '[' ? json::array() : json::object();
    space();
    if (eat(close)) return out;
    for (;;) {
      if (open == '[') {
        auto v = value();
        if (!v) return std::nullopt;
        out.push_back(*v);
      } else {
        auto k = value();
        space();
        if (!k || !k->is_string() || !eat(':')) return std::nullopt;
        auto v = value();
        if (!v) return std::nullopt;
        out[k->get<std::string>()] = *v;
      }
      space();
      if (eat(close)) return out;
      if (!eat(',')) return std::nullopt;
    }
  }

  const std::string& s_;
  size_t i_ = 0;
};

std::string strip_fence(const std::string& reply) {
  const size_t open = reply.find("```tool_code");
  if (open == std::string::npos) return reply;
  const size_t body = open + 12, close = reply.find("```", body);
  for (size_t i = 0; i < open; ++i)
    if (!std::isspace(static_cast<unsigned char>(reply[i]))) return reply;
  if (close == std::string::npos) return reply;
  for (size_t i = close + 3; i < reply.size(); ++i)
    if (!std::isspace(static_cast<unsigned char>(reply[i]))) return reply;
  std::string inner = reply.substr(body, close - body);
  // The fence may hold one bare call rather than a list.
  size_t first = inner.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && inner[first] != '[') inner = "[" + inner + "]";
  return inner;
}

}  // namespace

std::string calls_text(const std::vector<ToolCall>& calls) {
  std::string s = "[";
  for (size_t i = 0; i < calls.size(); ++i) {
    json args;
    try {
      args = json::parse(calls[i].arguments.empty() ? "{}" : calls[i].arguments);
    } catch (const json::exception&) {
      throw ApiError(400, "tool call '" + calls[i].name + "': 'arguments' is not valid JSON", "messages");
    }
    if (!args.is_object()) throw ApiError(400, "tool call '" + calls[i].name + "': 'arguments' must be a JSON object", "messages");
    s += (i ? ", " : "") + calls[i].name + "(";
    bool first = true;
    for (const auto& [k, v] : args.items()) s += (first ? "" : ", ") + k + "=" + python_literal(v), first = false;
    s += ")";
  }
  return s + "]";
}

std::optional<std::vector<ToolCall>> parse_tool_calls(const std::string& reply, const ToolUse& use) {
  if (!use.active()) return std::nullopt;
  const std::string text = strip_fence(reply);
  auto calls = CallReader(text).calls();
  if (!calls) return std::nullopt;
  for (ToolCall& c : *calls) {
    bool declared = false;
    for (const json& f : use.functions) declared = declared || f["name"] == c.name;
    if (!declared || (use.choice == "function" && c.name != use.forced)) return std::nullopt;
  }
  return calls;
}

bool may_be_tool_calls(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return true;
  const std::string rest = text.substr(first);
  const std::string fence = "```tool_code";
  return rest[0] == '[' || fence.compare(0, std::min(rest.size(), fence.size()), rest, 0,
                                         std::min(rest.size(), fence.size())) == 0;
}

namespace {

// Gemma 1-3: the guide's prompt and call syntax.
class Gemma3Syntax : public ToolSyntax {
 public:
  std::vector<ChatMessage> render(const std::vector<RequestMessage>& in, const ToolUse& use,
                                  PromptPieces&) const override {
    std::vector<ChatMessage> out;
    for (size_t i = 0; i < in.size(); ++i) {
      const RequestMessage& m = in[i];
      if (m.message.role == "tool") {
        // A function's result: a user turn of ```tool_output blocks (consecutive results share it).
        // (appended piece by piece: GCC 12's -Wrestrict misfires on a chain of + from a literal)
        std::string block = "```tool_output\n";
        block.append(m.message.content).append("\n```");
        if (i > 0 && in[i - 1].message.role == "tool") out.back().content.append("\n").append(block);
        else out.push_back({"user", block, 0});
        continue;
      }
      ChatMessage message = m.message;
      if (!m.calls.empty()) {
        if (!message.content.empty()) message.content.append("\n");
        message.content.append(calls_text(m.calls));
      }
      out.push_back(std::move(message));
    }
    if (use.active() && !out.empty()) {  // the declarations go where a system message goes (the first user turn)
      if (out[0].role == "system") out[0].content = tool_prompt(use).append("\n").append(out[0].content);
      else out.insert(out.begin(), ChatMessage{"system", tool_prompt(use), 0});
    }
    return out;
  }

  std::optional<std::vector<ToolCall>> parse(const std::string& reply, const ToolUse& use) const override {
    return parse_tool_calls(reply, use);
  }
  bool may_be_calls(const std::string& text) const override { return may_be_tool_calls(text); }
  bool complete(const std::string& text, const ToolUse& use) const override {
    return may_be_tool_calls(text) && parse_tool_calls(text, use).has_value();
  }
  std::vector<int> end_ids(const Tokenizer&) const override { return {}; }

  // [name(key=value, ...), ...]: the declared properties in the schema's order (nlohmann's: by name), the
  // required ones always, the others optional, ", " between; values as Python literals where the schema fixes
  // them (enum, const, boolean, null), else JSON values of the property's schema (JSON's numbers and
  // double-quoted strings are Python's too; parse_tool_calls reads true/false/null as well).
  std::string constraint(const ToolUse& use, const Tokenizer&, bool) const override {
    using tag::text;
    tag::json calls = tag::json::array();
    for (const nlohmann::json& f : use.functions)
      if (use.choice != "function" || f["name"] == use.forced) calls.push_back(call(f));
    const tag::json one = tag::one_of(calls);
    if (use.choice == "function") return tag::structural_tag(tag::sequence({text("["), one, text("]")}));
    return tag::structural_tag(
        tag::sequence({text("["), one, tag::star(tag::sequence({text(", "), one})), text("]")}));
  }

 private:
  static tag::json value(const nlohmann::json& schema) {
    using tag::text;
    if (schema.is_object() && schema.contains("enum") && schema["enum"].is_array() && !schema["enum"].empty()) {
      tag::json options = tag::json::array();
      for (const nlohmann::json& v : schema["enum"]) options.push_back(text(python_literal(v)));
      return tag::one_of(options);
    }
    if (schema.is_object() && schema.contains("const")) return text(python_literal(schema["const"]));
    const std::string type = schema.is_object() ? schema.value("type", "") : "";
    if (type == "boolean") return tag::one_of({text("True"), text("False")});
    if (type == "null") return text("None");
    return tag::schema(tag::json(schema), "json");
  }

  static tag::json call(const nlohmann::json& function) {
    using tag::text;
    const std::string name = function["name"].get<std::string>();
    const nlohmann::json params = function.contains("parameters") ? function["parameters"] : nlohmann::json::object();
    std::vector<std::string> keys;
    std::vector<bool> required;
    if (params.contains("properties") && params["properties"].is_object())
      for (const auto& [k, v] : params["properties"].items()) {
        keys.push_back(k);
        bool r = false;
        if (params.contains("required") && params["required"].is_array())
          for (const nlohmann::json& q : params["required"]) r = r || q == k;
        required.push_back(r);
      }
    auto item = [&](size_t k) {
      return tag::sequence({text(keys[k] + "="), value(params["properties"][keys[k]])});
    };
    // The first property written is k (any before it is optional); after it each one with ", " before it.
    tag::json starts = tag::json::array();
    for (size_t k = 0; k < keys.size(); ++k) {
      tag::json elements = tag::json::array({item(k)});
      for (size_t j = k + 1; j < keys.size(); ++j) {
        const tag::json next = tag::sequence({text(", "), item(j)});
        elements.push_back(required[j] ? next : tag::optional(next));
      }
      starts.push_back(tag::sequence(elements));
      if (required[k]) break;
    }
    const bool any_required = std::find(required.begin(), required.end(), true) != required.end();
    if (starts.empty()) return text(name + "()");
    tag::json args = tag::one_of(starts);
    if (!any_required) args = tag::optional(args);
    return tag::sequence({text(name + "("), args, text(")")});
  }
};

}  // namespace

const ToolSyntax& gemma4_tool_syntax();  // app/tool_calls_gemma4.cpp

const ToolSyntax& tool_syntax(ChatFormat format) {
  static const Gemma3Syntax gemma3;
  return format == ChatFormat::gemma4 ? gemma4_tool_syntax() : static_cast<const ToolSyntax&>(gemma3);
}

}  // namespace vkg::app
