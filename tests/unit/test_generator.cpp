// The generation loop's pieces that need no model: stop strings while streaming, and the chat template
// (Gemma 3's own Jinja template, as transformers renders it: system folded into the first user turn,
// contents trimmed, assistant -> model, alternating roles enforced).
#include <doctest/doctest.h>

#include "model/chat_template.h"
#include "model/generator.h"

using namespace vkg;

TEST_SUITE("generator") {
  TEST_CASE("stop strings: text before the stop is emitted, a possible start is held back") {
    StopStringFilter f({"###", "\nUser:"});
    CHECK(f.push("Hello") == "Hello");
    CHECK(f.push(" #") == " ");  // "#" may start "###"
    CHECK(f.push("#") == "");    // "##" still may
    CHECK(f.push("!") == "##!");  // it did not
    CHECK(f.push("\nUs") == "");
    CHECK(f.push("er: hi") == "");
    CHECK(f.found());
    CHECK(f.push("more") == "");
    CHECK(f.flush() == "");
  }

  TEST_CASE("stop strings: a stop inside one piece cuts it; flush returns the held tail") {
    StopStringFilter a({"END"});
    CHECK(a.push("abcENDdef") == "abc");
    CHECK(a.found());
    StopStringFilter b({"END"});
    CHECK(b.push("xyzEN") == "xyz");
    CHECK(b.flush() == "EN");
    CHECK_FALSE(b.found());
    StopStringFilter none({});
    CHECK(none.push("anything") == "anything");
    StopStringFilter empty({""});  // an empty stop string matches nothing
    CHECK(empty.push("text") == "text");
    CHECK_FALSE(empty.found());
  }

  TEST_CASE("stop strings: the earliest of several stops wins") {
    StopStringFilter f({"cd", "b"});
    CHECK(f.push("abcd") == "a");
  }

  TEST_CASE("chat prompt: Gemma 3's template") {
    CHECK(gemma_chat_prompt({{"user", "Hi"}}) == "<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n");
    CHECK(gemma_chat_prompt({{"system", "Be brief."}, {"user", "  Hi\n"}, {"assistant", " Hello! "}, {"user", "Bye"}}) ==
          "<start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n"
          "<start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n");
    CHECK(gemma_chat_prompt({{"user", "a"}, {"model", "b"}, {"user", "c"}}) ==
          gemma_chat_prompt({{"user", "a"}, {"assistant", "b"}, {"user", "c"}}));
  }

  TEST_CASE("chat prompt: bad conversations are errors naming the message") {
    CHECK_THROWS_WITH_AS(gemma_chat_prompt({}), doctest::Contains("no user message"), std::runtime_error);
    CHECK_THROWS_WITH_AS(gemma_chat_prompt({{"system", "x"}}), doctest::Contains("no user message"), std::runtime_error);
    CHECK_THROWS_WITH_AS(gemma_chat_prompt({{"assistant", "x"}}), doctest::Contains("message 0"), std::runtime_error);
    CHECK_THROWS_WITH_AS(gemma_chat_prompt({{"user", "a"}, {"user", "b"}}), doctest::Contains("alternate"),
                         std::runtime_error);
    CHECK_THROWS_WITH_AS(gemma_chat_prompt({{"user", "a"}, {"tool", "b"}}), doctest::Contains("unknown role 'tool'"),
                         std::runtime_error);
    CHECK_THROWS_WITH_AS(gemma_chat_prompt({{"user", "a"}, {"system", "b"}}), doctest::Contains("unknown role"),
                         std::runtime_error);
  }
}
