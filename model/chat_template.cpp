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
// The system turn: when there is a system message (`present`), thinking or tools (declarations at its end).
PromptPieces g4_system(const std::string& system, bool present, bool think, const PromptPieces& tools = {}) {
  if (!present && !think && tools.empty()) return {};
  PromptPieces out = {{kG4Open + "system\n" + (think ? "<|think|>" : ""), false}};
  if (!trim(system).empty()) out.push_back({trim(system), true});
  out.insert(out.end(), tools.begin(), tools.end());
  out.push_back({kG4Close, false});
  return out;
}

// A model message's text without its thought channels (<|channel>...<channel|>), trimmed, as the template's
// strip_thinking.
std::string g4_strip_thinking(const std::string& text) {
  std::string out;
  size_t begin = 0;
  for (;;) {
    const size_t close = text.find("<channel|>", begin);
    const std::string part = text.substr(begin, close == std::string::npos ? std::string::npos : close - begin);
    out += part.substr(0, part.find("<|channel>"));
    if (close == std::string::npos) break;
    begin = close + 10;
  }
  return trim(out);
}

// Gemma 4's conversation: its template's turns with function calls and their results (chat_prompt's comment).
PromptPieces g4_chat_prompt(const std::vector<ChatMessage>& messages, bool think, const PromptPieces& tools) {
  const bool system = !messages.empty() && messages[0].role == "system";
  const size_t first = system ? 1 : 0;
  PromptPieces out = g4_system(system ? messages[0].content : "", system, think, tools);
  if (first == messages.size()) throw std::runtime_error("the conversation has no user message");
  auto fail = [](size_t i, const std::string& why) {
    return std::runtime_error("message " + std::to_string(i) + ": " + why);
  };
  enum class Last { text, calls, results } last = Last::text;  // how the last model or user message ended
  std::string previous;  // the role of the message before (user, model, tool)
  for (size_t i = first; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    const bool is_user = m.role == "user", is_model = m.role == "assistant" || m.role == "model",
               is_tool = m.role == "tool";
    if (!is_user && !is_model && !is_tool)
      throw fail(i, "unknown role '" + m.role + "' (expected user, assistant or tool; system only first)");
    if (i == first && !is_user) throw fail(i, "roles must alternate user/assistant, starting with user");
    if (is_tool) {  // rendered with the calls it answers
      if (previous != "tool" && !(previous == "model" && !messages[i - 1].tool_calls.empty()))
        throw fail(i, "a tool message must follow an assistant message with tool_calls (or another tool message)");
      previous = "tool";
      continue;
    }
    if ((is_user && previous == "user") || (is_model && previous == "model"))
      throw fail(i, "roles must alternate user/assistant, starting with user");
    if (m.images > 0) throw fail(i, "images go in user messages (and not yet for Gemma 4)");
    if (is_user && !m.tool_calls.empty()) throw fail(i, "only assistant messages make tool calls");
    // A model message after tool results continues the model turn of the calls.
    if (!(is_model && previous == "tool")) out.push_back({kG4Open + (is_user ? "user\n" : "model\n"), false});
    last = Last::text;
    if (is_model && !m.tool_calls.empty()) {
      out.insert(out.end(), m.tool_calls.begin(), m.tool_calls.end());
      last = Last::calls;
      for (size_t k = i + 1; k < messages.size() && messages[k].role == "tool"; ++k) {
        out.insert(out.end(), messages[k].tool_result.begin(), messages[k].tool_result.end());
        last = Last::results;
      }
    }
    const std::string text = is_model ? g4_strip_thinking(m.content) : trim(m.content);
    if (!text.empty()) out.push_back({text, true});
    // After calls without results the turn waits for them; after results with no text it stays open.
    if (last == Last::calls) out.push_back({"<|tool_response>", false});
    else if (!(last == Last::results && m.content.empty())) out.push_back({kG4Close, false});
    previous = is_user ? "user" : "model";
  }
  if (last == Last::text) out.push_back({g4_model_open(think), false});
  return out;
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
    PromptPieces out = first ? g4_system(system, !trim(system).empty(), think) : PromptPieces{{kG4Close, false}};
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

PromptPieces chat_prompt(ChatFormat format, const std::vector<ChatMessage>& messages, bool think,
                         const PromptPieces& tools) {
  if (format == ChatFormat::gemma4) return g4_chat_prompt(messages, think, tools);
  if (!tools.empty()) throw std::logic_error("chat_prompt: Gemma 1-3 have no declarations of their own");
  size_t first = 0;
  std::string prefix;
  PromptPieces out;
  if (!messages.empty() && messages[0].role == "system") {
    prefix = messages[0].content + "\n\n";
    first = 1;
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
    out.push_back({"<start_of_turn>" + role_name + "\n", false});
    if (messages[i].images > 0 && !is_user)
      throw std::runtime_error("message " + std::to_string(i) + ": images go in user messages");
    push_content(out, i == first ? prefix : "", trim(messages[i].content), messages[i].images);
    out.push_back({"<end_of_turn>\n", false});
  }
  out.push_back({"<start_of_turn>model\n", false});
  return out;
}

}  // namespace vkg
