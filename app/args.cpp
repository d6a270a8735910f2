#include "app/args.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace vkg::app {

namespace {

std::string g_command = "vkgemma", g_about;

// What each flag means, for --help (commands share the flags; the value names say what to give).
struct FlagHelp {
  const char* value;  // "" for switches
  const char* text;
};
const std::map<std::string, FlagHelp>& flag_help() {
  static const std::map<std::string, FlagHelp> help = {
      {"--model", {"PATH", "GGUF file or Hugging Face directory"}},
      {"--prompt", {"TEXT", "the prompt (raw text: write the turns yourself for an instruction-tuned model)"}},
      {"--n-predict", {"N", "tokens to generate (run: 64, chat: the reply's limit, 512)"}},
      {"--temp", {"T", "temperature; 0 is greedy (default: the model's, else 1.0)"}},
      {"--top-k", {"K", "keep the K most likely tokens, 0 = off (default: the model's, else 64)"}},
      {"--top-p", {"P", "keep the smallest set of tokens whose probability reaches P (default: the model's, else 0.95)"}},
      {"--min-p", {"P", "drop tokens below P times the most likely one's probability, 0 = off (default 0)"}},
      {"--repeat-penalty", {"R", "divide the logits of recently seen tokens by R, 1 = off (default 1)"}},
      {"--repeat-last-n", {"N", "how many recent tokens the repeat penalty looks at (default 64)"}},
      {"--seed", {"S", "random seed for sampling, -1 for a random one (default 0: the same text each run)"}},
      {"--backend", {"NAME", "auto, cpu or vulkan (default auto: the Vulkan device if there is one)"}},
      {"--device", {"N", "Vulkan device index (vkgemma info lists them; default: the best)"}},
      {"--threads", {"N", "CPU threads (default: all)"}},
      {"--ctx", {"N", "context length in tokens (default: the model's, capped to a quarter of the memory)"}},
      {"--max-memory", {"SIZE", "most memory the backend may use, e.g. 512M or 2G"}},
      {"--quant", {"TYPE", "quantize float weights on load: q8_0 or q4_0"}},
      {"--mmproj", {"PATH", "llama.cpp mmproj GGUF with the vision tower (Gemma 3 GGUF models)"}},
      {"--image", {"PATH", "an image for the prompt (repeatable)"}},
      {"--pan-and-scan", {"", "Gemma 3: give wide or tall images also as 2-4 crops, as transformers' do_pan_and_scan"}},
      {"--system", {"TEXT", "system prompt"}},
      {"--think", {"", "Gemma 4: thinking on, the thought shown on stderr"}},
      {"--exact", {"", "fp32 CPU products on dequantized weights (the reference; slower)"}},
      {"--no-bos", {"", "do not prepend the BOS token"}},
      {"--profile", {"", "time every op and print a table"}},
      {"--api-key", {"KEY", "serve: answer /v1/* only with 'Authorization: Bearer KEY' (default: $VKGEMMA_API_KEY, else open)"}},
      {"--max-prompt-bytes", {"N", "serve: the most bytes of prompt a request may send, checked before tokenizing (default 16 per context token)"}},
      {"--shutdown-timeout", {"SECONDS", "serve: on SIGTERM, how long requests in flight may take before they are cancelled (default 5)"}},
      {"--no-pack-cache", {"", "CPU: pack the weights in memory only (default: keep the packs in a file beside the model, MODEL.vkgemma-cpu-packs, so the next run starts faster)"}},
      {"--verbose", {"", "print the load, sampling, speed, first-token and memory lines"}},
      {"--renderdoc-capture", {"", "under RenderDoc: capture the first decode step"}},
      {"--host", {"ADDR", "address to listen on (default 127.0.0.1)"}},
      {"--port", {"N", "port (default 8080; 0 picks a free one)"}},
      {"--alias", {"NAME", "the model name the API reports"}},
      {"--max-queue", {"N", "requests that may wait before 503 (default 64)"}},
      {"--parallel", {"N", "serve: requests run at once, their decode steps batched, each with its own KV cache of --ctx tokens (default 4); bench: also tg for N sequences batched"}},
      {"--n-prompt", {"N", "prompt tokens per pp test (default 512)"}},
      {"--n-gen", {"N", "generated tokens per tg test (default 128)"}},
      {"--reps", {"N", "repetitions, medians reported (default 5)"}},
      {"--depth", {"N", "tokens already in the cache before each test (default 0)"}},
      {"--json", {"", "machine-readable output"}},
      {"--file", {"PATH", "a text file (run: the prompt; perplexity: the text to score)"}},
      {"--chunks", {"N", "score only the first N chunks"}},
      {"--n-tokens", {"N", "tokens per step of the printed graph (default 1)"}},
      {"--dump", {"DIR", "write every SPIR-V module to DIR"}},
  };
  return help;
}

// Levenshtein distance, for "did you mean".
size_t distance(const std::string& a, const std::string& b) {
  std::vector<size_t> d(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) d[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t prev = d[0];
    d[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cur = d[j];
      d[j] = std::min({d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1)});
      prev = cur;
    }
  }
  return d[b.size()];
}

}  // namespace

