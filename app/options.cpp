#include "app/options.h"

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

SamplerParams sampler_params(const Args& args) {
  SamplerParams sp;
  sp.temperature = static_cast<float>(args.get_double("--temp", 0.0));
  sp.top_k = args.get_int("--top-k", 0);
  sp.top_p = static_cast<float>(args.get_double("--top-p", 1.0));
  sp.seed = static_cast<uint64_t>(args.get_double("--seed", 0));
  return sp;
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
  return so;
}

}  // namespace vkg::app
