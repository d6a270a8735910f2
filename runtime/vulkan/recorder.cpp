#include <algorithm>
#include <set>
#include <string>

#include "runtime/vulkan/step.h"

namespace vkg::vk {

namespace {

constexpr VkPipelineStageFlags kStages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
constexpr VkAccessFlags kWrites = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
constexpr VkAccessFlags kAll = kWrites | VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_TRANSFER_READ_BIT;

void barrier(VkCommandBuffer cmd, VkPipelineStageFlags src_stage, VkAccessFlags src, VkPipelineStageFlags dst_stage,
             VkAccessFlags dst) {
  VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  mb.srcAccessMask = src;
  mb.dstAccessMask = dst;
  vkCmdPipelineBarrier(cmd, src_stage, dst_stage, 0, 1, &mb, 0, nullptr, 0, nullptr);
}

// The buffers since the last global barrier: a node that reads one written, or writes one read or written,
// needs a barrier first.
struct Hazards {
  std::set<const Buffer*> written, read;
  // Whether work reading `reads` and writing `writes` must wait for what came before: it reads a buffer written,
  // or writes one read or written.
  bool conflict(const std::vector<const Buffer*>& reads, const std::vector<const Buffer*>& writes) const {
    bool hazard = false;
    for (const Buffer* b : writes) hazard = hazard || written.count(b) || read.count(b);
    for (const Buffer* b : reads) hazard = hazard || written.count(b);
    return hazard;
  }
  void add(const std::vector<const Buffer*>& reads, const std::vector<const Buffer*>& writes) {
    read.insert(reads.begin(), reads.end());
    written.insert(writes.begin(), writes.end());
  }
  void clear() { written.clear(), read.clear(); }
};

// The buffers a dispatch reads: its bindings but the node's output and the scratch it writes.
std::vector<const Buffer*> dispatch_reads(const Dispatch& d, const Buffer* out) {
  std::vector<const Buffer*> reads;
  for (const Buffer* b : d.buffers)
    if (b != out && std::find(d.writes.begin(), d.writes.end(), b) == d.writes.end()) reads.push_back(b);
  return reads;
}

// One node's dispatches (and copies). A barrier goes between two of its dispatches where the later reads
// scratch an earlier one wrote (quantize_pairs, then the matmul), or writes scratch an earlier one read or
// wrote since the last barrier (norm_gate_up's second product quantizing into the pairs its first one read).
// The same rule as between nodes (Hazards), over the scratch the dispatches list as written.
void record_dispatches(Step& s, const std::vector<Dispatch>& dispatches, const Buffer* out) {
  Hazards h;
  for (const Dispatch& d : dispatches) {
    const std::vector<const Buffer*> reads = dispatch_reads(d, out);
    if (h.conflict(reads, d.writes)) {
      barrier(s.cmd, kStages, kWrites, kStages, kAll);
      s.barriers++;
      h.clear();
    }
    h.add(reads, d.writes);
    if (d.copy_bytes > 0) {
      VkBufferCopy region{d.copy_offset, 0, d.copy_bytes};
      vkCmdCopyBuffer(s.cmd, d.copy_src->handle(), out->handle(), 1, &region);
      s.copies++;
      continue;
    }
    if (d.quantizes_input) s.quantized_inputs++;
    if (d.int8_dot) s.int8_products++;
    if (d.coopmat) s.coopmat_products++;
    vkCmdBindPipeline(s.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, d.pipeline->handle());
    vkCmdBindDescriptorSets(s.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, d.pipeline->pipeline_layout(), 0, 1, &d.set, 0,
                            nullptr);
    if (!d.push.empty())
      vkCmdPushConstants(s.cmd, d.pipeline->pipeline_layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0,
                         static_cast<uint32_t>(d.push.size() * 4), d.push.data());
    vkCmdDispatch(s.cmd, d.groups[0], d.groups[1], d.groups[2]);
    s.dispatches++;
  }
}

// Node i: a barrier first if it needs one (always when profiling, so each node's time is its own), its label,
// timestamps, dispatches.
void record_node(Step& s, const Graph& g, size_t i, bool labels, bool profiling, Hazards& h) {
  const Node& node = g.nodes()[i];
  const Buffer* out = s.tensor_buffer[static_cast<size_t>(node.output)];
  // What the node reads and writes: its output, and the scratch some of its dispatches write.
  std::vector<const Buffer*> reads, writes = {out};
  for (TensorId in : node.inputs)
    if (const Buffer* b = s.tensor_buffer[static_cast<size_t>(in)]) reads.push_back(b);
  for (const Dispatch& d : s.node_dispatches[i]) {
    writes.insert(writes.end(), d.writes.begin(), d.writes.end());
    const std::vector<const Buffer*> mine = dispatch_reads(d, out);
    reads.insert(reads.end(), mine.begin(), mine.end());
  }
  if (profiling || h.conflict(reads, writes)) {
    barrier(s.cmd, kStages, kWrites, kStages, kAll);
    s.barriers++;
    h.clear();
  }
  if (labels) {
    VkDebugUtilsLabelEXT label{VK_STRUCTURE_TYPE_DEBUG_UTILS_LABEL_EXT};
    const std::string text = node.name + " (" + op_name(node.op()) + ")";
    label.pLabelName = text.c_str();
    vkCmdBeginDebugUtilsLabelEXT(s.cmd, &label);
  }
  if (profiling) vkCmdWriteTimestamp(s.cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, s.timestamps, uint32_t(2 * i));
  record_dispatches(s, s.node_dispatches[i], out);
  if (profiling) vkCmdWriteTimestamp(s.cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, s.timestamps, uint32_t(2 * i + 1));
  if (labels) vkCmdEndDebugUtilsLabelEXT(s.cmd);
  h.add(reads, writes);
}

}  // namespace

// One command buffer for the whole graph. A global barrier goes before a node only when it reads a buffer
// written since the last barrier, or writes one read or written since then.
void record_step(Step& s, const Graph& g, const Context& ctx, VkCommandPool pool, bool profiling) {
  VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  ai.commandPool = pool;
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = 1;
  VK_CHECK(vkAllocateCommandBuffers(ctx.device(), &ai, &s.cmd));
  ctx.set_name(VK_OBJECT_TYPE_COMMAND_BUFFER, reinterpret_cast<uint64_t>(s.cmd),
               "step of " + std::to_string(g.n_tokens()) + " token(s)");
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  VK_CHECK(vkBeginCommandBuffer(s.cmd, &bi));
  if (profiling) {
    const uint32_t n_queries = static_cast<uint32_t>(g.nodes().size() * 2);
    VkQueryPoolCreateInfo qi{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
    qi.queryType = VK_QUERY_TYPE_TIMESTAMP;
    qi.queryCount = n_queries;
    VK_CHECK(vkCreateQueryPool(ctx.device(), &qi, nullptr, &s.timestamps));
    vkCmdResetQueryPool(s.cmd, s.timestamps, 0, n_queries);
  }
  // Writes of the previous step (KV cache) and of the host (inputs) before anything reads them.
  barrier(s.cmd, kStages | VK_PIPELINE_STAGE_HOST_BIT, kWrites | VK_ACCESS_HOST_WRITE_BIT, kStages, kAll);
  Hazards hazards;
  const bool labels = ctx.debug_utils() && vkCmdBeginDebugUtilsLabelEXT;
  for (size_t i = 0; i < g.nodes().size(); ++i) record_node(s, g, i, labels, profiling, hazards);
  // Everything written becomes visible to the host (read-back) and to the next step.
  barrier(s.cmd, kStages, kWrites, kStages | VK_PIPELINE_STAGE_HOST_BIT, kAll | VK_ACCESS_HOST_READ_BIT);
  VK_CHECK(vkEndCommandBuffer(s.cmd));
}

}  // namespace vkg::vk
