#include "app/openai_api.h"

#include <optional>
#include <string_view>

#include "model/engine/grammar_constraint.h"

namespace vkg::app {

using nlohmann::json;

namespace {

// Standard base64 (RFC 4648, padding optional); nullopt for anything else.
std::optional<std::string> base64_decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
  };
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const int v = value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

// An image_url part's image: a data: URL with base64 bytes (the server fetches nothing).
std::string image_bytes(const json& part, const std::string& where) {
  const json* url = nullptr;
  if (part.contains("image_url") && part["image_url"].is_object() && part["image_url"].contains("url"))
    url = &part["image_url"]["url"];
  else if (part.contains("image_url"))
    url = &part["image_url"];  // the plain-string form some clients send
  if (!url || !url->is_string()) throw ApiError(400, where + ": an image_url part needs image_url.url", "messages");
  const std::string& u = url->get_ref<const std::string&>();
  if (u.rfind("http://", 0) == 0 || u.rfind("https://", 0) == 0)
    throw ApiError(400, where + ": image URLs are not fetched; send the image as a data: URL (data:image/png;base64,...)",
                   "messages");
  const size_t comma = u.find(',');
  if (u.rfind("data:", 0) != 0 || comma == std::string::npos || u.substr(0, comma).find(";base64") == std::string::npos)
    throw ApiError(400, where + ": image_url.url must be a data: URL with base64 bytes (data:image/png;base64,...)",
                   "messages");
  std::optional<std::string> bytes = base64_decode(std::string_view(u).substr(comma + 1));
  if (!bytes || bytes->empty()) throw ApiError(400, where + ": the image's base64 data is not valid", "messages");
  return std::move(*bytes);
}

// The tool_calls of an assistant message in the history.
std::vector<ToolCall> history_calls(const json& calls, const std::string& where) {
  if (!calls.is_array()) throw ApiError(400, where + ": 'tool_calls' must be an array", "messages");
  std::vector<ToolCall> out;
  for (const json& c : calls) {
    if (!c.is_object() || !c.contains("function") || !c["function"].is_object() || !c["function"].contains("name") ||
        !c["function"]["name"].is_string())
      throw ApiError(400, where + ": each tool call needs function.name", "messages");
    const json& f = c["function"];
    std::string args = "{}";
    if (f.contains("arguments") && f["arguments"].is_string()) args = f["arguments"].get<std::string>();
    else if (f.contains("arguments") && f["arguments"].is_object()) args = f["arguments"].dump();
    out.push_back({c.value("id", ""), f["name"].get<std::string>(), args});
  }
  return out;
}

// A message's text, from a string or an array of text and image_url parts; the images' bytes go to *images
// (images == nullptr: none are allowed).
std::string content_text(const json& content, const std::string& where, std::vector<std::string>* images, int* count) {
  if (content.is_string()) return content.get<std::string>();
  if (content.is_null()) throw ApiError(400, where + ": content is missing or null", "messages");
  if (!content.is_array()) throw ApiError(400, where + ": content must be a string or an array of parts", "messages");
  std::string text;
  for (const json& part : content) {
    if (!part.is_object() || !part.contains("type") || !part["type"].is_string())
      throw ApiError(400, where + ": each content part needs a \"type\"", "messages");
    const std::string type = part["type"];
    if (type == "image_url") {
      if (!images) throw ApiError(400, where + ": a tool result holds text only", "messages");
      if (images->size() >= size_t(kMaxImagesPerRequest))
        throw ApiError(400, where + ": at most " + std::to_string(kMaxImagesPerRequest) + " images per request", "messages");
      images->push_back(image_bytes(part, where));
      ++*count;
      continue;
    }
    if (type != "text")
      throw ApiError(400, where + ": content parts of type '" + type + "' are not supported (text and image_url are)",
                     "messages");
    if (!part.contains("text") || !part["text"].is_string())
      throw ApiError(400, where + ": a text part needs a string \"text\"", "messages");
    text += part["text"].get<std::string>();
  }
  return text;
}

template <typename T>
T number(const json& body, const char* key, T fallback, T lo, T hi) {
  if (!body.contains(key) || body[key].is_null()) return fallback;
  const json& v = body[key];
  if (!v.is_number()) throw ApiError(400, std::string("'") + key + "' must be a number", key);
  if (std::is_integral_v<T> && !v.is_number_integer())
    throw ApiError(400, std::string("'") + key + "' must be an integer", key);
  const double d = v.get<double>();
  if (d < static_cast<double>(lo) || d > static_cast<double>(hi))
    throw ApiError(400, std::string("'") + key + "' must be between " + std::to_string(lo) + " and " +
                            std::to_string(hi) + ", got " + v.dump(), key);
  return v.get<T>();
}

}  // namespace

