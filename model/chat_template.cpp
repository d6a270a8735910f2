#include "model/chat_template.h"

#include <stdexcept>

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

std::string gemma_chat_prompt(const std::vector<ChatMessage>& messages) {
  size_t first = 0;
  std::string prefix;
  if (!messages.empty() && messages[0].role == "system") {
    prefix = messages[0].content + "\n\n";
    first = 1;
  }
  if (first == messages.size()) throw std::runtime_error("the conversation has no user message");
  std::string out;
  for (size_t i = first; i < messages.size(); ++i) {
    const std::string& role = messages[i].role;
    const bool user_turn = (i - first) % 2 == 0;
    const bool is_user = role == "user", is_model = role == "assistant" || role == "model";
    if (!is_user && !is_model)
      throw std::runtime_error("message " + std::to_string(i) + ": unknown role '" + role +
                               "' (expected user or assistant; system only first)");
    if (is_user != user_turn)
      throw std::runtime_error("message " + std::to_string(i) + ": roles must alternate user/assistant, starting with user");
    out += "<start_of_turn>" + std::string(is_user ? "user" : "model") + "\n" + (i == first ? prefix : "") +
           trim(messages[i].content) + "<end_of_turn>\n";
  }
  return out + "<start_of_turn>model\n";
}

}  // namespace vkg
