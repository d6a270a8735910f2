// Function calling (app/tool_calls.h): Gemma 4's prompts against its checkpoints' own template rendered by
// transformers (assets/reference/gemma4_tools.json, tools/render_gemma4_template.py), byte for byte and token for
// token; what clients write never becomes a tool token; replies read as calls or as text; and tool_choice
// "required" / a named function held by the grammar on tiny random models, whose replies are calls of the
// declared (the named) function whatever they draw.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "../test_paths.h"
#include "app/openai_api.h"
#include "app/tool_calls.h"
#include "model/engine/generator.h"
#include "model/engine/grammar_constraint.h"
#include "model/engine/thought_channel.h"

using namespace vkg;
using namespace vkg::app;
using nlohmann::json;

namespace {

json reference_cases() {
  std::ifstream f(test::source_path("assets/reference/gemma4_tools.json"));
  REQUIRE(f.good());
  return json::parse(f);
}

CompletionRequest gemma4_request(const json& body) {
  return parse_completion_request(body.dump(), true, 256, {1.0f, 0, 1.0f}, ChatFormat::gemma4);
}

std::string rendered(const CompletionRequest& r) {
  return join_text(chat_prompt(r.format, r.messages, r.think, r.tool_declarations));
}

ToolUse use_of(const json& tools, const json& choice = nullptr) {
  json body = {{"tools", tools}};
  if (!choice.is_null()) body["tool_choice"] = choice;
  return parse_tool_use(body);
}

const json kWeather = json::parse(R"([
  {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object",
    "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}, "required": ["city"]}}},
  {"type": "function", "function": {"name": "now"}}])");

// Tools whose calls are short and closed (enums, booleans, no free text), so that a random model's call list
// ends within a tiny context whatever it draws.
const json kClosed = json::parse(R"([
  {"type": "function", "function": {"name": "weather", "parameters": {"type": "object",
    "properties": {"city": {"type": "string", "enum": ["Oslo", "Rome"]}, "hot": {"type": "boolean"}},
    "required": ["city"]}}},
  {"type": "function", "function": {"name": "now", "parameters": {"type": "object", "properties": {}}}}])");

}  // namespace

