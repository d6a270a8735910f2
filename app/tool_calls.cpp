#include "app/tool_calls.h"

#include <cctype>
#include <cstdio>

#include "app/openai_api.h"

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
      c.arguments = args.dump();
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
        c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
      }
      out += c;
    }
    if (!eat(quote)) return std::nullopt;
    return json(out);
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

}  // namespace vkg::app
