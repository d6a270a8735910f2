// vkgemma: run Gemma models. Errors become one clear line on stderr and a non-zero exit.
#include <cstdio>
#include <map>
#include <exception>
#include <string>
#include <vector>

#include "app/args.h"
#include "app/commands.h"
#include "runtime/platform/terminal.h"

namespace {

constexpr const char* kUsage =
    "usage: vkgemma COMMAND [options]\n"
    "\n"
    "commands:\n"
    "  run         generate text: -m MODEL -p PROMPT [-n N] [--temp T] [--top-k K] [--top-p P] [--seed S]\n"
    "              [--backend auto|cpu|vulkan] [--device N] [--threads N] [--ctx N] [--profile]\n"
    "              [--renderdoc-capture] [--quant q8_0|q4_0] [--max-memory SIZE]\n"
    "              [--exact]: CPU matmuls in fp32 on dequantized weights (the reference; default: 8-bit\n"
    "              activations and integer dot products, ~1e-2 logit differences, several times faster;\n"
    "              BF16 prompts with bf16 activations where the CPU has AVX512_BF16; on lavapipe,\n"
    "              prompts' Q4_0/Q5_0/Q4_K/Q6_K products as the CPU's)\n"
    "  chat        -m MODEL [--system TEXT] [-n MAX_REPLY] [sampling, backend options as run]\n"
    "  serve       OpenAI-compatible HTTP API: -m MODEL [--host 127.0.0.1] [--port 8080] [--ctx N]\n"
    "              [--alias NAME] [--parallel 4] [--max-queue 64] [backend options as run]\n"
    "  bench       -m MODEL [-p 512] [-n 128] [-r 5] [-d DEPTH] [--parallel N] [--backend ...] [--json]: pp and\n"
    "              tg tokens/s (-d: after a DEPTH-token context, as llama-bench -d; --parallel: also tg of N\n"
    "              sequences batched, as serve --parallel runs them)\n"
    "  tokenize    print token ids: -m MODEL -p TEXT [--no-bos]\n"
    "  perplexity  -m MODEL -f FILE [--ctx N] [--chunks N]: prints PPL = <value> last\n"
    "  info        [-m MODEL]: Vulkan devices; with a model also its metadata, config, tensor types\n"
    "  graph       -m MODEL [-n TOKENS]: the graph of one step\n"
    "  shaders     [--dump DIR]: embedded SPIR-V modules and their reflected layouts\n"
    "\n"
    "vkgemma COMMAND --help lists a command's options; vkgemma --version prints the version.\n";

// One line per command for `vkgemma COMMAND --help`.
const char* about(const std::string& command) {
  static const std::map<std::string, const char*> lines = {
      {"run", "Generate text from a prompt (stdout: the text; stderr: load, sampling and speed)."},
      {"chat", "Talk with an instruction-tuned model in its turn template; /reset, /exit, /image FILE."},
      {"serve", "An OpenAI-compatible HTTP API (/v1/chat/completions, /v1/completions, /v1/models)."},
      {"bench", "Prompt (pp) and generation (tg) speed, as llama-bench measures them."},
      {"tokenize", "Print the token ids of a text."},
      {"perplexity", "Perplexity of a text file, as llama-perplexity computes it."},
      {"info", "The Vulkan devices; with -m, the model's metadata, config and tensor types."},
      {"graph", "The graph one step runs: every node, its inputs, output shape and parameters."},
      {"shaders", "The embedded SPIR-V modules and their reflected layouts."},
  };
  auto it = lines.find(command);
  return it == lines.end() ? "" : it->second;
}

}  // namespace

int main(int argc, char** argv) {
  vkg::use_utf8_console();
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (std::string(argv[1]) == "--version") {
    std::printf("vkgemma %s\n", VKGEMMA_VERSION);
    return 0;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  vkg::app::Args::set_command(command, about(command));
  try {
    if (command == "run") return vkg::app::run_command(args);
    if (command == "tokenize") return vkg::app::tokenize_command(args);
    if (command == "perplexity") return vkg::app::perplexity_command(args);
    if (command == "info") return vkg::app::info_command(args);
    if (command == "graph") return vkg::app::graph_command(args);
    if (command == "shaders") return vkg::app::shaders_command(args);
    if (command == "bench") return vkg::app::bench_command(args);
    if (command == "chat") return vkg::app::chat_command(args);
    if (command == "serve") return vkg::app::serve_command(args);
    std::fprintf(stderr, "vkgemma: unknown command '%s'\n\n%s", command.c_str(), kUsage);
    return 2;
  } catch (const vkg::app::HelpShown&) {
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vkgemma %s: error: %s\n", command.c_str(), e.what());
    return 1;
  }
}
