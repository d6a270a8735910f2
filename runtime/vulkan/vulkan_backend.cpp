#include "runtime/vulkan/vulkan_backend.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

#include "runtime/quant/quant.h"
#include "runtime/vulkan/planner.h"
#include "runtime/vulkan/renderdoc.h"

namespace vkg::vk {


struct VulkanBackend::Step {
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
  bool ran = false;
};

VulkanBackend::VulkanBackend(const BackendOptions& o) : Backend(o) {
  ContextOptions co;
  co.device = o.device;
  co.validation = o.validation;
  co.max_memory = o.max_memory;
  if (const char* env = std::getenv("VKGEMMA_VALIDATION")) co.validation = co.validation || std::string(env) == "1";
  ctx_ = std::make_unique<Context>(co);
  profiling_ = o.profile;
  gpu_shaders_ = o.gpu_shaders;
  exact_ = o.exact_matmul;
  if (const char* env = std::getenv("VKGEMMA_GPU_SHADERS")) gpu_shaders_ = gpu_shaders_ || std::string(env) == "1";
  on_weight_upload_ = o.on_weight_upload;
  capture_decode_step_ = o.renderdoc_capture;
  if (profiling_ && ctx_->limits().timestampPeriod == 0)
    throw std::runtime_error("vulkan: --profile needs timestamp queries, which " + ctx_->info().name + " lacks");
  VkCommandPoolCreateInfo pi{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pi.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pi.queueFamilyIndex = ctx_->queue_family();
  VK_CHECK(vkCreateCommandPool(ctx_->device(), &pi, nullptr, &command_pool_));
  VkFenceCreateInfo fi{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  VK_CHECK(vkCreateFence(ctx_->device(), &fi, nullptr, &fence_));
}

VulkanBackend::~VulkanBackend() {
  VkDevice dev = ctx_->device();
  vkDeviceWaitIdle(dev);
  for (auto& [id, step] : steps_) destroy_step(*step);
  steps_.clear();
  vkDestroyFence(dev, fence_, nullptr);
  vkDestroyCommandPool(dev, command_pool_, nullptr);
  pipelines_.clear();
  weights_.clear();
  f32_weights_.clear();
  inv_freqs_.clear();
  kv_caches_.clear();
}

void VulkanBackend::destroy_step(Step& s) const {
  if (s.pool) vkDestroyDescriptorPool(ctx_->device(), s.pool, nullptr);
  if (s.timestamps) vkDestroyQueryPool(ctx_->device(), s.timestamps, nullptr);
  if (s.cmd) vkFreeCommandBuffers(ctx_->device(), command_pool_, 1, &s.cmd);
  s.pool = VK_NULL_HANDLE;
  s.timestamps = VK_NULL_HANDLE;
  s.cmd = VK_NULL_HANDLE;
  s.activations.clear();
}

// Before a new step allocates anything: everything it will add must fit what is left of the budget.
void VulkanBackend::check_memory(const Graph& g) const {
  const uint64_t budget = memory_budget();
  if (budget == 0) return;
  uint64_t weights = 0, caches = 0, activations = 0;
  std::set<const void*> seen;
  for (const TensorDesc& t : g.tensors()) {
    const uint64_t f32_bytes = static_cast<uint64_t>(t.elements()) * 4;
    if (t.role == TensorRole::weight) {
      if (!seen.insert(t.data).second || weights_.count(t.data) || f32_weights_.count(t.data)) continue;
      weights += t.shape.empty() ? 0 : static_cast<uint64_t>(row_bytes(t.dtype, t.cols()) * t.rows());
    } else if (t.role == TensorRole::kv_cache) {
      auto it = kv_caches_.find(t.name);
      if (it == kv_caches_.end() || it->second->size() != f32_bytes) caches += f32_bytes;
    } else {
      activations += f32_bytes;
    }
  }
  const uint64_t need = weights + caches + activations, used = ctx_->allocated_bytes();
  if (used + need > budget)
    throw std::runtime_error(
        "vulkan: a step of " + std::to_string(g.n_tokens()) + " token(s) needs " + format_bytes(need) + " more (weights " +
        format_bytes(weights) + " + KV cache " + format_bytes(caches) + " + activations " + format_bytes(activations) +
        ") but device '" + ctx_->info().name + "' has " + format_bytes(used < budget ? budget - used : 0) +
        " available (" + format_bytes(used) + " of " + format_bytes(budget) + " in use" +
        (max_memory_ && max_memory_ == budget ? ", capped by max_memory)" : ")"));
}

const Pipeline& VulkanBackend::pipeline(const std::string& name) {
  auto it = pipelines_.find(name);
  if (it == pipelines_.end()) it = pipelines_.emplace(name, std::make_unique<Pipeline>(*ctx_, name)).first;
  return *it->second;
}

void VulkanBackend::submit_and_wait(VkCommandBuffer cmd) const {
  VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cmd;
  VK_CHECK(vkResetFences(ctx_->device(), 1, &fence_));
  VK_CHECK(vkQueueSubmit(ctx_->queue(), 1, &si, fence_));
  VK_CHECK(vkWaitForFences(ctx_->device(), 1, &fence_, VK_TRUE, UINT64_MAX));
  check_validation();
}

void VulkanBackend::check_validation() const {
  std::vector<std::string> errors = const_cast<Context&>(*ctx_).take_validation_errors();
  if (errors.empty()) return;
  std::string msg = "vulkan validation: " + std::to_string(errors.size()) + " error(s); first: " + errors[0];
  throw std::runtime_error(msg);
}

// Records `record` into a one-time command buffer, submits it and waits.
void VulkanBackend::run_once(const std::function<void(VkCommandBuffer)>& record) const {
  VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  ai.commandPool = command_pool_;
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = 1;
  VkCommandBuffer cmd;
  VK_CHECK(vkAllocateCommandBuffers(ctx_->device(), &ai, &cmd));
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  vkBeginCommandBuffer(cmd, &bi);
  record(cmd);
  vkEndCommandBuffer(cmd);
  submit_and_wait(cmd);
  vkFreeCommandBuffers(ctx_->device(), command_pool_, 1, &cmd);
}

// Host -> buffer: a memcpy when the memory is mapped, else through a temporary staging buffer.
void VulkanBackend::upload(const Buffer& dst, const void* data, uint64_t bytes) {
  if (dst.mapped()) {
    std::memcpy(dst.mapped(), data, bytes);
    return;
  }
  Buffer staging(*ctx_, bytes, dst.name() + ".staging", true);
  std::memcpy(staging.mapped(), data, bytes);
  run_once([&](VkCommandBuffer cmd) {
    VkBufferCopy region{0, 0, bytes};
    vkCmdCopyBuffer(cmd, staging.handle(), dst.handle(), 1, &region);
  });
}

void VulkanBackend::download(const Buffer& src, void* data, uint64_t bytes) const {
  if (src.mapped()) {
    std::memcpy(data, src.mapped(), bytes);
    return;
  }
  Buffer staging(*ctx_, bytes, src.name() + ".readback", true);
  run_once([&](VkCommandBuffer cmd) {
    VkBufferCopy region{0, 0, bytes};
    vkCmdCopyBuffer(cmd, src.handle(), staging.handle(), 1, &region);
    VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    mb.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0, nullptr, 0,
                         nullptr);
  });
  std::memcpy(data, staging.mapped(), bytes);
}

// Big weights are split by rows: each chunk fits one binding (maxStorageBufferRange), one allocation, and a
// matmul dispatch grid (65535 groups of 8 rows).
const std::vector<WeightChunk>& VulkanBackend::weight_chunks(const TensorDesc& t) {
  auto it = weights_.find(t.data);
  if (it != weights_.end()) return it->second;
  const int64_t rb = row_bytes(t.dtype, t.cols());
  uint64_t limit = std::min<uint64_t>(ctx_->limits().maxStorageBufferRange, ctx_->info().max_allocation_bytes);
  limit = std::min<uint64_t>(limit, uint64_t(1) << 30) - 64;  // room for the buffer padding
  int64_t rows_per_chunk = std::min<int64_t>(static_cast<int64_t>(limit / static_cast<uint64_t>(rb)),
                                             int64_t(kMaxGroups) * kMatmulRowsPerGroup);
  if (rows_per_chunk < 1)
    throw std::runtime_error("vulkan: a row of weight '" + t.name + "' (" + std::to_string(rb) +
                             " bytes) exceeds the device's storage buffer range");
  std::vector<WeightChunk> chunks;
  for (int64_t begin = 0; begin < t.rows(); begin += rows_per_chunk) {
    WeightChunk c;
    c.row_begin = begin;
    c.rows = std::min(rows_per_chunk, t.rows() - begin);
    std::string name = t.name;
    if (t.rows() > rows_per_chunk) name += '[' + std::to_string(chunks.size()) + ']';
    c.buffer = std::make_unique<Buffer>(*ctx_, static_cast<uint64_t>(c.rows * rb), name, false);
    upload(*c.buffer, static_cast<const uint8_t*>(t.data) + begin * rb, static_cast<uint64_t>(c.rows * rb));
    if (on_weight_upload_) on_weight_upload_(static_cast<uint64_t>(c.rows * rb));
    chunks.push_back(std::move(c));
  }
  return weights_.emplace(t.data, std::move(chunks)).first->second;
}

// Small weights that shaders read as fp32 (norm scales): expanded once on upload.
const Buffer& VulkanBackend::f32_weight(const TensorDesc& t) {
  auto it = f32_weights_.find(t.data);
  if (it != f32_weights_.end()) return *it->second;
  std::vector<float> v(static_cast<size_t>(t.elements()));
  for (int64_t r = 0; r < t.rows(); ++r)
    dequantize_row(t.dtype, static_cast<const uint8_t*>(t.data) + r * row_bytes(t.dtype, t.cols()),
                        v.data() + r * t.cols(), t.cols());
  auto b = std::make_unique<Buffer>(*ctx_, v.size() * 4, t.name, false);
  upload(*b, v.data(), v.size() * 4);
  if (on_weight_upload_) on_weight_upload_(static_cast<uint64_t>(t.rows() * row_bytes(t.dtype, t.cols())));
  return *f32_weights_.emplace(t.data, std::move(b)).first->second;
}

// RoPE inverse frequencies, computed on the host exactly as the CPU kernel does (fp64, rounded once).
const Buffer& VulkanBackend::inv_freq(int head_dim, float theta) {
  auto key = std::make_pair(head_dim, theta);
  auto it = inv_freqs_.find(key);
  if (it != inv_freqs_.end()) return *it->second;
  std::vector<float> v(static_cast<size_t>(head_dim / 2));
  for (int i = 0; i < head_dim / 2; ++i) v[i] = static_cast<float>(std::pow(double(theta), -2.0 * i / head_dim));
  auto b = std::make_unique<Buffer>(*ctx_, v.size() * 4, "rope_inv_freq", false);
  upload(*b, v.data(), v.size() * 4);
  return *inv_freqs_.emplace(key, std::move(b)).first->second;
}

VulkanBackend::Step& VulkanBackend::prepare(const Graph& g) {
  auto it = steps_.find(g.id());
  if (it != steps_.end()) return *it->second;
  check_memory(g);
  // A step that fails half-way (out of memory, a bad node) takes back everything it allocated.
  std::set<const void*> had_weights, had_f32;
  std::map<std::string, const Buffer*> had_caches;
  for (const auto& [k, v] : weights_) had_weights.insert(k);
  for (const auto& [k, v] : f32_weights_) had_f32.insert(k);
  for (const auto& [k, v] : kv_caches_) had_caches[k] = v.get();
  std::set<std::pair<int, float>> had_inv_freqs;
  for (const auto& [k, v] : inv_freqs_) had_inv_freqs.insert(k);
  auto s = std::make_unique<Step>();
  try {
    prepare_step(*s, g);
  } catch (...) {
    vkDeviceWaitIdle(ctx_->device());
    destroy_step(*s);
    std::erase_if(weights_, [&](const auto& e) { return !had_weights.count(e.first); });
    std::erase_if(f32_weights_, [&](const auto& e) { return !had_f32.count(e.first); });
    std::erase_if(kv_caches_, [&](const auto& e) {
      auto h = had_caches.find(e.first);
      return h == had_caches.end() || h->second != e.second.get();
    });
    std::erase_if(inv_freqs_, [&](const auto& e) { return !had_inv_freqs.count(e.first); });
    throw;
  }
  return *steps_.emplace(g.id(), std::move(s)).first->second;
}

// The PlanContext of one node: buffers from the step and the weight store, the device's shape.
class NodePlanner : public PlanContext {
 public:
  NodePlanner(VulkanBackend& b, VulkanBackend::Step& s, const Graph& g, const Node& n, bool sizing,
              uint64_t (&scratch_need)[size_t(Scratch::count_)])
      : PlanContext(g, n), b_(b), s_(s), sizing_(sizing), scratch_need_(scratch_need) {}

  const Buffer* in(size_t i) override {
    const Buffer* buf = s_.tensor_buffer[static_cast<size_t>(node().inputs[i])];
    return buf ? buf : &b_.f32_weight(desc(i));
  }
  const Buffer* out() override { return s_.tensor_buffer[static_cast<size_t>(node().output)]; }
  const std::vector<WeightChunk>& weight_chunks(size_t i) override { return b_.weight_chunks(desc(i)); }
  const Buffer& rope_inv_freq(int head_dim, float theta) override { return b_.inv_freq(head_dim, theta); }
  const Buffer* scratch(Scratch which, uint64_t bytes) override {
    uint64_t& need = scratch_need_[size_t(which)];
    need = std::max(need, bytes);
    return sizing_ ? nullptr : s_.scratch[size_t(which)].get();
  }
  const Pipeline& pipeline(const std::string& shader) override { return b_.pipeline(shader); }
  const DeviceInfo& device() const override { return b_.ctx_->info(); }
  uint32_t max_texel_elements() const override { return b_.ctx_->limits().maxTexelBufferElements; }
  bool cpu_shaders() const override { return b_.cpu_shaders(); }
  bool exact() const override { return b_.exact_; }

 private:
  VulkanBackend& b_;
  VulkanBackend::Step& s_;
  bool sizing_;
  uint64_t (&scratch_need_)[size_t(Scratch::count_)];
};

// Two passes when a planner asks for scratch: the first learns the largest request of each kind (planners
// plan without it), the second plans with the scratch allocated.
void VulkanBackend::plan_nodes(Step& s, const Graph& g) {
  uint64_t need[size_t(Scratch::count_)] = {};
  for (bool sizing : {true, false}) {
    s.node_dispatches.clear();
    for (const Node& node : g.nodes()) {
      NodePlanner planner(*this, s, g, node, sizing, need);
      try {
        s.node_dispatches.push_back(std::visit([&](const auto& p) { return plan_op(p, planner); }, node.params));
      } catch (const std::exception& e) {
        throw std::runtime_error("vulkan backend, node '" + node.name + "' (" + op_name(node.op) + "): " + e.what());
      }
    }
    if (!sizing) return;
    bool any = false;
    for (size_t i = 0; i < size_t(Scratch::count_); ++i)
      if (need[i] > 0) {
        s.scratch[i] = std::make_unique<Buffer>(*ctx_, need[i], i == size_t(Scratch::pairs_xq) ? "prefill.pairs_xq" : "prefill.pairs_xd", false);
        any = true;
      }
    if (!any) return;  // nobody asked: the first pass's plans stand
  }
}

void VulkanBackend::prepare_step(Step& step, const Graph& g) {
  Step* s = &step;
  const size_t n_tensors = g.tensors().size();
  s->activations.resize(n_tensors);
  s->tensor_buffer.assign(n_tensors, nullptr);
  for (size_t i = 0; i < n_tensors; ++i) {
    const TensorDesc& t = g.tensor(static_cast<TensorId>(i));
    const uint64_t bytes = static_cast<uint64_t>(t.elements()) * 4;
    if (t.role == TensorRole::weight) continue;  // bound per dispatch (chunks)
    if (t.role == TensorRole::kv_cache) {
      auto& cache = kv_caches_[t.name];
      if (!cache || cache->size() != bytes) {
        cache = std::make_unique<Buffer>(*ctx_, bytes, t.name, false);
        std::vector<uint8_t> zeros(bytes, 0);
        upload(*cache, zeros.data(), bytes);
      }
      s->tensor_buffer[i] = cache.get();
      continue;
    }
    if (bytes + 64 > ctx_->limits().maxStorageBufferRange)
      throw std::runtime_error("vulkan: activation '" + t.name + "' (" + std::to_string(bytes) +
                               " bytes) exceeds the device's storage buffer range; use a smaller batch");
    if (g.reuse_activations && t.role == TensorRole::activation) continue;  // below, by lifetime
    // Inputs are written by the host every step and outputs read back: keep them host-visible.
    const bool host = t.role == TensorRole::input || t.role == TensorRole::output;
    s->activations[i] = std::make_unique<Buffer>(*ctx_, bytes, t.name, host);
    s->tensor_buffer[i] = s->activations[i].get();
  }
  if (g.reuse_activations) {
    // Intermediate activations by lifetime: a node's output takes the smallest free buffer that fits (or a
    // new one); a buffer is free again after the last node that reads its tensor. The recorder's hazard
    // tracking (by buffer) puts barriers before a buffer is overwritten.
    const std::vector<int> last_use = g.last_uses();
    std::vector<Buffer*> free_list;
    std::map<const Buffer*, TensorId> holder;
    for (size_t n = 0; n < g.nodes().size(); ++n) {
      const Node& node = g.nodes()[n];
      const TensorDesc& t = g.tensor(node.output);
      if (t.role == TensorRole::activation && !s->tensor_buffer[static_cast<size_t>(node.output)]) {
        const uint64_t bytes = static_cast<uint64_t>(t.elements()) * 4;
        auto best = free_list.end();
        for (auto it = free_list.begin(); it != free_list.end(); ++it)
          if ((*it)->size() >= bytes && (best == free_list.end() || (*it)->size() < (*best)->size())) best = it;
        Buffer* b = nullptr;
        if (best != free_list.end()) {
          b = *best;
          free_list.erase(best);
        } else {
          s->shared.push_back(std::make_unique<Buffer>(*ctx_, bytes, "shared." + t.name, false));
          b = s->shared.back().get();
        }
        s->tensor_buffer[static_cast<size_t>(node.output)] = b;
        holder[b] = node.output;
        if (last_use[static_cast<size_t>(node.output)] < 0) free_list.push_back(b);  // never read
      }
      for (TensorId in : node.inputs) {
        const Buffer* b = s->tensor_buffer[static_cast<size_t>(in)];
        if (g.tensor(in).role != TensorRole::activation || last_use[static_cast<size_t>(in)] != static_cast<int>(n)) continue;
        auto h = holder.find(b);
        if (h != holder.end() && h->second == in) {
          free_list.push_back(const_cast<Buffer*>(b));
          holder.erase(h);
        }
      }
    }
  }
  plan_nodes(*s, g);
  size_t n_sets = 0, n_descriptors = 0;
  for (const auto& dispatches : s->node_dispatches)
    for (const Dispatch& d : dispatches)
      if (d.pipeline) n_sets++, n_descriptors += d.buffers.size();
  const uint32_t pool_descriptors = static_cast<uint32_t>(std::max<size_t>(1, n_descriptors));
  const VkDescriptorPoolSize sizes[] = {{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, pool_descriptors},
                                        {VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, pool_descriptors}};
  VkDescriptorPoolCreateInfo pi{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
  pi.maxSets = static_cast<uint32_t>(std::max<size_t>(1, n_sets));
  pi.poolSizeCount = 2;
  pi.pPoolSizes = sizes;
  VK_CHECK(vkCreateDescriptorPool(ctx_->device(), &pi, nullptr, &s->pool));
  // Descriptor sets are written once: bindings never change between steps.
  for (auto& dispatches : s->node_dispatches)
    for (Dispatch& d : dispatches) {
      if (!d.pipeline) continue;  // a copy
      VkDescriptorSetLayout layout = d.pipeline->set_layout();
      VkDescriptorSetAllocateInfo ai{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
      ai.descriptorPool = s->pool;
      ai.descriptorSetCount = 1;
      ai.pSetLayouts = &layout;
      VK_CHECK(vkAllocateDescriptorSets(ctx_->device(), &ai, &d.set));
      std::vector<VkDescriptorBufferInfo> infos(d.buffers.size());
      std::vector<VkBufferView> views(d.buffers.size());
      std::vector<VkWriteDescriptorSet> writes(d.buffers.size());
      for (size_t b = 0; b < d.buffers.size(); ++b) {
        writes[b] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
        writes[b].dstSet = d.set;
        writes[b].dstBinding = static_cast<uint32_t>(b);
        writes[b].descriptorCount = 1;
        if (d.pipeline->layout().is_texel(static_cast<uint32_t>(b))) {
          views[b] = d.buffers[b]->texel_view();
          writes[b].descriptorType = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
          writes[b].pTexelBufferView = &views[b];
        } else {
          infos[b] = {d.buffers[b]->handle(), 0, d.buffers[b]->padded_size()};
          writes[b].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
          writes[b].pBufferInfo = &infos[b];
        }
      }
      vkUpdateDescriptorSets(ctx_->device(), static_cast<uint32_t>(writes.size()), writes.data(), 0, nullptr);
    }
  record(*s, g);
}

// One command buffer for the whole graph. A global barrier goes before a node only when it reads a buffer
// written since the last barrier, or writes one read or written since then.
void VulkanBackend::record(Step& s, const Graph& g) {
  VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  ai.commandPool = command_pool_;
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = 1;
  VK_CHECK(vkAllocateCommandBuffers(ctx_->device(), &ai, &s.cmd));
  ctx_->set_name(VK_OBJECT_TYPE_COMMAND_BUFFER, reinterpret_cast<uint64_t>(s.cmd),
                 "step of " + std::to_string(g.n_tokens()) + " token(s)");
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  VK_CHECK(vkBeginCommandBuffer(s.cmd, &bi));
  const uint32_t n_queries = static_cast<uint32_t>(g.nodes().size() * 2);
  if (profiling_) {
    VkQueryPoolCreateInfo qi{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
    qi.queryType = VK_QUERY_TYPE_TIMESTAMP;
    qi.queryCount = n_queries;
    VK_CHECK(vkCreateQueryPool(ctx_->device(), &qi, nullptr, &s.timestamps));
    vkCmdResetQueryPool(s.cmd, s.timestamps, 0, n_queries);
  }

  const VkPipelineStageFlags stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
  auto barrier = [&](VkPipelineStageFlags src_stage, VkAccessFlags src, VkPipelineStageFlags dst_stage,
                     VkAccessFlags dst) {
    VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    mb.srcAccessMask = src;
    mb.dstAccessMask = dst;
    vkCmdPipelineBarrier(s.cmd, src_stage, dst_stage, 0, 1, &mb, 0, nullptr, 0, nullptr);
  };
  const VkAccessFlags write_access = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  const VkAccessFlags all = write_access | VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_TRANSFER_READ_BIT;
  // Writes of the previous step (KV cache) and of the host (inputs) before anything reads them.
  barrier(stages | VK_PIPELINE_STAGE_HOST_BIT, write_access | VK_ACCESS_HOST_WRITE_BIT, stages, all);

  std::set<const Buffer*> written, read;
  const bool labels = ctx_->debug_utils() && vkCmdBeginDebugUtilsLabelEXT;
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    const Node& node = g.nodes()[i];
    const Buffer* out = s.tensor_buffer[static_cast<size_t>(node.output)];
    // What the node reads and writes: its output, and the scratch some of its dispatches write (a later
    // dispatch of the node reads that: a barrier between them, below).
    std::vector<const Buffer*> reads, writes = {out};
    for (TensorId in : node.inputs)
      if (const Buffer* b = s.tensor_buffer[static_cast<size_t>(in)]) reads.push_back(b);
    for (const Dispatch& d : s.node_dispatches[i]) {
      writes.insert(writes.end(), d.writes.begin(), d.writes.end());
      for (const Buffer* b : d.buffers)
        if (b != out && std::find(d.writes.begin(), d.writes.end(), b) == d.writes.end()) reads.push_back(b);
    }
    // Profiling serializes nodes so each one's time is its own.
    bool hazard = profiling_;
    for (const Buffer* b : writes) hazard = hazard || written.count(b) || read.count(b);
    for (const Buffer* b : reads) hazard = hazard || written.count(b);
    if (hazard) {
      barrier(stages, write_access, stages, all);
      s.barriers++;
      written.clear();
      read.clear();
    }
    if (labels) {
      VkDebugUtilsLabelEXT label{VK_STRUCTURE_TYPE_DEBUG_UTILS_LABEL_EXT};
      const std::string text = node.name + " (" + op_name(node.op) + ")";
      label.pLabelName = text.c_str();
      vkCmdBeginDebugUtilsLabelEXT(s.cmd, &label);
    }
    if (profiling_) vkCmdWriteTimestamp(s.cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, s.timestamps, uint32_t(2 * i));
    std::set<const Buffer*> node_written;  // scratch written by this node's earlier dispatches
    for (const Dispatch& d : s.node_dispatches[i]) {
      bool reads_scratch = false;
      for (const Buffer* b : d.buffers) reads_scratch = reads_scratch || node_written.count(b);
      if (reads_scratch) {
        barrier(stages, write_access, stages, all);
        s.barriers++;
        node_written.clear();
      }
      node_written.insert(d.writes.begin(), d.writes.end());
      if (d.copy_bytes > 0) {
        VkBufferCopy region{d.copy_offset, 0, d.copy_bytes};
        vkCmdCopyBuffer(s.cmd, d.copy_src->handle(), out->handle(), 1, &region);
        s.copies++;
        continue;
      }
      if (!d.writes.empty()) s.quantized_inputs++;
      vkCmdBindPipeline(s.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, d.pipeline->handle());
      vkCmdBindDescriptorSets(s.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, d.pipeline->pipeline_layout(), 0, 1, &d.set, 0,
                              nullptr);
      if (!d.push.empty())
        vkCmdPushConstants(s.cmd, d.pipeline->pipeline_layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0,
                           static_cast<uint32_t>(d.push.size() * 4), d.push.data());
      vkCmdDispatch(s.cmd, d.groups[0], d.groups[1], d.groups[2]);
      s.dispatches++;
    }
    if (profiling_) vkCmdWriteTimestamp(s.cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, s.timestamps, uint32_t(2 * i + 1));
    if (labels) vkCmdEndDebugUtilsLabelEXT(s.cmd);
    written.insert(writes.begin(), writes.end());
    for (const Buffer* b : reads) read.insert(b);
  }
  // Everything written becomes visible to the host (read-back) and to the next step.
  barrier(stages, write_access, stages | VK_PIPELINE_STAGE_HOST_BIT, all | VK_ACCESS_HOST_READ_BIT);
  VK_CHECK(vkEndCommandBuffer(s.cmd));
}

void VulkanBackend::run(const Graph& g, const StepInputs& in) {
  Step& s = prepare(g);
  for (size_t i = 0; i < g.tensors().size(); ++i) {
    const TensorDesc& t = g.tensors()[i];
    if (t.role != TensorRole::input) continue;
    const void* data = step_input_data(g, static_cast<TensorId>(i), in);
    upload(*s.tensor_buffer[i], data, static_cast<uint64_t>(t.elements()) * 4);
  }
  RenderDoc* renderdoc = capture_decode_step_ && g.n_tokens() == 1 ? RenderDoc::get() : nullptr;
  if (renderdoc) renderdoc->start_capture(ctx_->instance(), "vkgemma decode step at position " +
                                                                std::to_string(in.positions[0]));
  submit_and_wait(s.cmd);
  if (renderdoc) {
    renderdoc->end_capture(ctx_->instance());
    capture_decode_step_ = false;
  }
  s.ran = true;
  if (profiling_) collect_profile(s, g);
}

std::string VulkanBackend::step_summary(const Graph& g) const {
  auto it = steps_.find(g.id());
  if (it == steps_.end()) return "";
  const Step& s = *it->second;
  std::string text = std::to_string(s.dispatches) + " dispatches, " + std::to_string(s.copies) + " copies, " +
                     std::to_string(s.barriers) + " barriers in one command buffer";
  if (s.quantized_inputs > 0)
    text += "; " + std::to_string(s.quantized_inputs) + " matmuls with 8-bit activations (Q4_0/Q5_0/Q4_K/Q6_K prompt)";
  // Everything this backend holds so far (weights, caches, every prepared step), one VkDeviceMemory each.
  return text + "; device memory: " + std::to_string(ctx_->allocation_count()) + " allocations, " +
         format_bytes(ctx_->allocated_bytes());
}

void VulkanBackend::collect_profile(const Step& s, const Graph& g) {
  std::vector<uint64_t> ticks(g.nodes().size() * 2);
  VK_CHECK(vkGetQueryPoolResults(ctx_->device(), s.timestamps, 0, static_cast<uint32_t>(ticks.size()),
                                 ticks.size() * 8, ticks.data(), 8, VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT));
  const double ms_per_tick = ctx_->limits().timestampPeriod / 1e6;
  for (size_t i = 0; i < g.nodes().size(); ++i)
    profile_.add(profile_key(g, g.nodes()[i]), static_cast<double>(ticks[2 * i + 1] - ticks[2 * i]) * ms_per_tick);
}

std::vector<float> VulkanBackend::read(const Graph& g, TensorId id) const {
  auto it = steps_.find(g.id());
  if (it == steps_.end() || !it->second->ran)
    throw std::runtime_error("vulkan backend: graph has not run; cannot read '" + g.tensor(id).name + "'");
  const Buffer* b = it->second->tensor_buffer[static_cast<size_t>(id)];
  if (!b) throw std::runtime_error("vulkan backend: tensor '" + g.tensor(id).name + "' is a weight");
  if (g.reuse_activations && g.tensor(id).role == TensorRole::activation)
    throw std::runtime_error("vulkan backend: tensor '" + g.tensor(id).name +
                             "' is an intermediate of a graph that reuses activation memory");
  std::vector<float> out(static_cast<size_t>(g.tensor(id).elements()));
  download(*b, out.data(), out.size() * 4);
  return out;
}

void VulkanBackend::reset_cache() {
  for (auto& [name, cache] : kv_caches_) {
    std::vector<uint8_t> zeros(cache->size(), 0);
    upload(*cache, zeros.data(), zeros.size());
  }
}

}  // namespace vkg::vk