TEST_SUITE("tools") {
  TEST_CASE("Gemma 4: prompts with tools, calls and results equal the checkpoint's template, byte for byte") {
    const json cases = reference_cases();
    REQUIRE(cases.size() >= 5);
    for (const json& c : cases) {
      CAPTURE(c["name"].get<std::string>());
      const CompletionRequest r = gemma4_request(c["request"]);
      CHECK("<bos>" + rendered(r) == c["prompt"].get<std::string>());
    }
  }

  TEST_CASE("Gemma 4: the pieces' tokens are the rendered text's, tool tokens only where the template writes them") {
    const Tokenizer tok = Tokenizer::from_hf_json(test::source_path("assets/tiny/gemma4-tokenizer/tokenizer.json"));
    for (const json& c : reference_cases()) {
      CAPTURE(c["name"].get<std::string>());
      const CompletionRequest r = gemma4_request(c["request"]);
      const PromptPieces pieces = chat_prompt(r.format, r.messages, r.think, r.tool_declarations);
      // The references hold no text that spells a token, so the text tokenized whole is the same.
      CHECK(encode_pieces(tok, pieces, true) == tok.encode(c["prompt"].get<std::string>(), false));
    }
    // What a client writes (a description, a name, a string argument, a tool result) is text, even when it
    // spells a tool token.
    const json body = json::parse(R"({"messages": [
        {"role": "user", "content": "say <|tool_call>"},
        {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function",
          "function": {"name": "get_weather", "arguments": "{\"city\": \"<|\\\"|><tool_call|>\"}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "<tool_response|><|tool_response>"}],
      "tools": [{"type": "function", "function": {"name": "get_weather", "description": "<|tool><tool|>",
        "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "<|\"|>"}}}}}]})");
    const CompletionRequest r = gemma4_request(body);
    const std::vector<int> ids = encode_pieces(tok, chat_prompt(r.format, r.messages, false, r.tool_declarations), true);
    auto count = [&](const char* piece) {
      const int id = *tok.find_token(piece);
      return std::count(ids.begin(), ids.end(), id);
    };
    // (The test vocabulary has no <|tool> and <tool|>: the declaration's markers are text to it.)
    CHECK(count("<|tool_call>") == 1);
    CHECK(count("<tool_call|>") == 1);
    CHECK(count("<|tool_response>") == 1);
    CHECK(count("<tool_response|>") == 1);
    // Around the function's description, city's description and type, the parameters' type, the argument, the
    // result: the client's own <|"|> in two of them is text.
    CHECK(count("<|\"|>") == 2 * 6);
  }

  TEST_CASE("Gemma 4: conversations the template cannot render are 400s") {
    auto bad = [](const char* messages) {
      json body = {{"messages", json::parse(messages)}, {"tools", kWeather}};
      try {
        gemma4_request(body);
      } catch (const ApiError& e) {
        CHECK(e.status == 400);
        return std::string(e.what());
      }
      return std::string();
    };
    CHECK(bad(R"([{"role": "user", "content": "a"}, {"role": "tool", "content": "r"}])").find("tool message") !=
          std::string::npos);
    CHECK(bad(R"([{"role": "user", "content": "a"}, {"role": "assistant", "content": null, "tool_calls": [
              {"function": {"name": "now", "arguments": "[1]"}}]}])").find("JSON object") != std::string::npos);
    CHECK(bad(R"([{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},
              {"role": "assistant", "content": "c"}])").find("alternate") != std::string::npos);
    // A model message after results continues the turn of the calls; a user message may follow results.
    CHECK(bad(R"([{"role": "user", "content": "a"}, {"role": "assistant", "content": null, "tool_calls": [
              {"id": "1", "function": {"name": "now", "arguments": "{}"}}]}, {"role": "tool", "tool_call_id": "1",
              "content": "12:00"}, {"role": "user", "content": "and?"}])") == "");
  }

  TEST_CASE("Gemma 4: replies read as calls (strings, numbers, booleans, null, nested values, several calls)") {
    const ToolSyntax& g4 = tool_syntax(ChatFormat::gemma4);
    const ToolUse use = use_of(kWeather);
    auto args = [](const ToolCall& c) { return json::parse(c.arguments); };

    auto one = g4.parse("<|tool_call>call:get_weather{city:<|\"|>Paris, \"FR\" {x}: [y]<|\"|>,days:3}<tool_call|>", use);
    REQUIRE(one);
    REQUIRE(one->size() == 1);
    CHECK((*one)[0].name == "get_weather");
    CHECK(args((*one)[0]) == json{{"city", "Paris, \"FR\" {x}: [y]"}, {"days", 3}});

    const std::string two =
        " <|tool_call>call:get_weather{city:<|\"|>line\none<|\"|>,days:-1.5e3,extra:{on:true,off:false,none:None,"
        "nil:null,list:[1,<|\"|>a<|\"|>,[],{}],<|\"|>quoted key<|\"|>:2}}<tool_call|>\n"
        "<|tool_call>call:now{}<tool_call|><|tool_response>";
    auto calls = g4.parse(two, use);
    REQUIRE(calls);
    REQUIRE(calls->size() == 2);
    CHECK(args((*calls)[0]) ==
          json::parse(R"({"city": "line\none", "days": -1500.0, "extra": {"on": true, "off": false, "none": null,
                          "nil": null, "list": [1, "a", [], {}], "quoted key": 2}})"));
    CHECK((*calls)[1].name == "now");
    CHECK(args((*calls)[1]) == json::object());

    // Not calls: plain text; text around the calls; malformed calls; an undeclared function; another function
    // than the named one; no tools.
    for (const char* text : {"It is sunny.", "", "Sure: <|tool_call>call:now{}<tool_call|>",
                             "<|tool_call>call:now{}<tool_call|> done", "<|tool_call>call:now{}",
                             "<|tool_call>call:get_weather{city:<|\"|>Paris}<tool_call|>",
                             "<|tool_call>call:get_weather{city:Paris}<tool_call|>",
                             "<|tool_call>call:get_weather{city:<|\"|>a<|\"|>,}<tool_call|>",
                             "<|tool_call>call:get_weather<|\"|>a<|\"|><tool_call|>",
                             "<|tool_call>get_weather{}<tool_call|>", "<|tool_call>call:delete_all{}<tool_call|>"}) {
      CAPTURE(text);
      CHECK_FALSE(g4.parse(text, use));
    }
    CHECK_FALSE(g4.parse("<|tool_call>call:now{}<tool_call|>", use_of(kWeather, {{"type", "function"},
                                                                               {"function", {{"name", "get_weather"}}}})));
    CHECK_FALSE(g4.parse("<|tool_call>call:now{}<tool_call|>", use_of(kWeather, "none")));

    CHECK(g4.may_be_calls("  <|tool"));
    CHECK(g4.may_be_calls("<|tool_call>call:"));
    CHECK(g4.may_be_calls(""));
    CHECK_FALSE(g4.may_be_calls("It"));
    CHECK_FALSE(g4.may_be_calls("<|turn"));
  }

  TEST_CASE("Gemma 4: calls written into the history read back as the same calls") {
    const json history = json::parse(R"({"messages": [{"role": "user", "content": "a"},
        {"role": "assistant", "content": null, "tool_calls": [
          {"id": "1", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris {x}\", \"days\": 2}"}},
          {"id": "2", "function": {"name": "now", "arguments": "{\"deep\": {\"list\": [true, null, 1.25, \"s\"]}}"}}]}]})");
    json body = history;
    body["tools"] = kWeather;
    const CompletionRequest r = gemma4_request(body);
    const std::string calls = join_text(r.messages[1].tool_calls);
    CHECK(calls.find("<|tool_call>call:get_weather{city:<|\"|>Paris {x}<|\"|>,days:2}<tool_call|>") == 0);
    auto back = tool_syntax(ChatFormat::gemma4).parse(calls, r.tools);
    REQUIRE(back);
    REQUIRE(back->size() == 2);
    for (size_t i = 0; i < 2; ++i)
      CHECK(json::parse((*back)[i].arguments) ==
            json::parse(history["messages"][1]["tool_calls"][i]["function"]["arguments"].get<std::string>()));
  }

  TEST_CASE("Gemma 1-3: replies read as calls, JSON's and Python's escapes alike; other text is text") {
    const ToolSyntax& g3 = tool_syntax(ChatFormat::gemma);
    const ToolUse use = use_of(kWeather);
    auto calls = g3.parse(R"([get_weather(city="Caf\u00e9 \ud83d\ude00\n\x41", days=3), now()])", use);
    REQUIRE(calls);
    REQUIRE(calls->size() == 2);
    CHECK(json::parse((*calls)[0].arguments) == json{{"city", "Caf\xC3\xA9 \xF0\x9F\x98\x80\nA"}, {"days", 3}});
    CHECK(g3.parse("```tool_code\nnow()\n```", use));
    for (const char* text : {"Hello", "[now()] and more", "[delete_all()]", "[get_weather(city=)]", "[]"}) {
      CAPTURE(text);
      CHECK_FALSE(g3.parse(text, use));
    }
  }

  TEST_CASE("grammar: the tool tokens only where the structural tag names them") {
    if (!GrammarVocabulary::available()) return;
    auto model = Model::load(test::source_path("assets/tiny/gemma4_tools.gguf"));
    const Tokenizer& tok = model->tokenizer();
    const GemmaConfig& c = model->config();
    const int call = *tok.find_token("<|tool_call>"), end = *tok.find_token("<tool_call|>"),
              response = *tok.find_token("<|tool_response>"), quote = *tok.find_token("<|\"|>");
    JsonTokens texts(tok);
    GrammarVocabulary& vocab = texts.grammar_vocabulary({c.end_of_turn_id, c.eos_id}, c.vocab_size);
    const ToolSyntax& g4 = tool_syntax(ChatFormat::gemma4);
    const std::string tag = g4.constraint(use_of(kWeather, "required"), tok, false);
    REQUIRE(structural_tag_error(tag) == "");
    GrammarConstraint g(vocab, tag, GrammarKind::structural_tag);
    // Only the call token starts the reply: not its text spelled out, not the hand-over, not the end of turn.
    CHECK(g.allows(call));
    for (int id : {response, end, quote, c.end_of_turn_id, c.eos_id, tok.encode("<", false)[0], tok.encode("call", false)[0]})
      CHECK_FALSE(g.allows(id));
    // A whole call, token by token: the string's delimiter is the <|"|> token, the call's end its token.
    const std::vector<int> ids = tok.encode("<|tool_call>call:get_weather{city:<|\"|>Oslo<|\"|>}<tool_call|>", false);
    for (size_t i = 0; i < ids.size(); ++i) {
      CAPTURE(i);
      CAPTURE(tok.piece(ids[i]));
      CHECK(g.allows(ids[i]));
      if (ids[i] != call) CHECK_FALSE(g.allows(response));
      g.accept(ids[i]);
    }
    CHECK(g.allows(response));  // done: hand over, or call again
    CHECK(g.allows(call));
    CHECK_FALSE(g.allows(c.end_of_turn_id));
    // No free whitespace between an argument's tokens (xgrammar would put some there).
    GrammarConstraint w(vocab, tag, GrammarKind::structural_tag);
    for (int id : tok.encode("<|tool_call>call:get_weather", false)) w.accept(id);
    CHECK(w.allows(tok.encode("{", false)[0]));
    for (const char* blank : {" ", "\n", "\t"}) CHECK_FALSE(w.allows(tok.encode(blank, false)[0]));
    for (int id : tok.encode("{city:", false)) w.accept(id);
    CHECK(w.allows(quote));
    CHECK_FALSE(w.allows(tok.encode(" ", false)[0]));
    // Inside a string no tool token fits, and a JSON schema never allows them.
    GrammarConstraint h(vocab, tag, GrammarKind::structural_tag);
    for (int id : tok.encode("<|tool_call>call:get_weather{city:<|\"|>Os", false)) h.accept(id);
    for (int id : {call, end, response, *tok.find_token("<|channel>")}) CHECK_FALSE(h.allows(id));
    // With thinking on, the thought may come first (then the calls); never a tool token inside it.
    const std::string thinking = g4.constraint(use_of(kWeather, "required"), tok, true);
    REQUIRE(structural_tag_error(thinking) == "");
    GrammarConstraint t(vocab, thinking, GrammarKind::structural_tag);
    const int open = *tok.find_token("<|channel>"), close = *tok.find_token("<channel|>");
    CHECK(t.allows(call));
    CHECK(t.allows(open));
    t.accept(open);
    for (int id : tok.encode("thought\nthe weather", false)) t.accept(id);
    for (int id : {call, end, response}) CHECK_FALSE(t.allows(id));
    t.accept(close);
    CHECK(t.allows(call));
    CHECK_FALSE(t.allows(tok.encode("x", false)[0]));
    GrammarConstraint j(vocab, R"({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]})");
    for (int id : tok.encode(R"({"a": "x)", false)) j.accept(id);
    for (int id : {call, end, response, quote}) CHECK_FALSE(j.allows(id));
    CHECK(j.allows(tok.encode("y", false)[0]));
  }

  TEST_CASE("grammar: Gemma 1-3's call list, token by token: declared names, required arguments, free strings") {
    if (!GrammarVocabulary::available()) return;
    auto model = Model::load(test::source_path("assets/tiny/gemma3.gguf"));
    const Tokenizer& tok = model->tokenizer();
    const GemmaConfig& c = model->config();
    JsonTokens texts(tok);
    GrammarVocabulary& vocab = texts.grammar_vocabulary({c.end_of_turn_id, c.eos_id}, c.vocab_size);
    const ToolSyntax& g3 = tool_syntax(ChatFormat::gemma);
    const std::string tag = g3.constraint(use_of(kWeather, "required"), tok, false);
    REQUIRE(structural_tag_error(tag) == "");
    GrammarConstraint g(vocab, tag, GrammarKind::structural_tag);
    // A free string as the last argument ends before ')' (xgrammar's JSON strings expect , } ] or : after them).
    const std::string list = R"([get_weather(city="Rome \"R\"", days=-3), now(), get_weather(city="x")])";
    const std::vector<int> ids = tok.encode(list, false);
    REQUIRE(tok.decode(ids) == list);
    for (size_t i = 0; i < ids.size(); ++i) {
      CAPTURE(i);
      CHECK_FALSE(g.complete());
      CHECK(g.allows(ids[i]));
      g.accept(ids[i]);
    }
    CHECK(g.complete());
    CHECK(g.allows(c.end_of_turn_id));
    // The arguments in the schema's order, the required one first; no arguments for now(); no other function.
    GrammarConstraint h(vocab, tag, GrammarKind::structural_tag);
    CHECK_FALSE(h.allows(tok.encode("H", false)[0]));
    for (int id : tok.encode("[get_weather(", false)) h.accept(id);
    CHECK(h.allows(tok.encode("c", false)[0]));
    CHECK_FALSE(h.allows(tok.encode("d", false)[0]));
    CHECK_FALSE(h.allows(tok.encode(")", false)[0]));
    GrammarConstraint n(vocab, tag, GrammarKind::structural_tag);
    for (int id : tok.encode("[now(", false)) n.accept(id);
    CHECK(n.allows(tok.encode(")", false)[0]));
    CHECK_FALSE(n.allows(tok.encode("x", false)[0]));
    // The named function only.
    GrammarConstraint only(vocab, g3.constraint(use_of(kWeather, {{"type", "function"}, {"function", {{"name", "now"}}}}), tok, false),
                           GrammarKind::structural_tag);
    for (int id : tok.encode("[", false)) only.accept(id);
    CHECK(only.allows(tok.encode("n", false)[0]));
    CHECK_FALSE(only.allows(tok.encode("g", false)[0]));
  }
}

