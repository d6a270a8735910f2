// What app/ and model/ see of a backend: run a graph step, read a tensor back, forget the KV cache.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/graph.h"
#include "runtime/profile.h"

namespace vkg {

struct StepInputs {
  std::vector<int32_t> token_ids;  // one per new token
  std::vector<int32_t> positions;  // absolute positions of the new tokens
};

struct BackendOptions {
  int n_threads = 0;        // CPU: 0 = all hardware threads
  int device = -1;          // Vulkan: device index, -1 = best
  bool validation = false;  // Vulkan: Khronos validation layer on, its errors raised as exceptions
  bool profile = false;     // time every op (Vulkan: timestamp queries) into profile()
  bool renderdoc_capture = false;  // Vulkan under RenderDoc: capture the first single-token (decode) step
  // Vulkan: called after each weight upload with the bytes it took in the model file (progress display).
  std::function<void(uint64_t bytes)> on_weight_upload;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // Executes every node of `graph`. KV-cache tensors persist across runs (matched by name).
  virtual void run(const Graph& graph, const StepInputs& inputs) = 0;
  // Uploads the weights and builds what `graph` needs, without running it (a model's load time is then spent
  // at load, not in its first step). Optional: run() does it on first use.
  virtual void load(const Graph&) {}
  // A tensor of the last run of `graph` (outputs always; every node's output on the CPU backend).
  virtual std::vector<float> read(const Graph& graph, TensorId id) const = 0;
  // Starts a new sequence: cached keys and values are forgotten.
  virtual void reset_cache() = 0;
  // What one run of this graph records, e.g. "385 dispatches, 212 barriers" (after it has run once).
  virtual std::string step_summary(const Graph&) const { return ""; }
  // The largest activation the backend can hold in one tensor (Vulkan: one storage-buffer binding).
  virtual uint64_t max_tensor_bytes() const { return UINT64_MAX; }
  // Memory the backend's buffers live in (CPU: physical RAM; Vulkan: device-local heaps); 0 if unknown.
  virtual uint64_t memory_bytes() const { return 0; }
  // Per-op times summed over all runs so far (empty unless BackendOptions::profile).
  const OpProfile& profile() const { return profile_; }

 protected:
  OpProfile profile_;
};

// "cpu", "vulkan", or "auto": Vulkan on a GPU (discrete, integrated or virtual), else the CPU backend —
// a CPU-type Vulkan device such as lavapipe is slower than our CPU backend. With "auto", *notice (if given)
// receives a one-line reason when Vulkan was not chosen. Throws naming an unknown backend, or why Vulkan
// is unavailable when "vulkan" was asked for.
std::unique_ptr<Backend> make_backend(const std::string& name, const BackendOptions& options,
                                      std::string* notice = nullptr);

}  // namespace vkg
