// The graph description: the contract between model/ (which builds it) and the backends (which run it).
// A graph is built for a fixed number of new tokens; token ids and positions are inputs, so a backend can
// run the same graph step after step.
#pragma once
#include <string>
#include <vector>

#include "runtime/ops.h"
#include "runtime/tensor.h"

namespace vkg {

class Graph {
 public:
  explicit Graph(int n_tokens);

  int n_tokens() const { return n_tokens_; }
  // Unique per constructed graph: backends key what they prepared for a graph by it.
  uint64_t id() const { return id_; }
  const std::vector<TensorDesc>& tensors() const { return tensors_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  const TensorDesc& tensor(TensorId id) const { return tensors_.at(static_cast<size_t>(id)); }

  TensorId add_tensor(TensorDesc desc);
  // Adds a node whose output is a new activation tensor named after the node (shape checked and inferred).
  // The op is the one whose parameters are given (RmsNormParams: rms_norm).
  TensorId add_node(const std::string& name, std::vector<TensorId> inputs, OpParams params);
  // Adds a node that writes into an existing tensor (kv_store into the cache).
  TensorId add_node_into(const std::string& name, std::vector<TensorId> inputs, OpParams params, TensorId output);

  TensorId token_ids = kNoTensor;  // input [n] i32
  TensorId positions = kNoTensor;  // input [n] i32, absolute positions of the new tokens
  TensorId key_end = kNoTensor;    // input [n] i32, attention's last visible key per token (causal: = positions)
  TensorId sequence = kNoTensor;   // input [n] i32, each token's sequence: its rows in the KV caches
  TensorId logits = kNoTensor;     // output [n or 1, vocab]
  TensorId greedy_token = kNoTensor;  // optional output [n or 1, 1]: argmax of the logits
  TensorId top_logits = kNoTensor;    // optional output [n or 1, 2k]: top_k of the logits (ops.h)
  // Backends may give an intermediate activation's memory to a later one after its last use (only inputs
  // and outputs can be read back then): big one-shot graphs such as the vision tower, whose 4096-token
  // activations would otherwise take gigabytes.
  bool reuse_activations = false;
  // Per tensor, the index of the last node reading it (-1: none). For backends that reuse memory.
  std::vector<int> last_uses() const;
  void mark_output(TensorId id);

  // Human-readable listing: inputs, weights summary, one line per node.
  std::string to_string() const;

 private:
  int n_tokens_;
  uint64_t id_;
  std::vector<TensorDesc> tensors_;
  std::vector<Node> nodes_;
};

// "matmul q4_k", "rms_norm", ...: the op, with the weight type where it decides the kernel (profiles).
std::string profile_key(const Graph& g, const Node& node);

}  // namespace vkg
