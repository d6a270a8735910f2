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

std::vector<std::vector<float>> encode_images(Session& session, const std::vector<std::string>& paths) {
  std::vector<std::vector<float>> out;
  if (paths.empty()) return out;
  const VisionConfig* v = session.model().vision();
  if (!v)
    throw std::runtime_error(session.model().path() + ": images need a vision tower (a Gemma 3 4B+ Hugging Face "
                             "directory, or a GGUF model with --mmproj FILE)");
  for (const std::string& path : paths) out.push_back(session.encode_image(preprocess_image(load_image(path), v->image_size)));
  return out;
}

}  // namespace vkg::app
