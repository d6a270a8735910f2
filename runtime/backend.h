// What app/ and model/ see of a backend: run a graph step, read a tensor back, forget the KV cache.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/bytes.h"
#include "runtime/graph.h"
#include "runtime/profile.h"

namespace vkg {

struct StepInputs {
  std::vector<int32_t> token_ids;  // one per new token (graphs without graph.token_ids: none)
  std::vector<int32_t> positions;  // absolute positions of the new tokens
  std::vector<int32_t> key_end;    // per token, the last key position attention may see; empty: = positions
  std::vector<int32_t> sequence;   // per token, its sequence (whose KV cache rows it reads and writes); empty: 0
  // Other graph inputs, by tensor name (image patches, image embedding rows and which rows use them).
  std::map<std::string, std::vector<float>> floats;
  std::map<std::string, std::vector<int32_t>> ints;
};

// The host data of graph input `id` for this step (token ids, positions, key_end, sequence or a named input);
// throws naming the input when it is missing or has the wrong size. Valid until the next call on this thread.
const void* step_input_data(const Graph& g, TensorId id, const StepInputs& in);

struct BackendOptions {
  int n_threads = 0;        // CPU: 0 = all hardware threads
  // CPU matmuls: false (fast): activations quantized to 8 bits for quantized weights, integer dot products
  // (logits differ from fp32 by ~1e-2, as llama.cpp's do); true (exact): weights dequantized to fp32, fp32
  // dot products, the reference that parity tests against transformers and Vulkan use. BF16 weights: fp32
  // activations, except prompts on CPUs with AVX512_BF16 (activations rounded to bf16). Vulkan on CPU-type
  // devices (lavapipe): false quantizes a prompt's input to Q4_0/Q5_0/Q4_K/Q6_K products the same way
  // (integer multiply-adds on two tokens at once); GPUs and decode steps always run fp32 activations.
  bool exact_matmul = false;
  int device = -1;          // Vulkan: device index, -1 = best
  bool validation = false;  // Vulkan: Khronos validation layer on, its errors raised as exceptions
  bool profile = false;     // time every op (Vulkan: timestamp queries) into profile()
  bool renderdoc_capture = false;  // Vulkan under RenderDoc: capture the first single-token (decode) step
  // Vulkan: the shaders chosen for GPUs even on a CPU-type device (lavapipe), so the tests there cover the
  // shader set every real GPU runs too. Also set by the environment variable VKGEMMA_GPU_SHADERS=1.
  bool gpu_shaders = false;
  // Vulkan: called after each weight upload with the bytes it took in the model file (progress display).
  std::function<void(uint64_t bytes)> on_weight_upload;
  // CPU: a file for the packed weights (runtime/cpu/pack_cache.h), "" for none, and what it must have been
  // written for (the model's files and load options): load() maps the packs from it, or packs and writes it.
  std::string pack_cache_path, pack_cache_identity;
  // The most memory the backend may allocate, in bytes (0: no cap beyond the device's or host's own).
  // Allocations beyond it fail with an error naming the sizes, as a real out-of-memory would.
  uint64_t max_memory = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // Executes every node of `graph`. KV-cache tensors persist across runs (matched by name); one that comes back
  // with more rows (the session grows its caches with the sequence) keeps its first rows' contents.
  virtual void run(const Graph& graph, const StepInputs& inputs) = 0;
  // Drops what the backend prepared for `graph` (Vulkan: its command buffer, descriptors, activations): the
  // caller will not run it again.
  virtual void forget(const Graph&) {}
  // Uploads the weights and builds what `graph` needs, without running it (a model's load time is then spent
  // at load, not in its first step). Optional: run() does it on first use.
  virtual void load(const Graph&) {}
  // A tensor of the last run of `graph` (outputs always; every node's output on the CPU backend).
  virtual std::vector<float> read(const Graph& graph, TensorId id) const = 0;
  // Starts a new sequence: cached keys and values are forgotten.
  virtual void reset_cache() = 0;
  // One-line notes for the user about what load() did (e.g. where the CPU's packed weights came from).
  const std::vector<std::string>& notices() const { return notices_; }
  // What one run of this graph records, e.g. "385 dispatches, 212 barriers" (after it has run once).
  virtual std::string step_summary(const Graph&) const { return ""; }
  // The largest activation the backend can hold in one tensor (Vulkan: one storage-buffer binding).
  virtual uint64_t max_tensor_bytes() const { return UINT64_MAX; }
  // Memory the backend's buffers live in (CPU: physical RAM; Vulkan: device-local heaps); 0 if unknown.
  virtual uint64_t memory_bytes() const { return 0; }
  // What the backend may use: memory_bytes(), lowered to BackendOptions::max_memory; 0 if unknown.
  uint64_t memory_budget() const;
  // Bytes the backend holds now (weights uploaded, KV caches, activations); after a failed allocation it is
  // what it was before the step that failed.
  virtual uint64_t allocated_bytes() const = 0;
  // allocated_bytes() by part.
  struct MemoryParts {
    uint64_t weights = 0;   // weights the backend holds as the file has them (Vulkan: uploaded)
    uint64_t repacked = 0;  // weights it holds in its own layout (CPU: 8-row packs, dequantized tables)
    uint64_t repacked_mapped = 0;  // of those, mapped from a file (the CPU's pack cache) rather than allocated
    uint64_t kv_cache = 0, activations = 0;
  };
  virtual MemoryParts memory_parts() const = 0;
  // Per-op times summed over all runs so far (empty unless BackendOptions::profile).
  const OpProfile& profile() const { return profile_; }

 protected:
  explicit Backend(const BackendOptions& options) : max_memory_(options.max_memory) {}
  OpProfile profile_;
  uint64_t max_memory_ = 0;
  std::vector<std::string> notices_;
};


// "cpu", "vulkan", or "auto": Vulkan on a GPU (discrete, integrated or virtual), else the CPU backend —
// a CPU-type Vulkan device such as lavapipe is slower than our CPU backend. With "auto", *notice (if given)
// receives a one-line reason when Vulkan was not chosen. Throws naming an unknown backend, or why Vulkan
// is unavailable when "vulkan" was asked for.
std::unique_ptr<Backend> make_backend(const std::string& name, const BackendOptions& options,
                                      std::string* notice = nullptr);

}  // namespace vkg
