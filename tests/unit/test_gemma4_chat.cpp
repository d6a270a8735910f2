// Gemma 4's turn format (chat_template.h) and its thought channel (model/engine/thought_channel.h) with the
// Gemma-4-shaped vocabulary (tools/make_gemma4_tokenizer.py): the rendered turns, the user's text never
// parsed for control tokens, thinking on and off, and the thought kept out of the reply.
#include <doctest/doctest.h>

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
}
