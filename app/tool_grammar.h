// Building blocks of xgrammar structural tags (its docs: structural_tag/structural_tag.md) for the tool syntaxes'
// constraints (app/tool_calls.h): a format is a JSON object, the whole tag {"type": "structural_tag", "format"}.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace vkg::app::tag {

// Ordered: a schema's properties keep their order (xgrammar asks for them in that order).
using json = nlohmann::ordered_json;

inline json text(const std::string& s) { return {{"type", "const_string"}, {"value", s}}; }
inline json token(int id) { return {{"type", "token"}, {"token", id}}; }
// One or more formats in a row (a single one stands for itself).
inline json sequence(const json& elements) {
  return elements.size() == 1 ? elements[0] : json{{"type", "sequence"}, {"elements", elements}};
}
inline json one_of(const json& elements) {
  return elements.size() == 1 ? elements[0] : json{{"type", "or"}, {"elements", elements}};
}
inline json optional(const json& f) { return {{"type", "optional"}, {"content", f}}; }
inline json plus(const json& f) { return {{"type", "plus"}, {"content", f}}; }
inline json star(const json& f) { return {{"type", "star"}, {"content", f}}; }
// A value of a JSON schema written in `style` ("json", or Gemma 4's "gemma"). xgrammar's structural tags allow
// whitespace between a value's tokens and cannot forbid it (the least is one character at each place): the
// compiled grammar leaves it out (GrammarKind::structural_tag, model/engine/grammar_constraint.cpp).
inline json schema(const json& s, const char* style) {
  return {{"type", "json_schema"}, {"json_schema", s}, {"style", style}, {"max_whitespace_cnt", 1}};
}
inline std::string structural_tag(const json& format) {
  return json{{"type", "structural_tag"}, {"format", format}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

// A function's parameters schema: an object without properties when it declares none.
inline json parameters(const nlohmann::json& function) {
  if (function.contains("parameters") && function["parameters"].is_object()) return function["parameters"];
  return {{"type", "object"}, {"properties", json::object()}};
}

}  // namespace vkg::app::tag
