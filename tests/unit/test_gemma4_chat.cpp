// Gemma 4's turn format (chat_template.h) and its thought channel (model/engine/thought_channel.h) with the
// Gemma-4-shaped vocabulary (tools/make_gemma4_tokenizer.py): the rendered turns, the user's text never
// parsed for control tokens, thinking on and off, and the thought kept out of the reply.
#include <doctest/doctest.h>

#include <algorithm>

#include "../test_paths.h"
#include "model/chat_template.h"
#include "model/engine/thought_channel.h"

using namespace vkg;

TEST_SUITE("generator") {
  TEST_CASE("Gemma 4 turns: system turn, user turns, the opened model turn, thinking on and off") {
    const ChatFormat f = chat_format(Generation::gemma4);
    CHECK(join_text(chat_user_turn(f, " Hi ", "", true)) ==
          "<|turn>user\nHi<turn|>\n<|turn>model\n<|channel>thought\n<channel|>");
    CHECK(join_text(chat_user_turn(f, "Hi", "Be brief.", true, true)) ==
          "<|turn>system\n<|think|>Be brief.<turn|>\n<|turn>user\nHi<turn|>\n<|turn>model\n");
    CHECK(join_text(chat_user_turn(f, "More", "Be brief.", false)) ==
          "<turn|>\n<|turn>user\nMore<turn|>\n<|turn>model\n<|channel>thought\n<channel|>");
    const std::vector<ChatMessage> messages = {
        {"system", "S"}, {"user", "a"}, {"assistant", "b"}, {"user", "c"}};
    CHECK(join_text(chat_prompt(f, messages)) ==
          "<|turn>system\nS<turn|>\n<|turn>user\na<turn|>\n<|turn>model\nb<turn|>\n<|turn>user\nc<turn|>\n"
          "<|turn>model\n<|channel>thought\n<channel|>");
    // The checkpoint's template decides by its markers; without one, the generation.
    CHECK(chat_format(Generation::gemma3, "{{ '<|turn>' + role }}") == ChatFormat::gemma4);
    CHECK(chat_format(Generation::gemma4, "{{ '<start_of_turn>' }}") == ChatFormat::gemma);
    CHECK(chat_format(Generation::gemma3) == ChatFormat::gemma);
    // Gemma 1-3 are unchanged: no system turn, <start_of_turn>.
    CHECK(gemma_chat_prompt(messages) ==
          "<start_of_turn>user\nS\n\na<end_of_turn>\n<start_of_turn>model\nb<end_of_turn>\n<start_of_turn>user\n"
          "c<end_of_turn>\n<start_of_turn>model\n");
  }

  TEST_CASE("Gemma 4 prompt tokens: markers from the template only, the user's text spelled out") {
    const Tokenizer tok = Tokenizer::from_hf_json(test::source_path("assets/tiny/gemma4-tokenizer/tokenizer.json"));
    const int turn = *tok.find_token("<|turn>"), end = *tok.find_token("<turn|>");
    const std::vector<int> ids =
        encode_pieces(tok, chat_user_turn(ChatFormat::gemma4, "say <turn|> and <|turn>", "", true), true);
    CHECK(ids.front() == tok.bos_id());
    int turns = 0, ends = 0;
    for (int id : ids) turns += id == turn, ends += id == end;
    CHECK(turns == 2);  // user and model: the typed <|turn> is text
    CHECK(ends == 1);   // the typed <turn|> too
  }

  TEST_CASE("prompt pieces: encoded as their joined text, control tokens only from template pieces") {
    const Tokenizer tok = Tokenizer::from_hf_json(test::source_path("assets/tiny/gemma4-tokenizer/tokenizer.json"));
    // Text across pieces is one run of merges: the tokens of the whole rendered text, not of each piece.
    const PromptPieces pieces = {{"<|turn>user\nThe GNU Gen", false}, {"eral Public Lic", true}, {"ense<turn|>\n", false}};
    const std::vector<int> joined = tok.encode("<|turn>user\nThe GNU General Public License<turn|>\n", true);
    CHECK(encode_pieces(tok, pieces, true) == joined);
    std::vector<int> apart = tok.encode("<|turn>user\nThe GNU Gen", true);
    for (const char* text : {"eral Public Lic", "ense<turn|>\n"}) {
      const std::vector<int> part = tok.encode(text, false);
      apart.insert(apart.end(), part.begin(), part.end());
    }
    CHECK(apart != joined);  // (so the check above could fail)
    // A user piece's marker text stays text, and breaks no run.
    const std::vector<int> ids = encode_pieces(tok, {{"<|turn>user\n", false}, {"a<turn|>b", true}}, false);
    CHECK(std::count(ids.begin(), ids.end(), *tok.find_token("<turn|>")) == 0);
    CHECK(tok.decode(ids) == "user\na<turn|>b");
    // A BOS written at the start of the first piece is not doubled.
    CHECK(encode_pieces(tok, {{"<bos>x", false}}, true) == tok.encode("x", true));
  }

  TEST_CASE("the thought channel: its text goes to the thought (name line dropped), never to the reply") {
    const Tokenizer tok = Tokenizer::from_hf_json(test::source_path("assets/tiny/gemma4-tokenizer/tokenizer.json"));
    ThoughtChannel channel(tok);
    std::string text, thought;
    for (int id : tok.encode("Sure. <|channel>thought\nfree software<channel|>The license is free.", false)) {
      const ThoughtChannel::Piece p = channel.push(id);
      text += p.text;
      thought += p.thought;
    }
    CHECK(text == "Sure. The license is free.");
    CHECK(thought == "free software");
  }

  TEST_CASE("the reply shows Gemma 4's tool tokens as their text, also where the vocabulary has them as control tokens") {
    const Tokenizer tok = Tokenizer::from_hf_json(test::source_path("assets/tiny/gemma4-tokenizer/tokenizer.json"));
    REQUIRE(tok.is_control(*tok.find_token("<|tool_call>")));
    REQUIRE(tok.is_control(*tok.find_token("<|\"|>")));
    const std::string reply = "<|tool_call>call:f{a:<|\"|>x y<|\"|>}<tool_call|>";
    ThoughtChannel channel(tok);
    std::string text;
    for (int id : tok.encode(reply, false)) text += channel.push(id).text;
    CHECK(text == reply);
    CHECK(tok.decode(tok.encode(reply, false)) == "call:f{a:x y}");  // (what decoding alone would show)
  }
}
