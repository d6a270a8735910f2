// Everything the Vulkan backend prepares for one graph: where each tensor lives, each node's dispatches, the
// descriptor sets and the command buffer recorded once and replayed every step.
#pragma once
#include <memory>
#include <vector>

#include "runtime/vulkan/planner.h"

namespace vkg::vk {

struct Step {
  std::vector<std::unique_ptr<Buffer>> activations;  // by TensorId (null for weights, caches, shared)
  std::vector<std::unique_ptr<Buffer>> shared;       // graph.reuse_activations: buffers several tensors use
  std::unique_ptr<Buffer> scratch[size_t(Scratch::count_)];  // planners' shared scratch, the largest request
  std::vector<const Buffer*> tensor_buffer;          // by TensorId: where the tensor lives
  std::vector<std::vector<Dispatch>> node_dispatches;
  VkDescriptorPool pool = VK_NULL_HANDLE;
  VkCommandBuffer cmd = VK_NULL_HANDLE;
  VkQueryPool timestamps = VK_NULL_HANDLE;  // two per node when profiling
  int dispatches = 0, barriers = 0, copies = 0;
  int quantized_inputs = 0;  // quantize_pairs dispatches (prompt matmuls with 8-bit activations)
  int int8_products = 0;     // matmul.comp INT8_DOT dispatches (decode with 8-bit activations)
  int coopmat_products = 0;  // matmul_tiled.comp COOPMAT dispatches (prompts in fp16 cooperative matrices)
  bool ran = false;
};

// Intermediate activations of a graph with reuse_activations by lifetime: a node's output takes the smallest
// free buffer that fits (or a new one in s.shared); a buffer is free again after the last node that reads its
// tensor. The recorder's hazard tracking (by buffer) puts barriers before a buffer is overwritten.
void place_by_lifetime(Step& s, const Graph& g, const Context& ctx);

// One descriptor set per dispatch (copies have none), from a pool sized for the step; written once, as the
// bindings never change between steps.
void write_descriptor_sets(Step& s, const Context& ctx);

// Records the whole graph into s.cmd (allocated from `pool`): every node's dispatches with a global barrier
// before a node only where it reads a buffer written since the last barrier, or writes one read or written
// since then; a debug label per node; with `profiling`, timestamps around each node (nodes serialized).
void record_step(Step& s, const Graph& g, const Context& ctx, VkCommandPool pool, bool profiling);

}  // namespace vkg::vk
