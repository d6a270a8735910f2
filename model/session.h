// The small API app/ uses: a model on a backend with a KV cache and a position. eval() appends tokens
// (prefill in batches, or one decode step) and returns logits.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "model/gemma_graph.h"
#include "model/model.h"
#include "model/sampler.h"
#include "runtime/backend.h"

namespace vkg {

struct SessionOptions {
  std::string backend = "cpu";  // cpu, vulkan, auto
  int n_threads = 0;
  bool exact_matmul = false;   // fp32 activations in every product (see BackendOptions)
  int device = -1;             // Vulkan device index, -1: best
  bool validation = false;     // Vulkan: Khronos validation layer, its errors raised as exceptions
  bool profile = false;        // per-op times in backend().profile()
  bool renderdoc_capture = false;  // Vulkan under RenderDoc: capture the first decode step
  int context = 0;     // 0: the model's context, capped so the KV cache fits (a quarter of the backend's memory)
  int max_batch = 64;  // prompt tokens per prefill step
  // Sequences with their own KV caches and positions (several conversations on one model, each `context`
  // long): select() picks the one eval() and its kin extend, eval_batch() extends several in one step.
  int sequences = 1;
  int kv_page = kKvPagePositions;  // the KV caches grow with the sequence by whole pages of this many positions
  // Called while the backend takes in the weights (bytes done of the model's total); the last call has
  // done == total. The weights a decode step needs are uploaded when the session is made.
  std::function<void(int64_t done, int64_t total)> progress;
  // The most memory the backend may use, in bytes (0: the device's or host's memory). A model, context or
  // batch that does not fit fails when the session is made, naming what is needed and what is available.
  uint64_t max_memory = 0;
  // CPU: keep the packed weights in a file beside the model (`<model>.vkgemma-cpu-packs`, or that name
  // inside a model directory), so the next session maps them instead of packing again. Off by default in the
  // library (it writes a file as large as the packed weights); the CLI turns it on (--no-pack-cache: off).
  bool pack_cache = false;
};

// The pack cache's file for a model path (see SessionOptions::pack_cache).
std::string pack_cache_path(const std::string& model_path);

// What a session needs from its backend's memory.
struct MemoryNeed {
  uint64_t weights = 0, kv_cache = 0, activations = 0;  // activations: the prefill and decode graphs'
  uint64_t total() const { return weights + kv_cache + activations; }
};

class Session {
 public:
  Session(const Model& model, const SessionOptions& options);

  // Appends `tokens` at the current position. Returns the logits of the last token ([vocab]), or with
  // all_logits those of every token ([tokens.size() * vocab]). Throws if the context would overflow.
  // With `images` (model.vision()): each run of tokens_per_image image soft tokens takes the next image's
  // embeddings (from encode_image) in order, and attends to its whole run (bidirectional inside one image).
  std::vector<float> eval(const std::vector<int>& tokens, bool all_logits = false,
                          const std::vector<std::vector<float>>& images = {});
  // Appends `tokens` and returns the argmax of the last token's logits, computed by the backend: only
  // the id is read back (the Vulkan backend's greedy decode reads 4 bytes per step).
  int eval_greedy(const std::vector<int>& tokens, const std::vector<std::vector<float>>& images = {});
  // Appends `tokens` and returns the last token's k largest logits with their ids (largest first, the lower
  // id first on ties), computed by the backend: 1 <= k <= kMaxTopK, and only those 2k values are read back.
  struct TopLogits {
    std::vector<int> ids;
    std::vector<float> logits;
  };
  TopLogits eval_top_k(const std::vector<int>& tokens, int k, const std::vector<std::vector<float>>& images = {});
  // Appends `tokens` and draws the next token, reading back only what the sampler needs: the argmax when
  // it is greedy, its top-k candidates when it has a top-k of at most kMaxTopK, else the whole logits row.
  int eval_sample(const std::vector<int>& tokens, Sampler& sampler, const std::vector<std::vector<float>>& images = {});

  // Appends `tokens` without computing any logits (a prompt's part before its last batch).
  void append(const std::vector<int>& tokens, const std::vector<std::vector<float>>& images = {});

  // One step of several sequences at once: tokens[i] is appended to sequence sequences[i] (distinct, each
  // with room for one more token); returns every token's logits, [tokens.size() * vocab]. The matmuls read
  // each weight once for all of them.
  std::vector<float> eval_batch(const std::vector<int>& tokens, const std::vector<int>& sequences);
  // The same step with every token's argmax computed by the backend: only the ids are read back.
  std::vector<int> eval_batch_greedy(const std::vector<int>& tokens, const std::vector<int>& sequences);

  // The sequence that eval(), append(), position() and reset() act on (0 until changed).
  void select(int sequence);
  int selected() const { return sequence_; }
  int sequences() const { return kv_.sequences; }

  // The embeddings [tokens_per_image, H] of one preprocessed image (pixels [3, size, size] as
  // preprocess_image gives them), from the vision tower on this session's backend.
  std::vector<float> encode_image(const std::vector<float>& pixels);

  int position() const { return positions_[size_t(sequence_)]; }  // of the selected sequence
  int context() const { return kv_.context; }
  int64_t kv_cache_full_bytes() const { return kv_.full_bytes(model_.config()); }  // at the whole context
  MemoryNeed memory_needed();
  // Empties the selected sequence (with one sequence: also zeroes the caches).
  void reset();
  Backend& backend() { return *backend_; }
  const Backend& backend() const { return *backend_; }
  // One-line notices for the user: why "auto" did not pick Vulkan, a context capped below the model's.
  const std::vector<std::string>& notices() const { return notices_; }
  const Model& model() const { return model_; }
  // The graph used for a step of n tokens (built once, then reused).
  // top_k > 0: with the top_k of the logits instead of their argmax.
  // logits false: without them (a prompt batch that only fills the caches; all_logits and top_k ignored).
  // greedy_rows (with all_logits): also every row's argmax (eval_batch_greedy).
  const Graph& graph(int n_tokens, bool all_logits, bool image_rows = false, int top_k = 0, bool logits = true,
                     bool greedy_rows = false);

 private:
  // Runs the tokens in batches; appends every batch's logits to *all if given. Returns the last graph.
  // logits false: not even the last batch's (append).
  const Graph& forward(const std::vector<int>& tokens, bool all_logits, std::vector<float>* all,
                       const std::vector<std::vector<float>>& images, int top_k = 0, bool logits = true);
  // Throws when weights + KV cache + activations exceed the backend's memory budget, with a suggestion.
  void check_memory();
  // Makes room in the caches for `positions` (pages of kKvPagePositions); the graphs built for the smaller
  // caches are dropped.
  void grow_cache(int positions);

  const Model& model_;
  KvLayout kv_;
  std::unique_ptr<Backend> backend_;
  // The step of eval_batch[_greedy]: checks, inputs, the cache grown; the graph run, positions advanced.
  const Graph& run_batch(const std::vector<int>& tokens, const std::vector<int>& sequences, bool greedy);

  std::map<std::tuple<int, bool, bool, int, bool, bool>, Graph> graphs_;
  std::unique_ptr<Graph> vision_graph_;
  std::vector<int> positions_;  // per sequence
  int sequence_ = 0;
  std::vector<std::string> notices_;
  uint64_t max_memory_ = 0;
  int kv_page_ = kKvPagePositions;
};

}  // namespace vkg
