// `vkgemma bench`: prompt processing (pp) and generation (tg) speed the way llama-bench measures them:
// pp = one prompt of P tokens from an empty cache, tg = N single-token greedy steps from an empty cache; with
// --depth D (llama-bench's -d) both start after a D-token context instead (filled before each timed run,
// untimed), which is what a long conversation's turns cost: attention over D keys per token.
// Reports median and min over R repetitions (after one warm-up), the weight bytes one decode step reads,
// and the memory bandwidth the generation speed implies. It also measures the roofline itself: plain reads of
// a buffer that size (at most 1 GiB, allocated for the run) by the same threads on the CPU backend, by a
// compute shader on a Vulkan device, between the generation repetitions, so the share it reports compares
// figures taken seconds, not hours, apart. With --parallel S (as llama-batched-bench's -npl) it also measures
// tg for S sequences at once, each step one token of every sequence in one batched step (Session::eval_batch,
// what `serve --parallel` runs), alternating with the one-sequence tg, and reports their ratio.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <stdexcept>

#include "app/args.h"
#include "app/commands.h"
#include "app/options.h"
#include "model/session.h"
#include "runtime/services.h"

namespace vkg::app {

namespace {

double seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Bytes of weights a step of this graph reads: every matmul and norm weight whole, the embedding rows of
// the step's tokens, the chosen experts' rows (k per token: Gemma 4's active parameters, not all experts).
int64_t weight_bytes_read(const Graph& g) {
  int64_t bytes = 0;
  for (const Node& n : g.nodes())
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      const TensorDesc& t = g.tensor(n.inputs[i]);
      if (t.role != TensorRole::weight) continue;
      const int64_t row = row_bytes(t.dtype, t.cols());
      if (const auto* e = std::get_if<MatmulExpertParams>(&n.params))
        bytes += row * e->rows * std::min<int64_t>(e->n_experts, int64_t(e->k) * g.n_tokens());
      else
        bytes += std::holds_alternative<EmbedParams>(n.params) ? row * g.n_tokens() : row * t.rows();
    }
  return bytes;
}

struct Stats {
  double median = 0, min = 0;
};
Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return {n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]), v.front()};
}

// n token ids drawn from the vocabulary past its first 1000 (control and byte tokens).
std::vector<int> random_tokens(int n, std::mt19937& rng, std::uniform_int_distribution<int>& token) {
  std::vector<int> ids(static_cast<size_t>(n));
  for (int& t : ids) t = token(rng);
  return ids;
}

// What a bench run measured, for its two printouts.
struct BenchFigures {
  std::string model, backend;
  int n_prompt, n_gen, reps, depth;
  int64_t bytes;  // weights read per decode step
  std::vector<double> pp, tg, read_gbps, share;
  int parallel;             // sequences of tg_parallel (1: not measured)
  std::vector<double> tg_parallel;  // tokens/s of all sequences together
  int64_t probe_bytes;
  std::string decode_summary;  // the backend's account of one decode step (Vulkan: dispatches, barriers)
};

// One JSON line, as tools/compare_llama_bench.py reads it.
void print_json(const BenchFigures& f) {
  std::printf("{\"model\": \"%s\", \"backend\": \"%s\", \"reps\": %d, \"depth\": %d, "
              "\"weight_bytes_per_token\": %lld",
              f.model.c_str(), f.backend.c_str(), f.reps, f.depth, static_cast<long long>(f.bytes));
  if (!f.decode_summary.empty()) std::printf(", \"decode_step\": \"%s\"", f.decode_summary.c_str());
  if (!f.pp.empty())
    std::printf(", \"pp\": {\"tokens\": %d, \"median_tps\": %.3f, \"min_tps\": %.3f}", f.n_prompt,
                stats(f.pp).median, stats(f.pp).min);
  if (!f.tg.empty())
    std::printf(", \"tg\": {\"tokens\": %d, \"median_tps\": %.3f, \"min_tps\": %.3f, \"implied_gbps\": %.3f",
                f.n_gen, stats(f.tg).median, stats(f.tg).min, stats(f.tg).median * f.bytes / 1e9);
  if (!f.share.empty())
    std::printf(", \"read_gbps\": %.3f, \"roofline_share\": %.4f", stats(f.read_gbps).median, stats(f.share).median);
  if (!f.tg.empty()) std::printf("}");
  if (!f.tg_parallel.empty())
    std::printf(", \"tg_parallel\": {\"sequences\": %d, \"tokens\": %d, \"median_tps\": %.3f, \"min_tps\": %.3f, "
                "\"vs_one_sequence\": %.3f}",
                f.parallel, f.n_gen, stats(f.tg_parallel).median, stats(f.tg_parallel).min,
                stats(f.tg_parallel).median / stats(f.tg).median);
  std::printf("}\n");
}

