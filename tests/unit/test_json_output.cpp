// response_format "json_object": the JSON prefix automaton (model/engine/json_prefix.h) on texts that are and
// are not prefixes of one JSON object, and generation on the tiny random Gemma 3 constrained by it.
#include <doctest/doctest.h>

#include "../test_paths.h"
#include "model/engine/generator.h"
#include "model/engine/json_prefix.h"

using namespace vkg;

namespace {

bool prefix(const std::string& text) {
  JsonPrefix p;
  return p.push(text);
}

bool whole(const std::string& text) {
  JsonPrefix p;
  return p.push(text) && p.complete();
}

}  // namespace

TEST_SUITE("generator") {
  TEST_CASE("JSON prefix: objects of every value kind, and what cannot start or continue one") {
    CHECK(whole(R"({})"));
    CHECK(whole(R"( { "a" : 1 , "b": [true, false, null, -0.5e+3, "x\"\\\/\b\f\n\r\t\u00e9", {}], "c": {"d": []} } )"));
    CHECK(whole("{\"caf\xC3\xA9\": 12}"));  // UTF-8 in strings
    CHECK(prefix(R"({"name": "Ad)"));
    CHECK(prefix(R"({"n": 12)"));            // a number may go on
    CHECK(prefix(R"({"n": 1.)"));
    CHECK(prefix(R"({"n": 1e)"));
    CHECK(prefix(R"({"a": tr)"));
    CHECK(prefix(R"({"a": "\u00)"));
    CHECK_FALSE(whole(R"({"a": 1)"));
    CHECK_FALSE(prefix(R"([1, 2])"));         // json_object: the top level is an object
    CHECK_FALSE(prefix(R"("text")"));
    CHECK_FALSE(prefix(R"({"a" 1})"));        // no colon
    CHECK_FALSE(prefix(R"({a: 1})"));         // unquoted key
    CHECK_FALSE(prefix(R"({"a": 01})"));      // leading zero
    CHECK_FALSE(whole(R"({"a": 1.})"));
    CHECK_FALSE(prefix(R"({"a": 1.e5})"));
    CHECK_FALSE(prefix(R"({"a": tru })"));
    CHECK_FALSE(prefix(R"({"a": "\x"})"));
    CHECK_FALSE(prefix("{\"a\": \"line\nbreak\"}"));  // control characters must be escaped
    CHECK_FALSE(prefix(R"({"a": 1,})"));     // trailing comma
    CHECK_FALSE(prefix(R"({"a": [1,]})"));
    CHECK_FALSE(prefix(R"({"a": 1]})"));      // mismatched bracket
    CHECK_FALSE(prefix(R"({} {})"));          // one object, then only whitespace
    CHECK(prefix("{}  \n"));
    // Whitespace runs are bounded (a model fond of whitespace must still write the object).
    CHECK(prefix("  {"));
    CHECK_FALSE(prefix("   {"));
    CHECK(prefix("{" + std::string(16, ' ') + "}"));
    CHECK_FALSE(prefix("{" + std::string(17, ' ') + "}"));
    CHECK(prefix("{\"a\": \"" + std::string(40, ' ') + "\"}"));  // inside strings: any
  }

  TEST_CASE("json_object generation: every reply of the tiny model is a JSON object prefix, closed when it stops") {
    auto model = Model::load(test::source_path("assets/tiny/gemma3.gguf"));
    SessionOptions o;
    o.backend = "cpu";
    o.context = 128;
    Session session(*model, o);
    Generator gen(session);
    const std::vector<int> prompt = model->tokenizer().encode("Reply in JSON:", true);
    int stopped = 0;
    for (uint64_t seed : {1u, 2u, 3u, 4u}) {
      CAPTURE(seed);
      GenerateParams p;
      p.max_tokens = 60;
      p.json_object = true;
      p.sampling.temperature = 1.0f;
      p.sampling.top_k = 64;
      p.sampling.seed = seed;
      const GenerateResult r = gen.generate(prompt, p, nullptr);
      CAPTURE(r.text);
      JsonPrefix check;
      CHECK(check.push(r.text));
      if (r.finish == FinishReason::stop) {
        CHECK(check.complete());
        ++stopped;
      }
      CHECK(r.completion_tokens > 0);
    }
    // Greedy too (the random model's best allowed token each step).
    GenerateParams g;
    g.max_tokens = 60;
    g.json_object = true;
    const GenerateResult r = gen.generate(prompt, g, nullptr);
    JsonPrefix check;
    CHECK(check.push(r.text));
    if (r.finish == FinishReason::stop) CHECK(check.complete());
    MESSAGE(stopped << " of 4 sampled replies closed their object within 60 tokens; greedy: " << r.text);
  }
}
