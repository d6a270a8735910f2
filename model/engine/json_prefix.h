// Structured output (OpenAI response_format "json_object"): whether a text can still become one JSON object
// (RFC 8259), checked a character at a time, so that each generated token is one that keeps it so. A hand-written
// automaton for this one grammar: Debian and PyPI ship no C++ grammar engine we could link (xgrammar's C++ core
// comes only inside its Python wheels); response_format "json_schema" needs one and is refused until then.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace vkg {

class JsonPrefix {
 public:
  // false: `c` cannot continue a JSON object from here (the state is then unspecified: push into a copy).
  // Whitespace comes in runs of at most kMaxSpaces (2 before the object): JSON allows any amount, and a model
  // that likes whitespace best would otherwise never write the object.
  static constexpr int kMaxSpaces = 16;
  bool push(unsigned char c);
  bool push(const std::string& text);
  // A whole object has been read: only whitespace may follow.
  bool complete() const { return mode_ == Mode::done; }

 private:
  enum class Mode : uint8_t {
    value,          // a value starts here (the top level: an object)
    key_or_close,   // after '{'
    key,            // after ',' in an object
    colon,          // after a key
    after_value,    // after a value in a container: ',' or its closing bracket
    value_or_close, // after '['
    string,         // inside a string (key_ says whose)
    escape,         // after a backslash
    unicode,        // \u and hex_left more hex digits
    number,         // inside a number (num_ says where)
    literal,        // inside true / false / null (literal_ the rest to read)
    done,
  };
  enum class Num : uint8_t { minus, zero, int_digits, dot, frac, exp, exp_sign, exp_digits };
  bool start_value(unsigned char c);
  bool end_value();  // a value ended: back to its container, or done
  static bool space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

  Mode mode_ = Mode::value;
  Num num_ = Num::zero;
  bool key_ = false;
  int hex_left_ = 0;
  int spaces_ = 0;  // the whitespace run just read (outside strings)
  const char* literal_ = nullptr;
  std::vector<char> stack_;  // '{' or '[' per open container
};

}  // namespace vkg