void print_table(const BenchFigures& f, const std::string& prompt_summary) {
  const std::string& decode_summary = f.decode_summary;
  std::printf("model %s, backend %s, %d repetitions (+1 warm-up)", f.model.c_str(), f.backend.c_str(), f.reps);
  if (f.depth > 0) std::printf(", each after a %d-token context", f.depth);
  std::printf("\n");
  std::printf("weights read per decode step: %.1f MiB\n", f.bytes / 1048576.0);
  if (!decode_summary.empty()) std::printf("decode step: %s\n", decode_summary.c_str());
  if (!prompt_summary.empty() && prompt_summary != decode_summary) std::printf("prompt step: %s\n", prompt_summary.c_str());
  std::printf("%-8s %8s %14s %14s %16s\n", "test", "tokens", "median tok/s", "min tok/s", "implied GB/s");
  if (!f.pp.empty())
    std::printf("%-8s %8d %14.2f %14.2f %16s\n", "pp", f.n_prompt, stats(f.pp).median, stats(f.pp).min, "-");
  if (!f.tg.empty())
    std::printf("%-8s %8d %14.2f %14.2f %16.2f\n", "tg", f.n_gen, stats(f.tg).median, stats(f.tg).min,
                stats(f.tg).median * f.bytes / 1e9);
  if (!f.tg_parallel.empty())
    std::printf("%-8s %8d %14.2f %14.2f %16s  (%d sequences batched: %.2fx one sequence's tg)\n",
                ("tg x" + std::to_string(f.parallel)).c_str(), f.n_gen, stats(f.tg_parallel).median,
                stats(f.tg_parallel).min, "-", f.parallel, stats(f.tg_parallel).median / stats(f.tg).median);
  if (!f.share.empty())
    std::printf("read roofline: %.2f GB/s (plain reads of %.0f MiB by %s after each repetition, median); "
                "generation at %.0f %% of it (median of the repetitions' shares)\n",
                stats(f.read_gbps).median, f.probe_bytes / 1048576.0,
                f.backend == "cpu" ? "the same threads" : "a compute shader", 100 * stats(f.share).median);
}

}  // namespace

