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

ChatFormat chat_format(Generation g, const std::string& checkpoint_template) {
  if (checkpoint_template.find("<|turn>") != std::string::npos) return ChatFormat::gemma4;
  if (checkpoint_template.find("<start_of_turn>") != std::string::npos) return ChatFormat::gemma;
  return g == Generation::gemma4 ? ChatFormat::gemma4 : ChatFormat::gemma;
}

std::string join_text(const PromptPieces& pieces) {
  std::string s;
  for (const PromptPiece& p : pieces) s += p.text;
  return s;
}

std::vector<int> encode_pieces(const Tokenizer& tok, const PromptPieces& pieces, bool add_bos) {
  std::vector<Tokenizer::TextPart> parts;
  for (const PromptPiece& p : pieces) parts.push_back({p.text, !p.user});
  return tok.encode_parts(parts, add_bos);
}

namespace {
// Gemma 4's turn markers (gemma4.md 4) and the generation prompt's ending.
const std::string kG4Open = "<|turn>", kG4Close = "<turn|>\n";
std::string g4_model_open(bool think) { return "<|turn>model\n" + std::string(think ? "" : "<|channel>thought\n<channel|>"); }
PromptPieces g4_system(const std::string& system, bool think) {
  if (trim(system).empty() && !think) return {};
  return {{kG4Open + "system\n" + (think ? "<|think|>" : ""), false}, {trim(system), true}, {kG4Close, false}};
}

// A user's content with its images before it, as Gemma 3's template renders [image..., text]: the system
// prefix (user text) first, then a marker per image (template text, expanded by encode_pieces_with_images).
void push_content(PromptPieces& out, const std::string& prefix, const std::string& content, int images) {
  if (images <= 0) {
    out.push_back({prefix + content, true});
    return;
  }
  if (!prefix.empty()) out.push_back({prefix, true});
  std::string markers;
  for (int i = 0; i < images; ++i) markers += kImageMarker;
  out.push_back({markers, false});
  out.push_back({content, true});
}
}  // namespace

PromptPieces chat_user_turn(ChatFormat format, const std::string& user, const std::string& system, bool first,
                            bool think, int images) {
  if (format == ChatFormat::gemma4) {
    // The first turn may open with the system turn; a later one closes the reply before it (its <turn|> was
    // not fed back).
    PromptPieces out = first ? g4_system(system, think) : PromptPieces{{kG4Close, false}};
    out.push_back({kG4Open + "user\n", false});
    out.push_back({trim(user), true});
    out.push_back({kG4Close + g4_model_open(think), false});
    return out;
  }
  PromptPieces out = {{std::string(first ? "" : "<end_of_turn>\n") + "<start_of_turn>user\n", false}};
  push_content(out, first && !trim(system).empty() ? trim(system) + "\n\n" : "", trim(user), images);
  out.push_back({"<end_of_turn>\n<start_of_turn>model\n", false});
  return out;
}

std::string gemma_user_turn(const std::string& user, const std::string& system, bool first) {
  return join_text(chat_user_turn(ChatFormat::gemma, user, system, first));
}

std::string gemma_chat_prompt(const std::vector<ChatMessage>& messages) {
  return join_text(chat_prompt(ChatFormat::gemma, messages));
}

PromptPieces chat_prompt(ChatFormat format, const std::vector<ChatMessage>& messages, bool think) {
  const bool g4 = format == ChatFormat::gemma4;
  size_t first = 0;
  std::string prefix;
  PromptPieces out;
  if (!messages.empty() && messages[0].role == "system") {
    if (g4) out = g4_system(messages[0].content, think);
    else prefix = messages[0].content + "\n\n";
    first = 1;
  } else if (g4) {
    out = g4_system("", think);
  }
  if (first == messages.size()) throw std::runtime_error("the conversation has no user message");
  for (size_t i = first; i < messages.size(); ++i) {
    const std::string& role = messages[i].role;
    const bool user_turn = (i - first) % 2 == 0;
    const bool is_user = role == "user", is_model = role == "assistant" || role == "model";
    if (!is_user && !is_model)
      throw std::runtime_error("message " + std::to_string(i) + ": unknown role '" + role +
                               "' (expected user or assistant; system only first)");
    if (is_user != user_turn)
      throw std::runtime_error("message " + std::to_string(i) + ": roles must alternate user/assistant, starting with user");
    const std::string role_name = is_user ? "user" : "model";
    out.push_back({g4 ? kG4Open + role_name + "\n" : "<start_of_turn>" + role_name + "\n", false});
    if (messages[i].images > 0 && (g4 || !is_user))
      throw std::runtime_error("message " + std::to_string(i) + ": images go in user messages" +
                               (g4 ? " (and not yet for Gemma 4)" : ""));
    push_content(out, i == first ? prefix : "", trim(messages[i].content), messages[i].images);
    out.push_back({g4 ? kG4Close : "<end_of_turn>\n", false});
  }
  out.push_back({g4 ? g4_model_open(think) : "<start_of_turn>model\n", false});
  return out;
}

}  // namespace vkg
