// `vkgemma serve`: an OpenAI-compatible HTTP server (cpp-httplib) on loopback by default. One model, --parallel
// sequences: up to that many requests run at once on the engine thread (model/engine/batch_engine.h), their
// decode steps batched, a long prompt read in chunks between them; the others wait in arrival order (at
// most --max-queue, then 503 with Retry-After). A request whose prompt extends a finished one's tokens (the
// next turn of a chat) reuses that sequence's cache. A client that disconnects cancels its generation,
// streaming or not. SIGINT / SIGTERM stop it: no new connections, queued requests answered 503, those in
// flight given --shutdown-timeout seconds to finish (then cancelled), exit 0; a second signal exits at once.
// Hostile clients are bounded: prompt bytes before tokenizing, body size, idle and slow connections
// (timeouts, a worker per connection from a pool of 128), and --api-key.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <memory>
#include <mutex>
#include <random>

#include "app/args.h"
#include "app/commands.h"
#include "app/openai_api.h"
#include "app/options.h"
#include "model/engine/batch_engine.h"
#include "model/engine/grammar_constraint.h"
#include "model/image.h"
#include "model/image_prompt.h"
#include "model/sampling_defaults.h"
#include "model/session.h"

namespace vkg::app {

namespace {

using nlohmann::json;

// Requests run at once by default: on 2 to 16 cores a decode step of 4 costs little more than one of 1 (the
// weights are read once), and 4 sequences' KV caches at a few thousand tokens each fit beside small models.
constexpr int kDefaultParallel = 4;

struct Server {
  std::unique_ptr<Model> model;
  std::unique_ptr<Session> session;
  std::unique_ptr<BatchEngine> engine;
  std::string model_name;
  SamplerParams sampling;  // the model's defaults, for the fields a request does not give
  ChatFormat format = ChatFormat::gemma;  // the model's chat format (its turns, its function-calling syntax)
  size_t max_prompt_bytes = 0;  // a prompt's bytes, checked before it is tokenized
  std::atomic<bool> cancel_all{false};  // shutdown's grace time is over: generations in flight stop
  std::mutex ids_mutex;
  uint64_t next_id = 0;
  std::mt19937_64 seeds{std::random_device{}()};

