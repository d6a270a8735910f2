// `vkgemma info`, `graph` and `tokenize`: look at a model without running it.
#include <chrono>
#include <cstdio>
#include <iostream>

#include "app/args.h"
#include "app/commands.h"
#include "app/options.h"
#include "app/session_report.h"
#include "model/gemma_graph.h"
#include "model/model.h"
#include "runtime/services.h"

namespace vkg::app {

namespace {
std::string value_string(const GgufValue& v) {
  switch (v.type) {
    case GgufType::STRING: return v.s;
    case GgufType::F32:
    case GgufType::F64: return std::to_string(v.f);
    case GgufType::BOOL: return v.i ? "true" : "false";
    case GgufType::ARRAY: {
      std::string s = "[";
      s += gguf_type_name(v.elem_type);
      s += " x " + std::to_string(v.length()) + "]";
      for (size_t i = 0; i < v.length() && i < 4; ++i) s += (i ? ", " : " ") + value_string(v.element(i));
      return v.length() > 4 ? s + ", ..." : s;
    }
    default: return std::to_string(v.type == GgufType::U64 ? static_cast<uint64_t>(v.i) : v.i);
  }
}
}  // namespace

namespace {
void print_devices() {
  std::cout << "Vulkan devices:\n";
  try {
    for (const std::string& line : vulkan_device_lines()) std::cout << "  " << line << "\n";
  } catch (const std::exception& e) {
    std::cout << "  none: " << e.what() << "\n";
  }
}
}  // namespace

// Without -m: the Vulkan devices. With -m: the model's metadata, config and tensor types, then the devices.
int info_command(const std::vector<std::string>& argv) {
  Args args(argv, {"--model", "--mmproj", "--backend", "--device", "--threads", "--ctx", "--max-memory", "--quant"},
            {"--exact", "--no-pack-cache"}, {{"-m", "--model"}, {"-t", "--threads"}, {"-c", "--ctx"}});
  if (!args.has("--model")) {
    print_devices();
    return 0;
  }
  const auto t_start = std::chrono::steady_clock::now();
  auto model = Model::load(args.require("--model"), load_options(args));
  if (const GgufFile* f = model->gguf()) {
    std::cout << "file: " << f->path() << " (GGUF v" << f->version() << ", " << f->tensors().size() << " tensors, "
              << model->weight_bytes() / 1048576 << " MiB of weights)\n\nmetadata:\n";
    for (const auto& [key, value] : f->metadata()) std::cout << "  " << key << " = " << value_string(value) << "\n";
  } else {
    std::cout << "directory: " << model->path() << " (Hugging Face, " << model->weights().size() << " tensors, "
              << model->weight_bytes() / 1048576 << " MiB of weights)\n";
  }
  std::cout << "\nconfig:\n" << model->config().describe() << "\n";
  if (const VisionConfig* v = model->vision())
    std::cout << "vision: SigLIP " << v->n_layers << " layers, width " << v->hidden << ", MLP " << v->ffn << ", "
              << v->n_head << " heads; " << v->image_size << " x " << v->image_size << " images in " << v->patch_size
              << " x " << v->patch_size << " patches (" << v->n_patches() << "), pooled " << v->pool_kernel() << " x "
              << v->pool_kernel() << " to " << v->tokens_per_image << " tokens of width " << v->text_hidden << "\n";
  std::cout << "\ntensor types:\n";
  std::map<std::string, int> types;
  for (const auto& [name, t] : model->weights()) types[dtype_name(t.dtype)]++;
  for (const auto& [type, n] : types) std::cout << "  " << type << ": " << n << "\n";
  // Memory by part as a run has it: a session on the chosen backend after one step (the CPU packs weights on
  // first use), with the KV cache holding that one token.
  Session session(*model, session_options(args));
  session.eval({model->tokenizer().bos_id()});
  std::cout << "\n" << load_line(session, std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count())
            << "\n" << memory_line(session) << "\n\n";
  print_devices();
  return 0;
}

int graph_command(const std::vector<std::string>& argv) {
  Args args(argv, {"--model", "--n-tokens"}, {}, {{"-m", "--model"}, {"-n", "--n-tokens"}});
  auto model = Model::load(args.require("--model"));
  BuildOptions b;
  b.n_tokens = args.get_int("--n-tokens", 1);
  b.kv.context = std::min(model->config().context_length, 4096);
  b.kv.max_batch = std::max(1, b.n_tokens);
  std::cout << build_gemma_graph(*model, b).to_string();
  return 0;
}

int tokenize_command(const std::vector<std::string>& argv) {
  Args args(argv, {"--model", "--prompt"}, {"--no-bos"}, {{"-m", "--model"}, {"-p", "--prompt"}});
  auto model = Model::load(args.require("--model"));
  std::vector<int> ids = model->tokenizer().encode(args.require("--prompt"), !args.has("--no-bos"));
  for (size_t i = 0; i < ids.size(); ++i) std::cout << (i ? " " : "") << ids[i];
  std::cout << "\n";
  return 0;
}

}  // namespace vkg::app
