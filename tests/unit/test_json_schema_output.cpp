// response_format "json_schema": xgrammar's token masks (model/engine/grammar_constraint.h) on the tiny random
// Gemma 3's vocabulary. The replies are judged by code that is not xgrammar: the json_object automaton
// (json_prefix.h) for "a prefix of one JSON object", nlohmann::json and the small validator below for "a
// document of the schema".
#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "../test_paths.h"
#include "model/engine/generator.h"
#include "model/engine/grammar_constraint.h"
#include "model/engine/json_prefix.h"

using namespace vkg;
using nlohmann::json;

namespace {

// The part of JSON Schema the test's schema uses: type (object, string, integer, boolean, array), properties,
// required, additionalProperties false (xgrammar's strict mode), enum, items, minItems.
std::string schema_violation(const json& v, const json& s, const std::string& at = "$") {
  if (s.contains("enum")) {
    for (const json& e : s["enum"])
      if (e == v) return "";
    return at + ": " + v.dump() + " is not in the enum";
  }
  const std::string type = s.value("type", "");
  if (type == "object") {
    if (!v.is_object()) return at + ": an object expected, got " + v.dump();
    for (const json& r : s.value("required", json::array()))
      if (!v.contains(r.get<std::string>())) return at + ": required property " + r.dump() + " missing";
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!s["properties"].contains(it.key())) return at + ": property '" + it.key() + "' is not in the schema";
      const std::string why = schema_violation(it.value(), s["properties"][it.key()], at + "." + it.key());
      if (!why.empty()) return why;
    }
    return "";
  }
  if (type == "array") {
    if (!v.is_array()) return at + ": an array expected, got " + v.dump();
    if (v.size() < s.value("minItems", size_t(0))) return at + ": too few items";
    for (size_t i = 0; i < v.size(); ++i) {
      const std::string why = schema_violation(v[i], s["items"], at + "[" + std::to_string(i) + "]");
      if (!why.empty()) return why;
    }
    return "";
  }
  if (type == "string") return v.is_string() ? "" : at + ": a string expected, got " + v.dump();
  if (type == "integer") return v.is_number_integer() ? "" : at + ": an integer expected, got " + v.dump();
  if (type == "boolean") return v.is_boolean() ? "" : at + ": a boolean expected, got " + v.dump();
  return at + ": the test's validator has no type '" + type + "'";
}

// As JSON text: nlohmann::json would sort the properties, and their order is the order of the reply's keys.
const std::string kSchemaText = R"({
  "type": "object",
  "properties": {
    "name": {"type": "string"},
    "age": {"type": "integer"},
    "member": {"type": "boolean"},
    "color": {"enum": ["red", "green", "blue"]},
    "tags": {"type": "array", "items": {"type": "string"}}
  },
  "required": ["name", "age", "member", "color", "tags"]
})";
const json kSchema = json::parse(kSchemaText);

}  // namespace

