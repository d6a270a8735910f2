// `vkgemma run`: prompt in, generated text streamed to stdout; load and speed figures to stderr.
#include <chrono>
#include <cstdio>
#include <stdexcept>

#include "app/args.h"
#include "app/commands.h"
#include "app/fast_exit.h"
#include "app/options.h"
#include "app/session_report.h"
#include "model/engine/generator.h"
#include "model/engine/image_input.h"
#include "model/image_prompt.h"
#include "model/sampling_defaults.h"
#include "model/session.h"
#include "runtime/read_file.h"
#include "runtime/services.h"

namespace vkg::app {

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int run_command(const std::vector<std::string>& argv) {
  Args args(argv, {"--model", "--quant", "--mmproj", "--image", "--prompt", "--n-predict", "--temp", "--top-k", "--top-p",
                   "--min-p", "--repeat-penalty", "--repeat-last-n", "--seed", "--backend", "--threads", "--ctx",
                   "--device", "--max-memory", "--file"},
            {"--no-bos", "--profile", "--renderdoc-capture", "--exact", "--verbose", "--no-pack-cache", "--pan-and-scan"},
            {{"-m", "--model"}, {"-p", "--prompt"}, {"-f", "--file"}, {"-n", "--n-predict"}, {"-t", "--threads"},
             {"-c", "--ctx"}, {"-v", "--verbose"}});
  const bool verbose = args.has("--verbose");
  const std::string path = args.require("--model");
  if (args.has("--prompt") == args.has("--file"))
    throw std::runtime_error("give the prompt as -p TEXT or -f FILE (one of them)");
  const std::string prompt = args.has("--prompt") ? args.require("--prompt") : read_file(args.require("--file"), "the prompt file");
  const int n_predict = args.get_int("--n-predict", 64);
  if (n_predict < 0) throw std::runtime_error("-n must be >= 0");
  const auto t_start = std::chrono::steady_clock::now();
  auto model = Model::load(path, load_options(args));
  const SamplingDefaults defaults = sampling_defaults(*model);
  const SamplerParams sp = sampler_params(args, defaults.params);
  SessionOptions so = session_options(args);
  so.profile = args.has("--profile");
  so.renderdoc_capture = args.has("--renderdoc-capture");
  Session session(*model, so);
  const double load_seconds = seconds_since(t_start);
  if (verbose)
    for (const std::string& notice : session.notices()) std::fprintf(stderr, "%s\n", notice.c_str());
  if (so.renderdoc_capture && !renderdoc_attached())
    std::fprintf(stderr, "--renderdoc-capture: not running under RenderDoc, nothing will be captured "
                         "(run: renderdoccmd capture -w ./build/vkgemma run --backend vulkan ...)\n");
  if (verbose) {
    std::fprintf(stderr, "%s\n", load_line(session, load_seconds).c_str());
    std::fprintf(stderr, "sampling: %s (%s%s)\n", describe_sampling(sp).c_str(), defaults.source.c_str(),
                 args.has("--temp") || args.has("--top-k") || args.has("--top-p") ? " and the flags" : "");
  }

  const Tokenizer& tok = model->tokenizer();
  // Images: each becomes its block of image tokens where the prompt says <start_of_image>, or first.
  const std::vector<std::string> image_paths = args.get_all("--image");
  auto t_images = std::chrono::steady_clock::now();
  // --pan-and-scan: wide or tall images also as 2-4 crops, the prompt saying so (model/pan_and_scan.h).
  const PanAndScan pan_and_scan;
  std::vector<int> crops;
  Prompt input{{}, encode_image_files(session, image_paths, args.has("--pan-and-scan") ? &pan_and_scan : nullptr, &crops)};
  if (verbose && !input.images.empty())
    std::fprintf(stderr, "encoded %zu image(s) in %.2f s\n", input.images.size(), seconds_since(t_images));
  const std::string expanded = crops.empty() ? prompt : expand_crop_markers(prompt, crops);
  input.tokens = input.images.empty() ? tok.encode(prompt, !args.has("--no-bos"))
                                      : tokenize_with_images(tok, *model->vision(), expanded,
                                                             static_cast<int>(input.images.size()), !args.has("--no-bos"));
  if (static_cast<int>(input.tokens.size()) > session.context())
    throw std::runtime_error("the prompt has " + std::to_string(input.tokens.size()) +
                             " tokens, more than the context of " + std::to_string(session.context()) + " (use --ctx)");

  GenerateParams params;
  params.max_tokens = n_predict;
  params.sampling = sp;
  Generator generator(session);
  const auto t_generate = std::chrono::steady_clock::now();
  const GenerateResult r = generator.generate(input, params, [](const std::string& text) {
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
    return true;
  });
  std::fputs("\n", stdout);
  std::fflush(stdout);  // the text and its newline before the timing lines on stderr
  // The first token is drawn from the prompt's logits: it exists when the prompt has been evaluated.
  const double first_token_seconds =
      std::chrono::duration<double>(t_generate - t_start).count() + r.prompt_seconds;
  if (r.finish == FinishReason::context_full) std::fprintf(stderr, "[context of %d tokens is full]\n", session.context());
  if (verbose) {
    std::fprintf(stderr, "prompt: %d tokens in %.2f s (%.1f tokens/s); generation: %d tokens in %.2f s (%.2f tokens/s)\n",
                 r.prompt_tokens, r.prompt_seconds, r.prompt_tokens / r.prompt_seconds, r.completion_tokens,
                 r.generation_seconds, r.completion_tokens > 0 ? r.completion_tokens / r.generation_seconds : 0.0);
    std::fprintf(stderr, "first token %.2f s after the start (load %.2f s, images and prompt %.2f s)\n",
                 first_token_seconds, load_seconds, first_token_seconds - load_seconds);
    std::fprintf(stderr, "%s\n", memory_line(session).c_str());
  } else {
    std::fprintf(stderr, "[%d prompt tokens at %.1f/s, %d generated at %.1f/s]\n", r.prompt_tokens,
                 r.prompt_tokens / r.prompt_seconds, r.completion_tokens,
                 r.completion_tokens > 0 ? r.completion_tokens / r.generation_seconds : 0.0);
  }
  if (so.profile) std::fprintf(stderr, "\nprofile (%s, prompt and generation):\n%s", session.backend().name().c_str(),
                               session.backend().profile().table().c_str());
  if (so.profile)
    std::fprintf(stderr, "decode step: %s\n", session.backend().step_summary(session.graph(1, false)).c_str());
  exit_without_teardown(0);
  return 0;
}

}  // namespace vkg::app
