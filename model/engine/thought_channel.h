// Gemma 4's thought channel in generated tokens: <|channel>thought\n ... <channel|> (gemma4.md 4). Tokens
// inside go to the thought (its "thought" name line dropped), the rest to the reply text; the markers to
// neither. A vocabulary without the markers (Gemma 1-3) passes everything through as text. Gemma 4's tool tokens
// (kGemma4ToolTokens, the string delimiter) are the reply's text even where the vocabulary has them as control
// tokens, so that the server can read the calls.
#pragma once
#include <string>
#include <vector>

#include "model/tokenizer.h"

namespace vkg {

class ThoughtChannel {
 public:
  explicit ThoughtChannel(const Tokenizer& tok);
  // One generated token: settled text for the reply (in) or the thought (out), either may be empty.
  struct Piece {
    std::string text, thought;
  };
  Piece push(int id);

 private:
  TokenStreamDecoder text_, thought_;
  int open_ = -2, close_ = -2;
  const Tokenizer* tok_ = nullptr;
  std::vector<int> tool_tokens_;  // Gemma 4's tool tokens that are control tokens: shown as their text
  bool inside_ = false, named_ = false;
  std::string name_;  // the channel's name line, until its newline
};

}  // namespace vkg