  ResponseIds new_ids(bool chat) {
    std::lock_guard<std::mutex> l(ids_mutex);
    return {std::string(chat ? "chatcmpl-" : "cmpl-") + std::to_string(++next_id),
            static_cast<int64_t>(std::time(nullptr)), model_name};
  }
  uint64_t new_seed() {
    std::lock_guard<std::mutex> l(ids_mutex);
    return seeds();
  }
};

// JSON text whatever the strings hold (a client's invalid UTF-8 echoed in an error becomes U+FFFD).
std::string text_of(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(text_of(body), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message, const std::string& param = "") {
  const char* type = status == 503 ? "server_busy" : status >= 500 ? "server_error" : "invalid_request_error";
  send_json(res, status, error_json(message, type, param));
}

// Tokens of the request's prompt; ApiError when it cannot run in this context. The bytes are bounded before
// anything is tokenized, so a huge prompt costs neither time nor memory.
std::vector<int> prompt_tokens(const Server& s, const CompletionRequest& r) {
  size_t bytes = r.prompt.size() + join_text(r.tool_declarations).size();
  for (const ChatMessage& m : r.messages)
    bytes += m.content.size() + join_text(m.tool_calls).size() + join_text(m.tool_result).size();
  if (bytes > s.max_prompt_bytes)
    throw ApiError(413, "the prompt has " + std::to_string(bytes) + " bytes, more than the " +
                            std::to_string(s.max_prompt_bytes) + " this server takes (--max-prompt-bytes)",
                   r.chat ? "messages" : "prompt");
  const Tokenizer& tok = s.model->tokenizer();
  std::vector<int> ids;
  const int n_images = static_cast<int>(r.images.size());
  if (n_images > 0 && !s.model->vision())
    throw ApiError(400, s.model_name + " has no vision tower: images need a Gemma 3 4B+ model (GGUF with --mmproj, or a "
                                       "Hugging Face directory)", "messages");
  if (r.chat) {
    PromptPieces pieces;
    try {
      pieces = chat_prompt(r.format, r.messages, r.think, r.tool_declarations);
    } catch (const std::exception& e) {
      throw ApiError(400, e.what(), "messages");
    }
    ids = n_images > 0 ? encode_pieces_with_images(tok, *s.model->vision(), pieces, n_images, true)
                       : encode_pieces(tok, pieces, true);
  }
  else if (!r.prompt_tokens.empty()) ids = r.prompt_tokens;
  else ids = tok.encode(r.prompt, true);
  const int vocab = s.model->config().vocab_size;
  for (int id : ids)
    if (id < 0 || id >= vocab)
      throw ApiError(400, "token id " + std::to_string(id) + " is outside the vocabulary of " + std::to_string(vocab),
                     "prompt");
  if (ids.empty()) throw ApiError(400, "the prompt is empty", "prompt");
  if (static_cast<int>(ids.size()) > s.session->context())
    throw ApiError(400, "the prompt has " + std::to_string(ids.size()) + " tokens, more than the context of " +
                            std::to_string(s.session->context()), r.chat ? "messages" : "prompt");
  return ids;
}

// Function calling's generation rules: a reply of calls ends the turn (the syntax's end tokens, or once the text
// is a whole call list), and tool_choice "required" or a named function holds the reply to calls by a grammar.
// ApiError when the declarations cannot make one (a parameters schema xgrammar cannot use).
void tool_params(const Server& s, CompletionRequest& r) {
  if (!r.chat || !r.tools.active()) return;
  const ToolSyntax& syntax = tool_syntax(r.format);
  const Tokenizer& tok = s.model->tokenizer();
  r.params.end_ids = syntax.end_ids(tok);
  r.params.complete = [&syntax, tools = r.tools](const std::string& text) { return syntax.complete(text, tools); };
  if (!r.tools.enforced()) return;
  if (r.params.json_object || !r.params.json_schema.empty())
    throw ApiError(400, "response_format json_object / json_schema and tool_choice \"" + r.tools.choice +
                            "\" each hold the reply to a form: ask for one", "tool_choice");
  std::string why;
  try {
    r.params.structural_tag = syntax.constraint(r.tools, tok, r.think);
    why = structural_tag_error(r.params.structural_tag);
  } catch (const std::exception& e) {
    why = e.what();
  }
  if (!why.empty()) throw ApiError(400, "tool_choice \"" + r.tools.choice + "\" cannot be enforced: " + why, "tools");
}

// The tool calls a finished chat reply makes (with ids), if the request declared tools and the reply is calls.
std::optional<std::vector<ToolCall>> reply_tool_calls(const CompletionRequest& r, const GenerateResult& g,
                                                      const ResponseIds& ids) {
  if (!r.chat || g.finish == FinishReason::cancelled) return std::nullopt;
  std::optional<std::vector<ToolCall>> calls = tool_syntax(r.format).parse(g.text, r.tools);
  if (calls)
    for (size_t i = 0; i < calls->size(); ++i) {  // appended piece by piece: GCC 12's -Wrestrict misfires on a + chain
      std::string& id = (*calls)[i].id;
      id = "call_";
      id.append(ids.id, ids.id.find('-') + 1).append("_").append(std::to_string(i));
    }
  return calls;
}

void handle_completion(Server& s, const httplib::Request& req, httplib::Response& res, bool chat) {
  auto r = std::make_shared<CompletionRequest>();
  auto prompt = std::make_shared<Prompt>();
  std::vector<std::vector<float>> pixels;  // each image decoded and preprocessed (the tower runs in turn)
  try {
    *r = parse_completion_request(req.body, chat, s.session->context(), s.sampling, s.format);
    prompt->tokens = prompt_tokens(s, *r);
    tool_params(s, *r);
    for (size_t i = 0; i < r->images.size(); ++i) {
      const std::string& b = r->images[i];
      const std::string name = "image " + std::to_string(i + 1);
      try {
        pixels.push_back(preprocess_image(decode_image(reinterpret_cast<const uint8_t*>(b.data()), b.size(), name),
                                          s.model->vision()->image_size));
      } catch (const std::exception& e) {
        throw ApiError(400, e.what(), "messages");
      }
    }
    r->images.clear();
  } catch (const ApiError& e) {
    return send_error(res, e.status, e.what(), e.param);
  }
  if (!r->seeded) r->params.sampling.seed = s.new_seed();
  const ResponseIds ids = s.new_ids(chat);
  // The request waits here for its sequence, so that a full queue or a shutdown is answered with a status
  // (503) rather than an error inside a 200 response.
  std::shared_ptr<Job> job;
  try {
    job = s.engine->submit(*prompt, r->params, std::move(pixels));
  } catch (const EngineBusy& e) {
    res.set_header("Retry-After", "1");
    return send_error(res, 503, e.what());
  }
  JobEvent first;
  while (!job->next(first, std::chrono::seconds(1))) {
  }
  if (first.kind == JobEvent::Kind::error) {
    res.set_header("Retry-After", "1");
    return send_error(res, 503, first.text);
  }

  // Both kinds are sent as they are made (chunked), so that a client that went away is noticed: a stream by
  // its next chunk (or a comment line after a quiet second), a plain response by the spaces written while it
  // waits (JSON allows leading whitespace). Either way the job is cancelled.
  res.set_header("Cache-Control", "no-cache");
  const char* type = r->stream ? "text/event-stream" : "application/json";
  res.set_chunked_content_provider(type, [&s, r, job, ids, chat](size_t, httplib::DataSink& sink) {
    struct CancelUnlessDone {  // the provider returns early only when the client is gone
      Job& job;
      bool done = false;
      ~CancelUnlessDone() {
        if (!done) job.cancel();
      }
    } guard{*job};
    auto write = [&](const std::string& bytes) { return sink.write(bytes.data(), bytes.size()); };
    auto event = [&](const json& payload) { return write("data: " + text_of(payload) + "\n\n"); };
    auto last_write = std::chrono::steady_clock::now();
    auto keep_alive = [&](const char* bytes) {  // a write after a quiet second; false: the client left
      const auto now = std::chrono::steady_clock::now();
      if (now - last_write < std::chrono::seconds(1)) return true;
      last_write = now;
      return write(bytes);
    };
    // Logprobs go with the chunk after their tokens (text is held back while it may be a stop string).
    std::vector<TokenLogprob> pending;
    size_t offset = 0;
    auto take_logprobs = [&]() -> json {
      if (!r->logprobs) return nullptr;
      const json lp = logprobs_json(s.model->tokenizer(), chat, pending, offset);
      pending.clear();
      return lp;
    };
    if (r->stream && chat && !event(chunk_json(ids, true, "", nullptr, true))) return true;
    // With tools, a reply that may still be a call list is held back until that is decided (app/tool_calls.h).
    bool holding = chat && r->tools.active();
    std::string held;
    JobEvent e;
    for (;;) {
      if (!job->next(e, std::chrono::milliseconds(500))) {
        if (!keep_alive(r->stream ? ": waiting\n\n" : " ")) return true;
        continue;
      }
      if (e.kind == JobEvent::Kind::done || e.kind == JobEvent::Kind::error) break;
      bool open = true;
      if (e.kind == JobEvent::Kind::logprob) {
        pending.push_back(e.logprob);
      } else if (r->stream && e.kind == JobEvent::Kind::text) {
        std::string text = e.text;
        if (holding) {
          held += text;
          if (tool_syntax(r->format).may_be_calls(held)) continue;
          holding = false;
          text = std::move(held);
          held.clear();
        }
        open = event(chunk_json(ids, chat, text, nullptr, false, take_logprobs()));
        last_write = std::chrono::steady_clock::now();
      } else if (r->stream && e.kind == JobEvent::Kind::thought && chat && r->think) {
        open = event(thought_chunk_json(ids, e.text));
        last_write = std::chrono::steady_clock::now();
      } else if (!r->stream) {
        open = keep_alive(" ");
      }
      if (!open) return true;
    }
    guard.done = true;
    if (e.kind == JobEvent::Kind::error) {
      r->stream ? event(error_json(e.text, "server_error")) : write(text_of(error_json(e.text, "server_error")));
    } else if (e.result.finish == FinishReason::cancelled) {
      if (s.cancel_all) {
        const json error = error_json("the server is shutting down", "server_busy");
        r->stream ? event(error) : write(text_of(error));
      }
    } else if (r->stream) {
      GenerateResult& g = e.result;
      const std::optional<std::vector<ToolCall>> calls = reply_tool_calls(*r, g, ids);
      if (calls) {
        event(tool_calls_chunk_json(ids, *calls));
      } else {
        if (!held.empty()) event(chunk_json(ids, chat, held, nullptr, false, take_logprobs()));
        event(chunk_json(ids, chat, "", openai_finish_reason(g.finish), false, pending.empty() ? json() : take_logprobs()));
      }
      if (r->include_usage) {
        json usage = chunk_json(ids, chat, "");
        usage["choices"] = json::array();
        usage["usage"] = usage_json(g);
        event(usage);
      }
      write("data: [DONE]\n\n");
    } else {
      GenerateResult& g = e.result;
      if (!r->think) g.thought.clear();  // hidden unless asked for
      const std::optional<std::vector<ToolCall>> calls = reply_tool_calls(*r, g, ids);
      write(text_of(completion_json(ids, chat, g, r->logprobs ? &s.model->tokenizer() : nullptr, calls ? &*calls : nullptr)));
    }
    sink.done();
    return true;
  });
}

// Binding: the address may be taken again right after a restart (SO_REUSEADDR), never shared with a server
// that is running (cpp-httplib's default adds SO_REUSEPORT, which let a second `serve` on the same port start
// and take a share of the first one's connections).
void exclusive_port(socket_t sock) {
  int yes = 1;
#ifdef _WIN32
  setsockopt(sock, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, reinterpret_cast<const char*>(&yes), sizeof yes);
#else
  setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
#endif
}

// Compares without stopping at the first difference, so the time taken tells nothing about the key.
bool same_secret(const std::string& a, const std::string& b) {
  unsigned diff = a.size() != b.size();
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}

}  // namespace

// Counted by SIGINT / SIGTERM; a watcher thread (not the handler: stopping the server is not
// async-signal-safe) sees the first and stops the server; the second ends the process at once.
std::atomic<int> g_stop_signals{0};
extern "C" void request_stop(int) {
  if (g_stop_signals.fetch_add(1) >= 1) std::_Exit(1);
}

int serve_command(const std::vector<std::string>& argv) {
  Args args(argv, {"--model", "--quant", "--host", "--port", "--backend", "--device", "--threads", "--ctx", "--alias",
                   "--max-queue", "--max-memory", "--api-key", "--max-prompt-bytes", "--shutdown-timeout", "--parallel"},
            {"--exact", "--no-pack-cache"}, {{"-m", "--model"}, {"-t", "--threads"}, {"-c", "--ctx"}});
  const std::string path = args.require("--model");
  const std::string host = args.get("--host", "127.0.0.1");
  const int port = args.get_int("--port", 8080);
  if (port < 0 || port > 65535) throw std::runtime_error("--port must be 0..65535, got " + std::to_string(port));
  const int max_queue = args.get_int("--max-queue", 64);
  if (max_queue < 0 || max_queue > 100000)
    throw std::runtime_error("--max-queue must be 0..100000, got " + std::to_string(max_queue));
  const int parallel = args.get_int("--parallel", kDefaultParallel);
  if (parallel < 1 || parallel > 64) throw std::runtime_error("--parallel must be 1..64, got " + std::to_string(parallel));
  const double grace = args.get_double("--shutdown-timeout", 5.0);
  if (!(grace >= 0.0 && grace <= 3600.0))
    throw std::runtime_error("--shutdown-timeout must be 0..3600 seconds, got " + args.get("--shutdown-timeout", ""));
  const char* env_key = std::getenv("VKGEMMA_API_KEY");
  const std::string api_key = args.get("--api-key", env_key ? env_key : "");
  const int64_t max_prompt_arg = args.get_int("--max-prompt-bytes", 0);
  if (max_prompt_arg < 0) throw std::runtime_error("--max-prompt-bytes must be >= 0 (0: 16 bytes per context token)");

  Server s;
  s.model = Model::load(path, load_options(args));
  s.sampling = sampling_defaults(*s.model).params;
  s.format = chat_format(s.model->config().generation, s.model->chat_template());
  SessionOptions so = session_options(args);
  so.sequences = parallel;
  s.session = std::make_unique<Session>(*s.model, so);
  s.engine = std::make_unique<BatchEngine>(*s.session, max_queue);
  for (const std::string& notice : s.session->notices()) std::fprintf(stderr, "%s\n", notice.c_str());
  std::string stem = path.substr(path.find_last_of("/\\") + 1);
  if (stem.size() > 5 && stem.substr(stem.size() - 5) == ".gguf") stem.resize(stem.size() - 5);
  s.model_name = args.get("--alias", stem);
  // Gemma's tokens average ~4 bytes of English; 16 per context token leaves room for any real prompt that fits.
  s.max_prompt_bytes = max_prompt_arg > 0 ? size_t(max_prompt_arg) : size_t(s.session->context()) * 16;

  httplib::Server http;
  // A body holds the prompt JSON-escaped (up to 6 characters a byte) and the request's other fields.
  http.set_payload_max_length(s.max_prompt_bytes * 6 + (64u << 10));
  // A worker per connection: 128 of them, so that a hundred idle or slow clients leave room for the others;
  // an idle connection is dropped after 2 s, a read or write that stalls after 5 or 10 s.
  http.new_task_queue = [] { return new httplib::ThreadPool(128); };
  http.set_keep_alive_timeout(2);
  http.set_read_timeout(5, 0);
  http.set_write_timeout(10, 0);
  http.set_socket_options(exclusive_port);
  if (!api_key.empty())
    http.set_pre_routing_handler([&api_key](const httplib::Request& req, httplib::Response& res) {
      if (req.path.rfind("/v1/", 0) != 0) return httplib::Server::HandlerResponse::Unhandled;  // /health is open
      if (same_secret(req.get_header_value("Authorization"), "Bearer " + api_key))
        return httplib::Server::HandlerResponse::Unhandled;
      res.set_header("WWW-Authenticate", "Bearer");
      send_error(res, 401, "this server needs an API key: Authorization: Bearer KEY");
      return httplib::Server::HandlerResponse::Handled;
    });
  http.Get("/health", [](const httplib::Request&, httplib::Response& res) { send_json(res, 200, {{"status", "ok"}}); });
  http.Get("/v1/models", [&](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200,
              {{"object", "list"},
               {"data", json::array({{{"id", s.model_name}, {"object", "model"}, {"created", 0}, {"owned_by", "vkgemma"}}})}});
  });
  http.Post("/v1/completions",
            [&](const httplib::Request& req, httplib::Response& res) { handle_completion(s, req, res, false); });
  http.Post("/v1/chat/completions",
            [&](const httplib::Request& req, httplib::Response& res) { handle_completion(s, req, res, true); });
  http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 404) send_error(res, 404, "no such endpoint: " + req.method + " " + req.path);
    else if (res.status == 413) send_error(res, 413, "the request body is too large");
    else send_error(res, res.status, "HTTP error " + std::to_string(res.status));
  });
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      send_error(res, 500, e.what());
    } catch (...) {
      send_error(res, 500, "unknown error");
    }
  });
  http.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    std::fprintf(stderr, "%s %s -> %d\n", req.method.c_str(), req.path.c_str(), res.status);
  });

  int bound = port;
  if (port == 0) bound = http.bind_to_any_port(host);
  else if (!http.bind_to_port(host, port)) bound = -1;
  if (bound <= 0) throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) + " (in use?)");
  std::fprintf(stderr, "serving %s (%s, %d parallel, context %d each%s) at http://%s:%d/v1\n", s.model_name.c_str(),
               s.session->backend().name().c_str(), parallel, s.session->context(),
               api_key.empty() ? "" : ", API key required", host.c_str(), bound);
  std::fflush(stderr);
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  std::atomic<bool> listening{true};
  std::thread watcher([&] {
    auto nap = [] { std::this_thread::sleep_for(std::chrono::milliseconds(50)); };
    while (listening && g_stop_signals == 0) nap();
    if (g_stop_signals == 0) return;
    std::fprintf(stderr, "stopping: no new requests; those in flight have %g s to finish\n", grace);
    s.engine->stop_accepting();  // queued requests are answered 503
    http.stop();    // no new connections
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(grace);
    while (listening && std::chrono::steady_clock::now() < deadline) nap();
    s.cancel_all = true;  // what is still generating stops at its next token
    s.engine->cancel_all();
  });
  const bool ok = http.listen_after_bind();  // returns once stopped, after the requests in flight
  listening = false;
  watcher.join();
  if (!ok && g_stop_signals == 0) throw std::runtime_error("the HTTP server stopped with an error");
  std::fprintf(stderr, "server stopped\n");
  return 0;
}

}  // namespace vkg::app
