// `vkgemma chat`: multi-turn conversation with Gemma's turn template. Earlier turns stay in the KV cache
// (only the new turn is processed); /reset starts over, /exit (or end of input) quits, /image FILE attaches
// an image to the next turn (as --image does to the first). Works with a terminal and with piped standard
// input (then without prompts).
#include <cstdio>
#include <iostream>

#include "app/args.h"
#include "app/commands.h"
#include "app/options.h"
#include "model/chat_template.h"
#include "model/image_prompt.h"
#include "model/sampler.h"
#include "model/session.h"
#include "runtime/platform/terminal.h"

namespace vkg::app {

int chat_command(const std::vector<std::string>& argv) {
  Args args(argv, {"--model", "--quant", "--mmproj", "--image", "--system", "--n-predict", "--temp", "--top-k", "--top-p",
                   "--seed", "--backend", "--device", "--threads", "--ctx", "--max-memory"},
            {"--exact"}, {{"-m", "--model"}, {"-n", "--n-predict"}, {"-t", "--threads"}});
  auto model = Model::load(args.require("--model"), load_options(args));
  const std::string system = args.get("--system", "");
  const int max_reply = args.get_int("--n-predict", 512);
  const SamplerParams sp = sampler_params(args);
  Sampler sampler(sp);
  Session session(*model, session_options(args));
  for (const std::string& notice : session.notices()) std::fprintf(stderr, "%s\n", notice.c_str());
  const GemmaConfig& c = model->config();
  const Tokenizer& tok = model->tokenizer();
  const bool interactive = stdin_is_terminal();
  if (interactive)
    std::fprintf(stderr, "chatting with %s (%s, context %d tokens); /reset starts over, /exit quits%s\n",
                 model->path().c_str(), session.backend().name().c_str(), session.context(),
                 model->vision() ? ", /image FILE adds an image to your next message" : "");

  std::vector<std::string> pending_images = args.get_all("--image");  // go with the next turn

  bool first = true;
  std::string line;
  for (;;) {
    if (interactive) std::fputs("> ", stderr);
    if (!std::getline(std::cin, line) || line == "/exit") break;
    if (line == "/reset") {
      session.reset();
      first = true;
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
      images = encode_images(session, pending_images);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "[%s]\n", e.what());
      pending_images.clear();
      continue;
    }
    pending_images.clear();
    // The Gemma 3 chat template puts a turn's images before its text.
    std::string user = line;
    for (size_t i = 0; i < images.size(); ++i) user = kImageMarker + user;
    const std::string turn_text = gemma_user_turn(user, system, first);
    const std::vector<int> turn = images.empty()
                                      ? tok.encode(turn_text, first)
                                      : tokenize_with_images(tok, *model->vision(), turn_text,
                                                             static_cast<int>(images.size()), first);
    if (session.position() + static_cast<int64_t>(turn.size()) + 1 > session.context()) {
      std::fprintf(stderr, "[the context of %d tokens is full: /reset to start a new conversation]\n",
                   session.context());
      continue;
    }
    first = false;
    TokenStreamDecoder stream(tok);
    auto next_token = [&](const std::vector<int>& tokens, const std::vector<std::vector<float>>& imgs) {
      return session.eval_sample(tokens, sampler, imgs);
    };
    int next = next_token(turn, images);
    for (int n = 0; n < max_reply; ++n) {
      if (next == c.end_of_turn_id || next == c.eos_id) break;
      std::fputs(stream.push(next).c_str(), stdout);
      std::fflush(stdout);
      if (session.position() + 2 > session.context()) {  // room for the closing <end_of_turn>\n
        std::fprintf(stderr, "\n[the context of %d tokens is full: /reset to start a new conversation]",
                     session.context());
        break;
      }
      next = next_token({next}, {});
    }
    std::fputs("\n", stdout);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace vkg::app