int bench_command(const std::vector<std::string>& argv) {
  Args args(argv, {"--model", "--quant", "--n-prompt", "--n-gen", "--reps", "--depth", "--backend", "--device",
                   "--threads", "--max-memory", "--parallel"},
            {"--json", "--exact", "--no-pack-cache"},
            {{"-m", "--model"}, {"-p", "--n-prompt"}, {"-n", "--n-gen"}, {"-r", "--reps"}, {"-t", "--threads"},
             {"-d", "--depth"}});
  const int n_prompt = args.get_int("--n-prompt", 512), n_gen = args.get_int("--n-gen", 128);
  const int reps = args.get_int("--reps", 5), depth = args.get_int("--depth", 0);
  const int parallel = args.get_int("--parallel", 1);
  if (n_prompt < 0 || n_gen < 0 || reps < 1 || depth < 0)
    throw std::runtime_error("-p, -n and -d must be >= 0, -r >= 1");
  if (parallel < 1 || parallel > 64) throw std::runtime_error("--parallel must be 1..64, got " + std::to_string(parallel));
  auto model = Model::load(args.require("--model"), load_options(args));
  const int64_t needed = int64_t{depth} + std::max(n_prompt, n_gen) + 1;
  if (needed > model->config().context_length)
    throw std::runtime_error("bench: --depth " + std::to_string(depth) + " plus " +
                             std::to_string(std::max(n_prompt, n_gen)) + " tokens exceed the model's context of " +
                             std::to_string(model->config().context_length));
  SessionOptions so = session_options(args);
  so.context = static_cast<int>(needed);
  so.max_batch = std::max(parallel, std::min(std::max(n_prompt, depth), 512));
  so.sequences = parallel;
  Session session(*model, so);
  if (!args.has("--json"))  // JSON output is one object, for scripts
    for (const std::string& notice : session.notices()) std::fprintf(stderr, "%s\n", notice.c_str());

  std::mt19937 rng(1234);
  std::uniform_int_distribution<int> token(1000, model->config().vocab_size - 1);
  const std::vector<int> prompt = random_tokens(n_prompt, rng, token), context = random_tokens(depth, rng, token);

  // An empty cache, or one holding the depth's context (untimed); of every sequence with --parallel.
  auto start = [&] {
    for (int s = parallel - 1; s >= 0; --s) {
      session.select(s);
      session.reset();
      if (depth > 0) session.eval_greedy(context);
    }
  };
  auto run_pp = [&] {
    start();
    auto t0 = std::chrono::steady_clock::now();
    session.eval_greedy(prompt);
    return n_prompt / seconds(t0);
  };
  auto run_tg = [&] {
    start();
    int next = token(rng);
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n_gen; ++i) next = session.eval_greedy({next});
    return n_gen / seconds(t0);
  };
  // Greedy, every sequence's next token the backend's argmax of its row, as the server's greedy steps.
  auto run_tg_parallel = [&] {
    start();
    std::vector<int> next(static_cast<size_t>(parallel)), sequences(static_cast<size_t>(parallel));
    for (int s = 0; s < parallel; ++s) next[size_t(s)] = token(rng), sequences[size_t(s)] = s;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n_gen; ++i) next = session.eval_batch_greedy(next, sequences);
    return parallel * n_gen / seconds(t0);
  };
  const int64_t bytes = weight_bytes_read(session.graph(1, false));
  const std::string backend = session.backend().name();
  // The roofline: on the CPU, reads of host memory by so.n_threads threads; on a Vulkan device, a compute
  // shader's reads of device memory. Not with --depth: each step then also reads the KV cache, which the
  // weight bytes do not count.
  std::unique_ptr<ReadBandwidthProbe> probe;
  if (backend == "cpu" && n_gen > 0 && depth == 0)
    probe = make_read_bandwidth_probe(so.n_threads, bytes);
  else if (n_gen > 0 && depth == 0) {
    try {  // the buffer may not fit beside the model (--max-memory, a small GPU): then no roofline share
      probe = make_device_read_bandwidth_probe(session.backend(), bytes);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bench: no read roofline on this device: %s\n", e.what());
    }
  }
  auto run_probe = [&] {  // the median of 3 passes
    return stats({probe->measure_gbps(), probe->measure_gbps(), probe->measure_gbps()}).median;
  };

  std::vector<double> pp, tg, read_gbps, share, tg_parallel;
  const bool batched = parallel > 1 && n_gen > 0;
  if (n_prompt > 0) run_pp();  // warm-up: pipelines, caches, page faults
  if (n_gen > 0) run_tg();
  if (batched) run_tg_parallel();
  if (probe) run_probe();
  for (int r = 0; r < reps; ++r) {
    if (n_prompt > 0) pp.push_back(run_pp());
    if (n_gen > 0) tg.push_back(run_tg());
    if (batched) tg_parallel.push_back(run_tg_parallel());
    if (probe) {
      read_gbps.push_back(run_probe());
      share.push_back(tg.back() * bytes / 1e9 / read_gbps.back());
    }
  }
  BenchFigures f{model->path(), backend, n_prompt, n_gen, reps, depth, bytes, pp, tg, read_gbps, share, parallel,
                 tg_parallel, probe ? probe->bytes() : 0, session.backend().step_summary(session.graph(1, false))};
  if (args.has("--json")) {
    print_json(f);
    return 0;
  }
  // The prompt's one batch (max_batch covers it up to 512 tokens): on lavapipe, how many products quantize.
  const std::string prompt_summary = n_prompt > 1 && n_prompt <= 512
                                         ? session.backend().step_summary(session.graph(n_prompt, false))
                                         : std::string();
  print_table(f, prompt_summary);
  return 0;
}

}  // namespace vkg::app
