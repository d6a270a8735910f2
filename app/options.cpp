#include "app/options.h"

#include <algorithm>
#include <cstdio>
#include <random>
#include <thread>
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

// --seed: a non-negative integer, or -1 for a seed drawn from the system (as llama.cpp's -1).
uint64_t parse_seed(const std::string& text) {
  if (text == "-1") return std::random_device{}() * uint64_t(0x9E3779B97F4A7C15ull) ^ std::random_device{}();
  size_t used = 0;
  unsigned long long v = 0;
  try {
    if (text.empty() || text[0] == '-' || text[0] == '+') throw std::invalid_argument("sign");
    v = std::stoull(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size())
    throw std::runtime_error("--seed must be a whole number from 0 to 2^64 - 1, or -1 for a random seed; got '" + text + "'");
  return v;
}

SamplerParams sampler_params(const Args& args, const SamplerParams& defaults) {
  SamplerParams sp = defaults;
  sp.temperature = static_cast<float>(args.get_double("--temp", defaults.temperature));
  sp.top_k = args.get_int("--top-k", defaults.top_k);
  sp.top_p = static_cast<float>(args.get_double("--top-p", defaults.top_p));
  sp.min_p = static_cast<float>(args.get_double("--min-p", defaults.min_p));
  sp.repeat_penalty = static_cast<float>(args.get_double("--repeat-penalty", defaults.repeat_penalty));
  sp.repeat_last_n = args.get_int("--repeat-last-n", defaults.repeat_last_n);
  sp.seed = parse_seed(args.get("--seed", "0"));
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
  // 0 is every hardware thread; more threads than a few per core only wait on each other.
  const int most = 4 * std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  if (so.n_threads < 0 || so.n_threads > std::max(most, 64))
    throw std::runtime_error("--threads must be 0 (all) or 1 to " + std::to_string(std::max(most, 64)) + ", got " +
                             std::to_string(so.n_threads));
  so.exact_matmul = args.has("--exact");
  so.context = args.get_int("--ctx", 0);
  so.progress = progress_bar("uploading weights");
  if (args.has("--max-memory")) so.max_memory = parse_bytes(args.require("--max-memory"));
  so.pack_cache = !args.has("--no-pack-cache");
  return so;
}

}  // namespace vkg::app
