#include "model/chat_template.h"

namespace vkg {

namespace {
std::string trim(const std::string& s) {
  const char* ws = " \t\r\n";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}
}  // namespace

std::string gemma_user_turn(const std::string& user, const std::string& system, bool first) {
  std::string content = trim(user);
  if (first && !trim(system).empty()) content = trim(system) + "\n\n" + content;
  return std::string(first ? "" : "<end_of_turn>\n") + "<start_of_turn>user\n" + content +
         "<end_of_turn>\n<start_of_turn>model\n";
}

}  // namespace vkg