void Args::set_command(const std::string& name, const std::string& about) {
  g_command = "vkgemma " + name;
  g_about = about;
}

// Parsed with CLI11: --help per command (the flags this command takes, with what they mean), values checked
// for presence, unknown flags refused with the nearest known one suggested.
Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& value_flags,
           const std::set<std::string>& switches, const std::map<std::string, std::string>& aliases) {
  CLI::App app(g_about, g_command);
  app.set_help_flag("-h,--help", "print this help and exit");
  std::map<std::string, std::vector<std::string>> collected;
  std::map<std::string, bool> seen;
  auto names = [&](const std::string& flag) {
    std::string n;
    for (const auto& [alias, target] : aliases)
      if (target == flag) n += alias + ",";
    return n + flag;
  };
  auto help_of = [&](const std::string& flag) {
    auto it = flag_help().find(flag);
    return it == flag_help().end() ? FlagHelp{"VALUE", ""} : it->second;
  };
  for (const std::string& flag : value_flags) {
    const FlagHelp h = help_of(flag);
    app.add_option(names(flag), collected[flag], h.text)
        ->type_name(h.value)
        ->expected(1)  // one value per occurrence; repeated flags (--image) collect
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  }
  for (const std::string& flag : switches) app.add_flag(names(flag), seen[flag], help_of(flag).text);

  std::vector<std::string> reversed(argv.rbegin(), argv.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    throw HelpShown();
  } catch (const CLI::ExtrasError&) {
    // The first token that is no option of this command (a value without its flag counts as one).
    std::string bad;
    for (size_t i = 0; i < argv.size() && bad.empty(); ++i) {
      const std::string& a = argv[i];
      const bool known_value = value_flags.count(a) || (aliases.count(a) && value_flags.count(aliases.at(a)));
      if (known_value) {
        ++i;
        continue;
      }
      if (!switches.count(a) && !(aliases.count(a) && switches.count(aliases.at(a)))) bad = a;
    }
    std::string best;
    size_t best_d = 3;
    for (const auto* set : {&value_flags, &switches})
      for (const std::string& f : *set)
        if (const size_t dd = distance(bad, f); dd < best_d) best_d = dd, best = f;
    const std::string what = bad.rfind("-", 0) == 0 ? "unknown option '" : "unexpected argument '";
    throw std::runtime_error(what + bad + "'" + (best.empty() ? "" : " (did you mean " + best + "?)") + "; " +
                             g_command + " --help lists the options");
  } catch (const CLI::ParseError& e) {
    throw std::runtime_error(std::string(e.what()) + "; " + g_command + " --help lists the options");
  }
  for (const auto& [flag, values] : collected) {
    if (values.empty()) continue;
    values_[flag] = values.back();
    all_values_[flag] = values;
  }
  for (const auto& [flag, on] : seen)
    if (on) switches_.insert(flag);
}

std::string Args::get(const std::string& flag, const std::string& fallback) const {
  auto it = values_.find(flag);
  return it == values_.end() ? fallback : it->second;
}

std::vector<std::string> Args::get_all(const std::string& flag) const {
  auto it = all_values_.find(flag);
  return it == all_values_.end() ? std::vector<std::string>{} : it->second;
}

std::string Args::require(const std::string& flag) const {
  auto it = values_.find(flag);
  if (it == values_.end())
    throw std::runtime_error("missing required option " + flag + " (" + g_command + " --help lists the options)");
  return it->second;
}

int Args::get_int(const std::string& flag, int fallback) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return fallback;
  try {
    size_t used = 0;
    int v = std::stoi(it->second, &used);
    if (used != it->second.size()) throw std::invalid_argument("trailing");
    return v;
  } catch (const std::exception&) {
    throw std::runtime_error("option " + flag + " expects an integer, got '" + it->second + "'");
  }
}

double Args::get_double(const std::string& flag, double fallback) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return fallback;
  try {
    size_t used = 0;
    double v = std::stod(it->second, &used);
    if (used != it->second.size()) throw std::invalid_argument("trailing");
    return v;
  } catch (const std::exception&) {
    throw std::runtime_error("option " + flag + " expects a number, got '" + it->second + "'");
  }
}

}  // namespace vkg::app
