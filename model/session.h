// The small API app/ uses: a model on a backend with a KV cache and a position. eval() appends tokens
// (prefill in batches, or one decode step) and returns logits.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "model/gemma_graph.h"
#include "model/model.h"
#include "runtime/backend.h"

namespace vkg {

struct SessionOptions {
  std::string backend = "cpu";  // cpu, vulkan, auto
  int n_threads = 0;
  int device = -1;             // Vulkan device index, -1: best
  bool validation = false;     // Vulkan: Khronos validation layer, its errors raised as exceptions
  bool profile = false;        // per-op times in backend().profile()
  bool renderdoc_capture = false;  // Vulkan under RenderDoc: capture the first decode step
  int context = 0;     // 0: the model's context, capped so the KV cache fits (a quarter of the backend's memory)
  int max_batch = 64;  // prompt tokens per prefill step
  // Called while the backend takes in the weights (bytes done of the model's total); the last call has
  // done == total. The weights a decode step needs are uploaded when the session is made.
  std::function<void(int64_t done, int64_t total)> progress;
};

class Session {
 public:
  Session(const Model& model, const SessionOptions& options);

  // Appends `tokens` at the current position. Returns the logits of the last token ([vocab]), or with
  // all_logits those of every token ([tokens.size() * vocab]). Throws if the context would overflow.
  std::vector<float> eval(const std::vector<int>& tokens, bool all_logits = false);
  // Appends `tokens` and returns the argmax of the last token's logits, computed by the backend: only
  // the id is read back (the Vulkan backend's greedy decode reads 4 bytes per step).
  int eval_greedy(const std::vector<int>& tokens);

  int position() const { return position_; }
  int context() const { return kv_.context; }
  int64_t kv_cache_bytes() const { return kv_.bytes(model_.config()); }
  void reset();
  Backend& backend() { return *backend_; }
  // One-line notices for the user: why "auto" did not pick Vulkan, a context capped below the model's.
  const std::vector<std::string>& notices() const { return notices_; }
  const Model& model() const { return model_; }
  // The graph used for a step of n tokens (built once, then reused).
  const Graph& graph(int n_tokens, bool all_logits);

 private:
  // Runs the tokens in batches; appends every batch's logits to *all if given. Returns the last graph.
  const Graph& forward(const std::vector<int>& tokens, bool all_logits, std::vector<float>* all);

  const Model& model_;
  KvLayout kv_;
  std::unique_ptr<Backend> backend_;
  std::map<std::pair<int, bool>, Graph> graphs_;
  int position_ = 0;
  std::vector<std::string> notices_;
};

}  // namespace vkg
