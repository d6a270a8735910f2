// `vkgemma run`: prompt in, generated text streamed to stdout; load and speed figures to stderr.
#include <chrono>
#include <cstdio>

#include "app/args.h"
#include "app/commands.h"
#include "app/options.h"
#include "model/image_prompt.h"
#include "model/sampler.h"
#include "model/session.h"
#include "runtime/services.h"

namespace vkg::app {

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int run_command(const std::vector<std::string>& argv) {
  Args args(argv, {"--model", "--quant", "--mmproj", "--image", "--prompt", "--n-predict", "--temp", "--top-k", "--top-p",
                   "--seed", "--backend", "--threads", "--ctx", "--device", "--max-memory"},
            {"--no-bos", "--profile", "--renderdoc-capture", "--exact"}, {{"-m", "--model"}, {"-p", "--prompt"}, {"-n", "--n-predict"}, {"-t", "--threads"}});
  const std::string path = args.require("--model");
  const std::string prompt = args.require("--prompt");
  const int n_predict = args.get_int("--n-predict", 64);
  if (n_predict < 0) throw std::runtime_error("-n must be >= 0");
  const SamplerParams sp = sampler_params(args);
  Sampler sampler(sp);

  auto t_load = std::chrono::steady_clock::now();
  auto model = Model::load(path, load_options(args));
  SessionOptions so = session_options(args);
  so.profile = args.has("--profile");
  so.renderdoc_capture = args.has("--renderdoc-capture");
  Session session(*model, so);
  for (const std::string& notice : session.notices()) std::fprintf(stderr, "%s\n", notice.c_str());
  if (so.renderdoc_capture && !renderdoc_attached())
    std::fprintf(stderr, "--renderdoc-capture: not running under RenderDoc, nothing will be captured "
                         "(run: renderdoccmd capture -w ./build/vkgemma run --backend vulkan ...)\n");
  std::fprintf(stderr, "loaded %s (%s, %.0f MiB of weights) in %.2f s; backend %s, context %d, KV cache %.1f MiB\n",
               path.c_str(), model->config().name.c_str(), model->weight_bytes() / 1048576.0, seconds_since(t_load),
               session.backend().name().c_str(), session.context(), session.kv_cache_bytes() / 1048576.0);

  const Tokenizer& tok = model->tokenizer();
  // Images: each becomes its block of image tokens where the prompt says <start_of_image>, or first.
  const std::vector<std::string> image_paths = args.get_all("--image");
  auto t_images = std::chrono::steady_clock::now();
  const std::vector<std::vector<float>> images = encode_images(session, image_paths);
  if (!images.empty())
    std::fprintf(stderr, "encoded %zu image(s) in %.2f s\n", images.size(), seconds_since(t_images));
  std::vector<int> ids = images.empty() ? tok.encode(prompt, !args.has("--no-bos"))
                                        : tokenize_with_images(tok, *model->vision(), prompt,
                                                               static_cast<int>(images.size()), !args.has("--no-bos"));
  if (static_cast<int>(ids.size()) > session.context())
    throw std::runtime_error("the prompt has " + std::to_string(ids.size()) + " tokens, more than the context of " +
                             std::to_string(session.context()) + " (use --ctx)");

  // The backend picks the argmax (greedy) or the top-k candidates: a step reads back a few bytes.
  int next = -1;
  auto step = [&](const std::vector<int>& tokens, const std::vector<std::vector<float>>& imgs) {
    next = session.eval_sample(tokens, sampler, imgs);
  };
  auto t_prompt = std::chrono::steady_clock::now();
  step(ids, images);
  const double prompt_s = seconds_since(t_prompt);

  TokenStreamDecoder stream(tok);
  auto t_gen = std::chrono::steady_clock::now();
  int generated = 0;
  for (; generated < n_predict; ++generated) {
    if (next == model->config().eos_id || next == model->config().end_of_turn_id) break;
    std::fputs(stream.push(next).c_str(), stdout);
    std::fflush(stdout);
    if (generated + 1 == n_predict) {
      ++generated;
      break;
    }
    if (session.position() >= session.context()) {
      std::fprintf(stderr, "\n[context of %d tokens is full]\n", session.context());
      ++generated;
      break;
    }
    step({next}, {});
  }
  std::fputs("\n", stdout);
  const double gen_s = seconds_since(t_gen);
  std::fprintf(stderr, "prompt: %zu tokens in %.2f s (%.1f tokens/s); generation: %d tokens in %.2f s (%.2f tokens/s)\n",
               ids.size(), prompt_s, ids.size() / prompt_s, generated, gen_s, generated > 0 ? generated / gen_s : 0.0);
  if (so.profile) std::fprintf(stderr, "\nprofile (%s, prompt and generation):\n%s", session.backend().name().c_str(),
                               session.backend().profile().table().c_str());
  if (so.profile)
    std::fprintf(stderr, "decode step: %s\n", session.backend().step_summary(session.graph(1, false)).c_str());
  return 0;
}

}  // namespace vkg::app