CompletionRequest parse_completion_request(const std::string& body_text, bool chat, int default_max_tokens,
                                           const SamplerParams& sampling, ChatFormat format) {
  json body;
  try {
    body = json::parse(body_text);
  } catch (const json::exception& e) {  // syntax, invalid UTF-8 in a string, a number past the double range
    throw ApiError(400, std::string("the request body is not valid JSON: ") + e.what());
  }
  if (!body.is_object()) throw ApiError(400, "the request body must be a JSON object");
  CompletionRequest r;
  r.chat = chat;
  r.format = format;
  if (chat) {
    if (!body.contains("messages") || !body["messages"].is_array() || body["messages"].empty())
      throw ApiError(400, "'messages' must be a non-empty array", "messages");
    std::vector<RequestMessage> in;
    for (size_t i = 0; i < body["messages"].size(); ++i) {
      const json& m = body["messages"][i];
      const std::string where = "messages[" + std::to_string(i) + "]";
      if (!m.is_object() || !m.contains("role") || !m["role"].is_string())
        throw ApiError(400, where + " needs a string 'role'", "messages");
      RequestMessage message;
      message.message.role = m["role"].get<std::string>();
      const json content = m.value("content", json());
      if (message.message.role == "tool") {  // a function's result: text only
        int no_images = 0;
        message.message.content = content_text(content, where, nullptr, &no_images);
        if (m.contains("tool_call_id") && m["tool_call_id"].is_string()) message.tool_call_id = m["tool_call_id"];
        if (m.contains("name") && m["name"].is_string()) message.name = m["name"];
        in.push_back(std::move(message));
        continue;
      }
      const bool calls = message.message.role == "assistant" && m.contains("tool_calls") && !m["tool_calls"].is_null();
      if (!(calls && content.is_null()))
        message.message.content = content_text(content, where, &r.images, &message.message.images);
      if (calls) message.calls = history_calls(m["tool_calls"], where);
      in.push_back(std::move(message));
    }
    r.tools = parse_tool_use(body);
    // Calls and results in the format's syntax, the declarations where it puts them (app/tool_calls.h).
    r.messages = tool_syntax(format).render(in, r.tools, r.tool_declarations);
    try {
      chat_prompt(format, r.messages, false, r.tool_declarations);  // roles checked here, so the error is a 400
    } catch (const std::exception& e) {
      throw ApiError(400, e.what(), "messages");
    }
  } else {
    if (!body.contains("prompt")) throw ApiError(400, "'prompt' is required", "prompt");
    const json& p = body["prompt"];
    if (p.is_string()) {
      r.prompt = p.get<std::string>();
    } else if (p.is_array() && p.size() == 1 && p[0].is_string()) {
      r.prompt = p[0].get<std::string>();
    } else if (p.is_array() && !p.empty() && std::all_of(p.begin(), p.end(), [](const json& t) { return t.is_number_integer(); })) {
      r.prompt_tokens = p.get<std::vector<int>>();
    } else {
      throw ApiError(400, "'prompt' must be a string, an array of one string, or an array of token ids", "prompt");
    }
  }
  const char* max_key = body.contains("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
  r.params.max_tokens = number<int>(body, max_key, default_max_tokens, 0, 1 << 30);
  r.params.sampling = sampling;
  r.params.sampling.temperature = number<float>(body, "temperature", sampling.temperature, 0.0f, 2.0f);
  r.params.sampling.top_p = number<float>(body, "top_p", sampling.top_p, 0.0f, 1.0f);
  r.params.sampling.top_k = number<int>(body, "top_k", sampling.top_k, 0, 1 << 30);
  r.params.sampling.min_p = number<float>(body, "min_p", sampling.min_p, 0.0f, 1.0f);
  r.params.sampling.repeat_penalty = number<float>(body, "repeat_penalty", sampling.repeat_penalty, 0.01f, 10.0f);
  if (body.contains("seed") && !body["seed"].is_null()) {
    r.params.sampling.seed = static_cast<uint64_t>(number<int64_t>(body, "seed", 0, INT64_MIN, INT64_MAX));
    r.seeded = true;
  }
  if (number<int>(body, "n", 1, 1, 1 << 30) != 1) throw ApiError(400, "only n = 1 is supported", "n");
  if (body.contains("stop") && !body["stop"].is_null()) {
    const json& s = body["stop"];
    if (s.is_string()) {
      r.params.stop.push_back(s.get<std::string>());
    } else if (s.is_array() && s.size() <= 4 && std::all_of(s.begin(), s.end(), [](const json& x) { return x.is_string(); })) {
      r.params.stop = s.get<std::vector<std::string>>();
    } else {
      throw ApiError(400, "'stop' must be a string or an array of at most 4 strings", "stop");
    }
  }
  // Structured output, enforced token by token: "json_object" by the JSON automaton (model/engine/json_tokens.h),
  // "json_schema" by xgrammar's grammar of the schema (model/engine/grammar_constraint.h). A schema xgrammar
  // cannot use is refused here, before the request is queued.
  if (body.contains("response_format") && !body["response_format"].is_null()) {
    const json& f = body["response_format"];
    if (!f.is_object() || !f.contains("type") || !f["type"].is_string())
      throw ApiError(400, "'response_format' must be an object with a string 'type'", "response_format");
    const std::string type = f["type"].get<std::string>();
    if (type == "json_object") {
      r.params.json_object = true;
    } else if (type == "json_schema") {
      if (!f.contains("json_schema") || !f["json_schema"].is_object() || !f["json_schema"].contains("schema") ||
          !f["json_schema"]["schema"].is_object())
        throw ApiError(400, "response_format 'json_schema' needs 'json_schema': {\"name\": ..., \"schema\": {...}} "
                            "with the schema an object", "response_format");
      // Read again keeping the order of its keys: a schema's properties come in the reply in that order.
      r.params.json_schema =
          nlohmann::ordered_json::parse(body_text)["response_format"]["json_schema"]["schema"].dump();
      const std::string why = json_schema_error(r.params.json_schema);
      if (!why.empty()) throw ApiError(400, "response_format json_schema: " + why, "response_format");
    } else if (type != "text") {
      throw ApiError(400, "'response_format.type' must be 'text', 'json_object' or 'json_schema', got '" + type + "'",
                     "response_format");
    }
  }
  if (body.contains("stream") && !body["stream"].is_null()) {
    if (!body["stream"].is_boolean()) throw ApiError(400, "'stream' must be true or false", "stream");
    r.stream = body["stream"].get<bool>();
  }
  if (body.contains("think") && !body["think"].is_null()) {
    if (!body["think"].is_boolean()) throw ApiError(400, "'think' must be true or false", "think");
    r.think = body["think"].get<bool>();
  }
  if (chat) {
    if (body.contains("logprobs") && !body["logprobs"].is_null()) {
      if (!body["logprobs"].is_boolean()) throw ApiError(400, "'logprobs' must be true or false", "logprobs");
      r.logprobs = body["logprobs"].get<bool>();
    }
    const int top = number<int>(body, "top_logprobs", 0, 0, GenerateParams::kMaxLogprobs);
    if (top > 0 && !r.logprobs) throw ApiError(400, "'top_logprobs' needs 'logprobs': true", "top_logprobs");
    if (r.logprobs) r.params.logprobs = top;
  } else if (body.contains("logprobs") && !body["logprobs"].is_null()) {
    r.params.logprobs = number<int>(body, "logprobs", 0, 0, 5);  // the legacy API's range
    r.logprobs = true;
  }
  if (body.contains("stream_options") && body["stream_options"].is_object())
    r.include_usage = body["stream_options"].value("include_usage", false);
  return r;
}

json error_json(const std::string& message, const std::string& type, const std::string& param) {
  return {{"error", {{"message", message}, {"type", type}, {"param", param.empty() ? json() : json(param)}, {"code", json()}}}};
}

const char* openai_finish_reason(FinishReason r) { return r == FinishReason::stop ? "stop" : "length"; }

json usage_json(const GenerateResult& r) {
  // cached_tokens: the prompt's tokens whose keys and values were already in the cache (a chat's next turn).
  return {{"prompt_tokens", r.prompt_tokens},
          {"completion_tokens", r.completion_tokens},
          {"total_tokens", r.prompt_tokens + r.completion_tokens},
          {"prompt_tokens_details", {{"cached_tokens", r.reused_tokens}}}};
}

json logprobs_json(const Tokenizer& tok, bool chat, const std::vector<TokenLogprob>& lps, size_t& offset) {
  auto bytes_of = [](const std::string& t) {
    json b = json::array();
    for (unsigned char c : t) b.push_back(int(c));
    return b;
  };
  if (chat) {
    json content = json::array();
    for (const TokenLogprob& lp : lps) {
      const std::string t = tok.decode({lp.id});
      json top = json::array();
      for (const auto& [id, v] : lp.top) {
        const std::string tt = tok.decode({id});
        top.push_back({{"token", tt}, {"logprob", v}, {"bytes", bytes_of(tt)}});
      }
      content.push_back({{"token", t}, {"logprob", lp.logprob}, {"bytes", bytes_of(t)}, {"top_logprobs", top}});
      offset += t.size();
    }
    return {{"content", content}};
  }
  json tokens = json::array(), values = json::array(), tops = json::array(), offsets = json::array();
  for (const TokenLogprob& lp : lps) {
    const std::string t = tok.decode({lp.id});
    tokens.push_back(t);
    values.push_back(lp.logprob);
    json top = json::object();
    for (const auto& [id, v] : lp.top) top[tok.decode({id})] = v;
    tops.push_back(top);
    offsets.push_back(offset);
    offset += t.size();
  }
  return {{"tokens", tokens}, {"token_logprobs", values}, {"top_logprobs", tops}, {"text_offset", offsets}};
}

namespace {

json tool_calls_json(const std::vector<ToolCall>& calls, bool indexed) {
  json out = json::array();
  for (size_t i = 0; i < calls.size(); ++i) {
    json c = {{"id", calls[i].id}, {"type", "function"},
              {"function", {{"name", calls[i].name}, {"arguments", calls[i].arguments}}}};
    if (indexed) c["index"] = i;
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

json tool_calls_chunk_json(const ResponseIds& ids, const std::vector<ToolCall>& calls) {
  json chunk = chunk_json(ids, true, "");
  chunk["choices"][0]["delta"] = {{"tool_calls", tool_calls_json(calls, true)}};
  chunk["choices"][0]["finish_reason"] = "tool_calls";
  return chunk;
}

json completion_json(const ResponseIds& ids, bool chat, const GenerateResult& r, const Tokenizer* tok,
                     const std::vector<ToolCall>* calls) {
  size_t offset = 0;
  json choice = {{"index", 0}, {"finish_reason", calls ? "tool_calls" : openai_finish_reason(r.finish)},
                 {"logprobs", tok ? logprobs_json(*tok, chat, r.logprobs, offset) : json()}};
  if (chat && calls) choice["message"] = {{"role", "assistant"}, {"content", nullptr}, {"tool_calls", tool_calls_json(*calls, false)}};
  else if (chat) choice["message"] = {{"role", "assistant"}, {"content", r.text}};
  else choice["text"] = r.text;
  if (chat && !r.thought.empty()) choice["message"]["reasoning_content"] = r.thought;
  return {{"id", ids.id},
          {"object", chat ? "chat.completion" : "text_completion"},
          {"created", ids.created},
          {"model", ids.model},
          {"choices", json::array({choice})},
          {"usage", usage_json(r)}};
}

json thought_chunk_json(const ResponseIds& ids, const std::string& text) {
  json chunk = chunk_json(ids, true, "");
  chunk["choices"][0]["delta"] = {{"reasoning_content", text}};
  return chunk;
}

json chunk_json(const ResponseIds& ids, bool chat, const std::string& text, const char* finish, bool first,
                const json& logprobs) {
  json choice = {{"index", 0}, {"finish_reason", finish ? json(finish) : json()}, {"logprobs", logprobs}};
  if (chat) {
    json delta = json::object();
    if (first) delta["role"] = "assistant";
    if (!finish) delta["content"] = text;
    choice["delta"] = delta;
  } else {
    choice["text"] = text;
  }
  return {{"id", ids.id},
          {"object", chat ? "chat.completion.chunk" : "text_completion"},
          {"created", ids.created},
          {"model", ids.model},
          {"choices", json::array({choice})}};
}

}  // namespace vkg::app
