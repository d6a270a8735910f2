#include "model/engine/json_prefix.h"

namespace vkg {

bool JsonPrefix::end_value() {
  mode_ = stack_.empty() ? Mode::done : Mode::after_value;
  return true;
}

bool JsonPrefix::start_value(unsigned char c) {
  if (stack_.empty() && c != '{') return false;  // json_object: the top level is an object
  switch (c) {
    case '{': stack_.push_back('{'); mode_ = Mode::key_or_close; return true;
    case '[': stack_.push_back('['); mode_ = Mode::value_or_close; return true;
    case '"': key_ = false; mode_ = Mode::string; return true;
    case 't': literal_ = "rue"; mode_ = Mode::literal; return true;
    case 'f': literal_ = "alse"; mode_ = Mode::literal; return true;
    case 'n': literal_ = "ull"; mode_ = Mode::literal; return true;
    case '-': num_ = Num::minus; mode_ = Mode::number; return true;
    case '0': num_ = Num::zero; mode_ = Mode::number; return true;
    default:
      if (c >= '1' && c <= '9') {
        num_ = Num::int_digits;
        mode_ = Mode::number;
        return true;
      }
      return false;
  }
}

bool JsonPrefix::push(unsigned char c) {
  const bool digit = c >= '0' && c <= '9';
  if (mode_ != Mode::string && mode_ != Mode::escape && mode_ != Mode::unicode) {
    if (!space(c)) spaces_ = 0;
    else if (++spaces_ > (mode_ == Mode::value && stack_.empty() ? 2 : kMaxSpaces)) return false;
  }
  switch (mode_) {
    case Mode::value:
      return space(c) || start_value(c);
    case Mode::key_or_close:
      if (space(c)) return true;
      if (c == '}') { stack_.pop_back(); return end_value(); }
      [[fallthrough]];
    case Mode::key:
      if (space(c)) return true;
      if (c != '"') return false;
      key_ = true;
      mode_ = Mode::string;
      return true;
    case Mode::colon:
      if (space(c)) return true;
      if (c != ':') return false;
      mode_ = Mode::value;
      return true;
    case Mode::value_or_close:
      if (space(c)) return true;
      if (c == ']') { stack_.pop_back(); return end_value(); }
      mode_ = Mode::value;
      return start_value(c);
    case Mode::after_value:
      if (space(c)) return true;
      if (c == ',') { mode_ = stack_.back() == '{' ? Mode::key : Mode::value; return true; }
      if (c == (stack_.back() == '{' ? '}' : ']')) { stack_.pop_back(); return end_value(); }
      return false;
    case Mode::string:
      if (c == '"') {
        if (key_) { mode_ = Mode::colon; return true; }
        return end_value();
      }
      if (c == '\\') { mode_ = Mode::escape; return true; }
      return c >= 0x20;  // control characters must be escaped; other bytes (UTF-8) pass
    case Mode::escape:
      if (c == 'u') { hex_left_ = 4; mode_ = Mode::unicode; return true; }
      if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' || c == 't') {
        mode_ = Mode::string;
        return true;
      }
      return false;
    case Mode::unicode:
      if (!(digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
      if (--hex_left_ == 0) mode_ = Mode::string;
      return true;
    case Mode::literal:
      if (c != static_cast<unsigned char>(*literal_)) return false;
      if (*++literal_ == '\0') return end_value();
      return true;
    case Mode::number:
      switch (num_) {
        case Num::minus:
          if (c == '0') { num_ = Num::zero; return true; }
          if (digit) { num_ = Num::int_digits; return true; }
          return false;
        case Num::zero:
        case Num::int_digits:
          if (digit && num_ == Num::int_digits) return true;
          if (c == '.') { num_ = Num::dot; return true; }
          if (c == 'e' || c == 'E') { num_ = Num::exp; return true; }
          break;  // the number ended: c belongs to what follows
        case Num::dot:
          if (digit) { num_ = Num::frac; return true; }
          return false;
        case Num::frac:
          if (digit) return true;
          if (c == 'e' || c == 'E') { num_ = Num::exp; return true; }
          break;
        case Num::exp:
          if (c == '+' || c == '-') { num_ = Num::exp_sign; return true; }
          [[fallthrough]];
        case Num::exp_sign:
          if (digit) { num_ = Num::exp_digits; return true; }
          return false;
        case Num::exp_digits:
          if (digit) return true;
          break;
      }
      end_value();  // numbers only appear inside containers here, so this is after_value
      return push(c);
    case Mode::done:
      return space(c);
  }
  return false;
}

bool JsonPrefix::push(const std::string& text) {
  for (unsigned char c : text)
    if (!push(c)) return false;
  return true;
}

}  // namespace vkg
