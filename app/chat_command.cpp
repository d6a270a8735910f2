// `vkgemma chat`: multi-turn conversation with Gemma's turn template. Earlier turns stay in the KV cache
// (only the new turn is processed); /reset starts over, /exit (or end of input) quits, /image FILE attaches
// an image to the next turn (as --image does to the first). Works with a terminal and with piped standard
// input (then without prompts). --think: Gemma 4's thinking on, its thought shown (on standard error, so that
// standard output holds the replies); without it the thought is never shown.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "app/args.h"
#include "app/commands.h"
#include "app/options.h"
#include "app/session_report.h"
#include "model/engine/chat.h"
#include "model/engine/image_input.h"
#include "model/sampling_defaults.h"
#include "model/session.h"
#include "runtime/platform/terminal.h"

namespace vkg::app {

int chat_command(const std::vector<std::string>& argv) {
  Args args(argv, {"--model", "--quant", "--mmproj", "--image", "--system", "--n-predict", "--temp", "--top-k", "--top-p",
                   "--min-p", "--repeat-penalty", "--repeat-last-n", "--seed", "--backend", "--device", "--threads",
                   "--ctx", "--max-memory"},
            {"--exact", "--think", "--verbose", "--no-pack-cache"},
            {{"-m", "--model"}, {"-n", "--n-predict"}, {"-t", "--threads"}, {"-c", "--ctx"}, {"-v", "--verbose"}});
  const bool verbose = args.has("--verbose");
  const auto t_start = std::chrono::steady_clock::now();
  auto model = Model::load(args.require("--model"), load_options(args));
  const std::string system = args.get("--system", "");
  const int max_reply = args.get_int("--n-predict", 512);
  GenerateParams params;
  params.max_tokens = max_reply;
  params.sampling = sampler_params(args, sampling_defaults(*model).params);
  Session session(*model, session_options(args));
  if (verbose) {
    for (const std::string& notice : session.notices()) std::fprintf(stderr, "%s\n", notice.c_str());
    std::fprintf(stderr, "%s\n", load_line(session, std::chrono::duration<double>(
                                                          std::chrono::steady_clock::now() - t_start).count()).c_str());
  }
  const bool interactive = stdin_is_terminal();
  if (interactive)
    std::fprintf(stderr, "chatting with %s (%s, context %d tokens); /reset starts over, /exit quits%s\n",
                 model->path().c_str(), session.backend().name().c_str(), session.context(),
                 model->vision() ? ", /image FILE adds an image to your next message" : "");

  Generator generator(session);
  const bool think = args.has("--think");
  if (think && model->config().generation != Generation::gemma4)
    std::fprintf(stderr, "[--think: %s is not a Gemma 4 model; it has no thinking mode]\n", model->path().c_str());
  if (think)
    params.on_thought = [](const std::string& text) {
      std::fputs(text.c_str(), stderr);
      return true;
    };
  Chat chat(generator, system, think);
  std::vector<std::string> pending_images = args.get_all("--image");  // go with the next turn
  std::string line;
  for (;;) {
    if (interactive) std::fputs("> ", stderr);
    if (!std::getline(std::cin, line) || line == "/exit") break;
    if (line == "/reset") {
      chat.reset();
      pending_images.clear();
      if (interactive) std::fputs("[conversation reset]\n", stderr);
      continue;
    }
    if (line.rfind("/image ", 0) == 0) {
      pending_images.push_back(line.substr(7));
      if (interactive) std::fprintf(stderr, "[image %s goes with your next message]\n", line.substr(7).c_str());
      continue;
    }
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::vector<std::vector<float>> images;
    try {
      images = encode_image_files(session, pending_images);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "[%s]\n", e.what());
      pending_images.clear();
      continue;
    }
    pending_images.clear();
    const GenerateResult r = chat.reply(line, std::move(images), params, [](const std::string& text) {
      std::fputs(text.c_str(), stdout);
      std::fflush(stdout);
      return true;
    });
    if (r.finish == FinishReason::context_full)
      std::fprintf(stderr, "%s[the context of %d tokens is full: /reset to start a new conversation]",
                   r.completion_tokens > 0 ? "\n" : "", session.context());
    if (r.finish != FinishReason::context_full || r.completion_tokens > 0) std::fputs("\n", stdout);
    else std::fputs("\n", stderr);
    std::fflush(stdout);
    if (verbose)
      std::fprintf(stderr, "[%d prompt tokens (%d from the cache) at %.1f/s, %d generated at %.1f/s]\n",
                   r.prompt_tokens, r.reused_tokens, (r.prompt_tokens - r.reused_tokens) / std::max(r.prompt_seconds, 1e-9),
                   r.completion_tokens, r.completion_tokens / std::max(r.generation_seconds, 1e-9));
  }
  if (verbose) std::fprintf(stderr, "%s\n", memory_line(session).c_str());
  return 0;
}

}  // namespace vkg::app
