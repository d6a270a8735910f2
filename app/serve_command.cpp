// `vkgemma serve`: an OpenAI-compatible HTTP server (cpp-httplib) on loopback by default. One model, one
// KV cache: requests take turns in arrival order (a ticket lock), each streaming or not; a chat request that
// extends the previous conversation reuses its cached tokens. A client that disconnects mid-stream cancels
// its generation. SIGINT / SIGTERM stop it cleanly: no new connections, requests in flight finish, exit 0.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <thread>
#include <memory>
#include <mutex>
#include <random>

#include "app/args.h"
#include "app/commands.h"
#include "app/openai_api.h"
#include "app/options.h"
#include "model/engine/generator.h"
#include "model/sampling_defaults.h"
#include "model/session.h"

namespace vkg::app {

namespace {

using nlohmann::json;

// First come, first served: a plain mutex lets a newcomer overtake clients that have waited longer.
class TicketLock {
 public:
  // Returns false (without a ticket) when `max_waiting` clients are already waiting.
  bool acquire(int max_waiting) {
    std::unique_lock<std::mutex> l(m_);
    if (next_ - serving_ > static_cast<uint64_t>(max_waiting)) return false;
    const uint64_t ticket = next_++;
    cv_.wait(l, [&] { return serving_ == ticket; });
    return true;
  }
  void release() {
    std::lock_guard<std::mutex> l(m_);
    ++serving_;
    cv_.notify_all();
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  uint64_t next_ = 0, serving_ = 0;
};

struct Server {
  std::unique_ptr<Model> model;
  std::unique_ptr<Session> session;
  std::unique_ptr<Generator> generator;
  std::string model_name;
  SamplerParams sampling;  // the model's defaults, for the fields a request does not give
  int max_queue = 64;
  TicketLock turn;
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

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message, const std::string& param = "") {
  const char* type = status == 503 ? "server_busy" : status >= 500 ? "server_error" : "invalid_request_error";
  send_json(res, status, error_json(message, type, param));
}

// Tokens of the request's prompt; ApiError when it cannot run in this context.
std::vector<int> prompt_tokens(const Server& s, const CompletionRequest& r) {
  const Tokenizer& tok = s.model->tokenizer();
  std::vector<int> ids;
  if (r.chat) ids = encode_pieces(tok, chat_prompt(chat_format(s.model->config().generation, s.model->chat_template()), r.messages, r.think), true);
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

void handle_completion(Server& s, const httplib::Request& req, httplib::Response& res, bool chat) {
  auto r = std::make_shared<CompletionRequest>();
  std::vector<int> tokens;
  try {
    *r = parse_completion_request(req.body, chat, s.session->context(), s.sampling);
    tokens = prompt_tokens(s, *r);
  } catch (const ApiError& e) {
    return send_error(res, e.status, e.what(), e.param);
  }
  if (!r->seeded) r->params.sampling.seed = s.new_seed();
  const ResponseIds ids = s.new_ids(chat);

  if (!r->stream) {
    if (!s.turn.acquire(s.max_queue)) return send_error(res, 503, "too many requests are waiting; try again later");
    try {
      GenerateResult g = s.generator->generate(tokens, r->params, nullptr);
      s.turn.release();
      if (!r->think) g.thought.clear();  // hidden unless asked for
      return send_json(res, 200, completion_json(ids, chat, g));
    } catch (const std::exception& e) {
      s.turn.release();
      return send_error(res, 500, e.what());
    }
  }

  // Streaming: server-sent events, each "data: {chunk}\n\n", ending with "data: [DONE]". The turn is taken
  // inside the provider, so a client that leaves while queued holds nothing.
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider("text/event-stream", [&s, r, tokens, ids, chat](size_t, httplib::DataSink& sink) {
    auto send = [&](const std::string& payload) {
      const std::string event = "data: " + payload + "\n\n";
      return sink.write(event.data(), event.size());
    };
    if (!s.turn.acquire(s.max_queue)) {
      send(error_json("too many requests are waiting; try again later", "server_busy").dump());
      sink.done();
      return true;
    }
    try {
      const bool open = !chat || send(chunk_json(ids, true, "", nullptr, true).dump());
      GenerateResult g;
      if (open && chat && r->think)
        r->params.on_thought = [&](const std::string& text) { return send(thought_chunk_json(ids, text).dump()); };
      if (open)
        g = s.generator->generate(tokens, r->params,
                                  [&](const std::string& text) { return send(chunk_json(ids, chat, text).dump()); });
      if (open && g.finish != FinishReason::cancelled) {
        send(chunk_json(ids, chat, "", openai_finish_reason(g.finish)).dump());
        if (r->include_usage) {
          json usage = chunk_json(ids, chat, "");
          usage["choices"] = json::array();
          usage["usage"] = usage_json(g);
          send(usage.dump());
        }
        send("[DONE]");
      }
    } catch (const std::exception& e) {
      send(error_json(e.what(), "server_error").dump());
    }
    s.turn.release();
    sink.done();
    return true;
  });
  return;
}

}  // namespace

// Set by SIGINT / SIGTERM; a watcher thread (not the handler: stopping the server is not async-signal-safe)
// sees it and stops the server.
std::atomic<bool> g_stop_requested{false};
extern "C" void request_stop(int) { g_stop_requested = true; }

int serve_command(const std::vector<std::string>& argv) {
  Args args(argv, {"--model", "--quant", "--host", "--port", "--backend", "--device", "--threads", "--ctx", "--alias",
                   "--max-queue", "--max-memory"},
            {"--exact", "--no-pack-cache"}, {{"-m", "--model"}, {"-t", "--threads"}, {"-c", "--ctx"}});
  const std::string path = args.require("--model");
  const std::string host = args.get("--host", "127.0.0.1");
  const int port = args.get_int("--port", 8080);
  if (port < 0 || port > 65535) throw std::runtime_error("--port must be 0..65535, got " + std::to_string(port));

  Server s;
  s.model = Model::load(path, load_options(args));
  s.sampling = sampling_defaults(*s.model).params;
  s.session = std::make_unique<Session>(*s.model, session_options(args));
  s.generator = std::make_unique<Generator>(*s.session);
  for (const std::string& notice : s.session->notices()) std::fprintf(stderr, "%s\n", notice.c_str());
  std::string stem = path.substr(path.find_last_of("/\\") + 1);
  if (stem.size() > 5 && stem.substr(stem.size() - 5) == ".gguf") stem.resize(stem.size() - 5);
  s.model_name = args.get("--alias", stem);
  s.max_queue = args.get_int("--max-queue", 64);

  httplib::Server http;
  http.set_payload_max_length(16u << 20);
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
  std::fprintf(stderr, "serving %s (%s, context %d) at http://%s:%d/v1\n", s.model_name.c_str(),
               s.session->backend().name().c_str(), s.session->context(), host.c_str(), bound);
  std::fflush(stderr);
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  std::atomic<bool> listening{true};
  std::thread watcher([&] {
    while (listening && !g_stop_requested) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (g_stop_requested) http.stop();
  });
  const bool ok = http.listen_after_bind();  // returns once stopped, after the requests in flight
  listening = false;
  watcher.join();
  if (!ok && !g_stop_requested) throw std::runtime_error("the HTTP server stopped with an error");
  std::fprintf(stderr, "server stopped\n");
  return 0;
}

}  // namespace vkg::app
