#include "app/options.h"

#include <cstdio>
#include <stdexcept>

#include "app/progress_bar.h"
#include "model/image.h"

namespace vkg::app {

LoadOptions load_options(const Args& args) {
  LoadOptions o;
  if (args.has("--quant")) o.quant = parse_quant(args.require("--quant"));
  o.mmproj = args.get("--mmproj", "");
  o.progress = progress_bar("quantizing weights");
  return o;
}

SamplerParams sampler_params(const Args& args, const SamplerParams& defaults) {
  SamplerParams sp = defaults;
  sp.temperature = static_cast<float>(args.get_double("--temp", defaults.temperature));
  sp.top_k = args.get_int("--top-k", defaults.top_k);
  sp.top_p = static_cast<float>(args.get_double("--top-p", defaults.top_p));
  sp.min_p = static_cast<float>(args.get_double("--min-p", defaults.min_p));
  sp.repeat_penalty = static_cast<float>(args.get_double("--repeat-penalty", defaults.repeat_penalty));
  sp.repeat_last_n = args.get_int("--repeat-last-n", defaults.repeat_last_n);
  sp.seed = static_cast<uint64_t>(args.get_double("--seed", 0));
  Sampler check(sp);  // a value out of range fails here, naming it
  return sp;
}

std::string describe_sampling(const SamplerParams& p) {
  if (p.temperature <= 0.0f && p.repeat_penalty == 1.0f) return "greedy";
  char s[200];
  std::snprintf(s, sizeof s, "temp %g, top-k %d, top-p %g, min-p %g, repeat penalty %g (last %d), seed %llu",
                p.temperature, p.top_k, p.top_p, p.min_p, p.repeat_penalty, p.repeat_last_n,
                static_cast<unsigned long long>(p.seed));
  return s;
}

SessionOptions session_options(const Args& args) {
  SessionOptions so;
  so.backend = args.get("--backend", "auto");
  so.device = args.get_int("--device", -1);
  so.n_threads = args.get_int("--threads", 0);
  so.exact_matmul = args.has("--exact");
  so.context = args.get_int("--ctx", 0);
  so.progress = progress_bar("uploading weights");
  if (args.has("--max-memory")) so.max_memory = parse_bytes(args.require("--max-memory"));
  so.pack_cache = !args.has("--no-pack-cache");
  return so;
}

}  // namespace vkg::app