TEST_SUITE("generator") {
  TEST_CASE("json_schema: the schema validator of this test") {
    CHECK(schema_violation(json::parse(R"({"name":"a","age":3,"member":true,"color":"red","tags":[]})"), kSchema) == "");
    CHECK(schema_violation(json::parse(R"({"name":"a","age":3.5,"member":true,"color":"red","tags":[]})"), kSchema) != "");
    CHECK(schema_violation(json::parse(R"({"name":"a","age":3,"member":true,"color":"pink","tags":[]})"), kSchema) != "");
    CHECK(schema_violation(json::parse(R"({"name":"a","age":3,"member":true,"color":"red"})"), kSchema) != "");
    CHECK(schema_violation(json::parse(R"({"name":"a","age":3,"member":1,"color":"red","tags":[2]})"), kSchema) != "");
  }

  TEST_CASE("json_schema: schemas xgrammar cannot use are named, before any vocabulary is made") {
    if (!GrammarVocabulary::available()) {
      CHECK(json_schema_error(kSchemaText).find("built without xgrammar") != std::string::npos);
      MESSAGE("built without xgrammar: json_schema is refused");
      return;
    }
    CHECK(json_schema_error(kSchemaText) == "");
    CHECK(json_schema_error(R"({"type": "object")") != "");  // not JSON
    const std::string why = json_schema_error(R"({"type": "no such type"})");
    CHECK(why.find("not usable") != std::string::npos);
    CHECK(why.find("no such type") != std::string::npos);
    CHECK(why.find(".cc:") == std::string::npos);  // xgrammar's log prefix (its source file) left out
  }

  TEST_CASE("json_schema: the mask on a known document, token by token") {
    if (!GrammarVocabulary::available()) return;
    auto model = Model::load(test::source_path("assets/tiny/gemma3.gguf"));
    const Tokenizer& tok = model->tokenizer();
    const GemmaConfig& c = model->config();
    JsonTokens texts(tok);
    GrammarVocabulary& vocab = texts.grammar_vocabulary({c.end_of_turn_id, c.eos_id}, c.vocab_size);
    GrammarConstraint g(vocab, kSchemaText);
    // xgrammar's layout of a document with no free whitespace: ", " and ": ", the schema's property order.
    const std::string doc = R"({"name": "Ann \"A\" Lee", "age": -12, "member": false, "color": "blue", "tags": ["x", "y z"]})";
    const std::vector<int> ids = tok.encode(doc, false);
    REQUIRE(tok.decode(ids) == doc);
    for (size_t i = 0; i < ids.size(); ++i) {
      CAPTURE(i);
      CAPTURE(tok.piece(ids[i]));
      CHECK_FALSE(g.complete());
      CHECK(g.allows(ids[i]));
      CHECK_FALSE(g.allows(c.end_of_turn_id));  // not before the document is complete
      std::vector<float> row(size_t(c.vocab_size), 1.0f);
      g.mask(row);
      CHECK(row[size_t(ids[i])] == 1.0f);
      g.accept(ids[i]);
    }
    CHECK(g.complete());
    CHECK(g.allows(c.end_of_turn_id));

    // What the schema rules out, at the points where it does.
    GrammarConstraint h(vocab, kSchemaText);
    for (int id : tok.encode(R"({"name": "a", "age": )", false)) h.accept(id);
    for (const char* bad : {"\"", "t", ".", "}"}) {
      const std::vector<int> t = tok.encode(bad, false);
      REQUIRE(t.size() == 1);
      CAPTURE(bad);
      CHECK_FALSE(h.allows(t[0]));
    }
    CHECK(h.allows(tok.encode("7", false)[0]));
    CHECK_THROWS_AS(h.accept(tok.encode("}", false)[0]), std::logic_error);
    // Control tokens never (<start_of_turn>, <bos>).
    for (int id = 0; id < c.vocab_size && id < tok.vocab_size(); ++id)
      if (tok.is_control(id) && id != c.end_of_turn_id && id != c.eos_id) REQUIRE_FALSE(h.allows(id));
  }

  TEST_CASE("json_schema generation: every reply of the tiny model is an object prefix; a stopped one validates") {
    auto model = Model::load(test::source_path("assets/tiny/gemma3.gguf"));
    SessionOptions o;
    o.backend = "cpu";
    o.context = 128;
    Session session(*model, o);
    Generator gen(session);
    const std::vector<int> prompt = model->tokenizer().encode("Reply in JSON:", true);
    if (!GrammarVocabulary::available()) {
      GenerateParams p;
      p.json_schema = kSchemaText;
      CHECK_THROWS_WITH(gen.generate(prompt, p, nullptr), doctest::Contains("built without xgrammar"));
      return;
    }
    int stopped = 0;
    auto check = [&](const GenerateResult& r) {
      CAPTURE(r.text);
      JsonPrefix prefix;
      CHECK(prefix.push(r.text));
      CHECK(r.completion_tokens > 0);
      if (r.finish != FinishReason::stop) return;
      ++stopped;
      CHECK(prefix.complete());
      const json v = json::parse(r.text);
      CHECK(schema_violation(v, kSchema) == "");
    };
    for (uint64_t seed : {1u, 2u, 3u, 4u}) {
      CAPTURE(seed);
      GenerateParams p;
      p.max_tokens = 100;
      p.json_schema = kSchemaText;
      p.sampling.temperature = 1.0f;
      p.sampling.top_k = 64;
      p.sampling.seed = seed;
      check(gen.generate(prompt, p, nullptr));
    }
    GenerateParams g;  // greedy: the random model's best allowed token each step
    g.max_tokens = 100;
    g.json_schema = kSchemaText;
    check(gen.generate(prompt, g, nullptr));
    MESSAGE(stopped << " of 5 replies completed their document within 100 tokens");

    // A schema whose documents are all short (no free strings or numbers): every reply completes and ends
    // the turn there, so the whole-document checks run on each.
    const std::string closed = R"({"type": "object", "properties": {"member": {"type": "boolean"},
        "color": {"enum": ["red", "green", "blue"]}, "sizes": {"type": "array", "items": {"enum": ["S", "M"]}}},
        "required": ["member", "color"]})";
    stopped = 0;
    for (uint64_t seed : {1u, 2u, 3u, 4u, 5u, 6u}) {
      CAPTURE(seed);
      GenerateParams p;
      p.max_tokens = 100;
      p.json_schema = closed;
      p.sampling.temperature = 1.0f;
      p.sampling.seed = seed;
      const GenerateResult r = gen.generate(prompt, p, nullptr);
      CAPTURE(r.text);
      CHECK(r.finish == FinishReason::stop);
      if (r.finish != FinishReason::stop) continue;
      CHECK(schema_violation(json::parse(r.text), json::parse(closed)) == "");
      CHECK(r.text.rfind(R"({"member": )", 0) == 0);  // the schema's order, no free whitespace
      ++stopped;
    }
    CHECK(stopped == 6);
  }
}
