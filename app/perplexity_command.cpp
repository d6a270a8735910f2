// `vkgemma perplexity -m MODEL -f FILE [--ctx N]`: llama-perplexity's procedure; the last line is PPL = x.
#include <chrono>
#include <cstdio>
#include <fstream>

#include "app/args.h"
#include "app/commands.h"
#include "app/options.h"
#include "model/perplexity.h"
#include "runtime/read_file.h"

namespace vkg::app {

int perplexity_command(const std::vector<std::string>& argv) {
  Args args(argv, {"--model", "--quant", "--file", "--ctx", "--chunks", "--backend", "--threads", "--device",
                   "--max-memory"},
            {"--exact", "--no-pack-cache"},
            {{"-m", "--model"}, {"-f", "--file"}, {"-c", "--ctx"}, {"-t", "--threads"}});
  const std::string file = args.require("--file");
  std::string content = read_file(file, "text file");

  auto model = Model::load(args.require("--model"), load_options(args));
  const int n_ctx = args.get_int("--ctx", 512);
  SessionOptions so = session_options(args);
  so.context = n_ctx;
  so.max_batch = n_ctx;
  Session session(*model, so);
  for (const std::string& notice : session.notices()) std::fprintf(stderr, "%s\n", notice.c_str());

  if (!content.empty() && content.back() == '\n') content.pop_back();  // as llama-perplexity's -f does
  std::vector<int> tokens = model->tokenizer().encode(content, true);
  std::fprintf(stderr, "%s: %zu tokens; chunks of %d\n", file.c_str(), tokens.size(), n_ctx);
  auto t0 = std::chrono::steady_clock::now();
  PerplexityResult r = perplexity(session, tokens, n_ctx, args.get_int("--chunks", 0), [](int c, double ppl) {
    std::fprintf(stderr, "[%d] %.4f\n", c + 1, ppl);
  });
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "%d chunks, %d tokens scored, %.1f s (%.1f tokens/s)\n", r.chunks, r.tokens_scored, s,
               r.chunks * n_ctx / s);
  std::printf("PPL = %.4f\n", r.ppl);
  return 0;
}

}  // namespace vkg::app