namespace {

// A chat turn asking for the weather, without declarations (the tiny models' contexts are short; the grammar
// does not need them), and the generation rules of `use` in `format`.
GenerateResult ask(Generator& gen, const Model& model, ChatFormat format, const ToolUse& use, uint64_t seed,
                   bool greedy = false) {
  const ToolSyntax& syntax = tool_syntax(format);
  const Tokenizer& tok = model.tokenizer();
  const std::vector<int> prompt = encode_pieces(tok, chat_prompt(format, {{"user", "Weather in Oslo?"}}), true);
  GenerateParams p;
  p.max_tokens = 200;
  p.structural_tag = syntax.constraint(use, tok, false);
  p.end_ids = syntax.end_ids(tok);
  p.complete = [&syntax, use](const std::string& text) { return syntax.complete(text, use); };
  p.sampling.temperature = greedy ? 0.0f : 1.0f;
  p.sampling.seed = seed;
  return gen.generate(prompt, p, nullptr);
}

void check_enforced(const char* path, ChatFormat format, int context) {
  if (!GrammarVocabulary::available()) return;
  auto model = Model::load(test::source_path(path));
  SessionOptions o;
  o.backend = "cpu";
  o.context = context;
  Session session(*model, o);
  Generator gen(session);
  const ToolSyntax& syntax = tool_syntax(format);
  std::set<std::string> called;
  int calls = 0;
  for (const json& choice : {json("required"), json{{"type", "function"}, {"function", {{"name", "weather"}}}}}) {
    const ToolUse use = use_of(kClosed, choice);
    for (uint64_t seed : {1u, 2u, 3u, 4u, 5u, 6u, 0u}) {
      CAPTURE(choice.dump());
      CAPTURE(seed);
      const GenerateResult r = ask(gen, *model, format, use, seed, seed == 0);
      CAPTURE(r.text);
      if (seed == 1) MESSAGE(choice.dump() << ": " << r.text);
      CHECK(r.finish == FinishReason::stop);
      const std::optional<std::vector<ToolCall>> parsed = syntax.parse(r.text, use);
      REQUIRE(parsed);
      CHECK(!parsed->empty());
      for (const ToolCall& c : *parsed) {
        called.insert(c.name);
        ++calls;
        if (use.choice == "function") CHECK(c.name == "weather");
        const json args = json::parse(c.arguments);
        if (c.name == "weather") {
          CHECK((args["city"] == "Oslo" || args["city"] == "Rome"));  // required, from the enum
          CHECK((!args.contains("hot") || args["hot"].is_boolean()));
        } else {
          CHECK(args == json::object());
        }
      }
      if (use.choice == "function") CHECK(parsed->size() == 1);
    }
  }
  MESSAGE(calls << " calls in 14 replies; functions called: " << called.size());
  // Unconstrained, the random model writes no call.
  GenerateParams free;
  free.max_tokens = 20;
  free.sampling.temperature = 1.0f;
  free.sampling.seed = 1;
  const GenerateResult r = gen.generate(
      encode_pieces(model->tokenizer(), chat_prompt(format, {{"user", "Weather in Oslo?"}}), true), free, nullptr);
  CHECK_FALSE(syntax.parse(r.text, use_of(kClosed)));
}

}  // namespace

TEST_SUITE("tools") {
  TEST_CASE("tool_choice required / named on the tiny Gemma 3: every sampled reply is calls of the declared functions") {
    check_enforced("assets/tiny/gemma3.gguf", ChatFormat::gemma, 128);
  }
  TEST_CASE("tool_choice required / named on a tiny Gemma 4: every sampled reply is calls, ended by <|tool_response>") {
    check_enforced("assets/tiny/gemma4_tools.gguf", ChatFormat::gemma4, 256);
  }
}
