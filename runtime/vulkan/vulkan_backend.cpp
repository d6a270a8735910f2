#include "runtime/vulkan/vulkan_backend.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

#include "runtime/vulkan/planner.h"
#include "runtime/vulkan/renderdoc.h"
#include "runtime/vulkan/step.h"

namespace vkg::vk {

namespace {
// Shader and transfer writes before this point are visible to the transfer commands after it.
void after_writes(VkCommandBuffer cmd) {
  const VkMemoryBarrier b{VK_STRUCTURE_TYPE_MEMORY_BARRIER, nullptr,
                          VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
                          VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT};
  vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                       VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &b, 0, nullptr, 0, nullptr);
}
}  // namespace

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
  const std::string kernels = std::getenv("VKGEMMA_KERNELS") ? std::getenv("VKGEMMA_KERNELS") : "";
  // Rows per lane share the input through 8-lane subgroup shuffles (matmul_lanes.comp).
  lane_rows_ = cpu_shaders() && ctx_->info().subgroup_size == 8 && ctx_->info().subgroup_shuffle &&
               kernels.find("flat-decode") == std::string::npos;
  subgroup_sums_ = ctx_->info().subgroup_shuffle && kernels.find("tree-sum") == std::string::npos;
  decode_rows2_ = !cpu_shaders() && subgroup_sums_ && kernels.find("decode-rows2") != std::string::npos;
  if (kernels.find("decode-wg64") != std::string::npos) decode_threads_ = PlanContext::DecodeThreads::always64;
  if (kernels.find("decode-wg256") != std::string::npos) decode_threads_ = PlanContext::DecodeThreads::always256;
  // Packed int8 dot products in GPU products (matmul.comp and matmul_tiled.comp INT8_DOT): asked for, and the
  // device has them.
  int8_dot_ = !cpu_shaders() && subgroup_sums_ && ctx_->info().int8_dot && kernels.find("int8-dot") != std::string::npos;
  flash_attention_ = kernels.find("attention-per-query") == std::string::npos;
  if (kernels.find("int8-dot") != std::string::npos && !int8_dot_)
    notices_.push_back("VKGEMMA_KERNELS=int8-dot ignored: " +
                       std::string(cpu_shaders() ? "the CPU-device shader set runs (VKGEMMA_GPU_SHADERS=1 takes the GPU set)"
                                   : !ctx_->info().int8_dot ? ctx_->info().name + " lacks VK_KHR_shader_integer_dot_product"
                                                            : "it needs subgroup sums (not with tree-sum)"));
  // fp16 cooperative matrices in GPU prompts: asked for, and a size the device lists was compiled (the variants
  // need glslang 13+ at build time: shaders/CMakeLists.txt COMPILER next).
  if (kernels.find("coopmat") != std::string::npos) {
    const auto compiled = [](uint32_t n) {
      return coopmat_size_feature(n) != 0 &&
             find_shader(shader_key(Shader::matmul_tiled, DType::F32, ShaderFeature::coopmat | coopmat_size_feature(n))) != nullptr;
    };
    const std::vector<uint32_t>& sizes = ctx_->info().coopmat_f16_sizes;
    if (!cpu_shaders() && !exact_)
      for (auto n = sizes.rbegin(); n != sizes.rend() && coopmat_size_ == 0; ++n)
        if (compiled(*n)) coopmat_size_ = *n;
    if (coopmat_size_ == 0)
      notices_.push_back(
          "VKGEMMA_KERNELS=coopmat ignored: " +
          std::string(cpu_shaders() ? "the CPU-device shader set runs (VKGEMMA_GPU_SHADERS=1 takes the GPU set)"
                      : exact_      ? "exact fp32 products asked for"
                      : sizes.empty() ? ctx_->info().name + " lacks fp16 cooperative matrices (VK_KHR_cooperative_matrix)"
                      : !compiled(16) && !compiled(8)
                          ? "this build has no cooperative-matrix shaders (no glslang 13+ at build time; tools/setup.sh installs one)"
                          : "none of the device's sizes was compiled (16, 8)"));
  }
  capture_decode_step_ = o.renderdoc_capture;
  if (profiling_ && ctx_->limits().timestampPeriod == 0)
    throw std::runtime_error("vulkan: --profile needs timestamp queries, which " + ctx_->info().name + " lacks");
  pipeline_cache_ = std::make_unique<PipelineCache>(*ctx_, pipeline_cache_dir());
  notices_.push_back(pipeline_cache_->describe());
  transfer_ = std::make_unique<Transfer>(*ctx_);
  weights_ = std::make_unique<WeightStore>(*ctx_, *transfer_, o.on_weight_upload, lane_rows_);
}

VulkanBackend::~VulkanBackend() {
  VkDevice dev = ctx_->device();
  vkDeviceWaitIdle(dev);
  for (auto& [id, step] : steps_) destroy_step(*step);
  steps_.clear();
  pipelines_.clear();
  pipeline_cache_.reset();
  weights_.reset();
  kv_caches_.clear();
  transfer_.reset();
}

void VulkanBackend::destroy_step(Step& s) const {
  if (s.pool) vkDestroyDescriptorPool(ctx_->device(), s.pool, nullptr);
  if (s.timestamps) vkDestroyQueryPool(ctx_->device(), s.timestamps, nullptr);
  if (s.cmd) vkFreeCommandBuffers(ctx_->device(), transfer_->command_pool(), 1, &s.cmd);
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
      if (!seen.insert(t.data).second || weights_->holds(t.data)) continue;
      weights += t.shape.empty() ? 0 : static_cast<uint64_t>(weights_->row_stride(t) * t.rows());
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

const Pipeline& VulkanBackend::pipeline(const ShaderCode& code) {
  auto it = pipelines_.find(&code);
  if (it == pipelines_.end()) it = pipelines_.emplace(&code, std::make_unique<Pipeline>(*ctx_, code)).first;
  return *it->second;
}

void VulkanBackend::compile_pipelines(const Step& s) {
  std::set<const Pipeline*> used;
  for (const auto& dispatches : s.node_dispatches)
    for (const Dispatch& d : dispatches) used.insert(d.pipeline);
  for (auto& [code, p] : pipelines_)
    if (!p->compiled() && used.count(p.get())) {
      p->compile(pipeline_cache_->handle());
      ++unsaved_pipelines_;
    }
}

Step& VulkanBackend::prepare(const Graph& g) {
  auto it = steps_.find(g.id());
  if (it != steps_.end()) return *it->second;
  check_memory(g);
  // A step that fails half-way (out of memory, a bad node) takes back everything it allocated.
  const WeightStore::Mark had_weights = weights_->mark();
  std::map<std::string, const Buffer*> had_caches;
  for (const auto& [k, v] : kv_caches_) had_caches[k] = v.get();
  auto s = std::make_unique<Step>();
  try {
    prepare_step(*s, g);
    // Saved now rather than at exit: `vkgemma run` ends without destructors, and the next run should start warm.
    if (unsaved_pipelines_ > 0) {
      pipeline_cache_->save();
      unsaved_pipelines_ = 0;
    }
  } catch (...) {
    vkDeviceWaitIdle(ctx_->device());
    destroy_step(*s);
    weights_->rollback(had_weights);
    std::erase_if(kv_caches_, [&](const auto& e) {
      auto h = had_caches.find(e.first);
      return h == had_caches.end() || h->second != e.second.get();
    });
    throw;
  }
  return *steps_.emplace(g.id(), std::move(s)).first->second;
}

// The PlanContext of one node: buffers from the step and the weight store, the device's shape.
class NodePlanner : public PlanContext {
 public:
  NodePlanner(VulkanBackend& b, Step& s, const Graph& g, const Node& n, bool sizing,
              uint64_t (&scratch_need)[size_t(Scratch::count_)])
      : PlanContext(g, n), b_(b), s_(s), sizing_(sizing), scratch_need_(scratch_need) {}

  const Buffer* in(size_t i) override {
    const Buffer* buf = s_.tensor_buffer[static_cast<size_t>(node().inputs[i])];
    return buf ? buf : &b_.weights_->f32(desc(i));
  }
  const Buffer* out() override { return s_.tensor_buffer[static_cast<size_t>(node().output)]; }
  const std::vector<WeightChunk>& weight_chunks(size_t i) override { return b_.weights_->chunks(desc(i)); }
  const Buffer& rope_inv_freq(const RopeParams& rope) override { return b_.weights_->rope_inv_freq(rope); }
  const Buffer* scratch(Scratch which, uint64_t bytes) override {
    uint64_t& need = scratch_need_[size_t(which)];
    need = std::max(need, bytes);
    return sizing_ ? nullptr : s_.scratch[size_t(which)].get();
  }
  const Pipeline& pipeline(const ShaderCode& shader) override { return b_.pipeline(shader); }
  const DeviceInfo& device() const override { return b_.ctx_->info(); }
  uint32_t max_texel_elements() const override { return b_.ctx_->limits().maxTexelBufferElements; }
  bool cpu_shaders() const override { return b_.cpu_shaders(); }
  bool exact() const override { return b_.exact_; }
  bool lane_rows_kernels() const override { return b_.lane_rows_; }
  bool subgroup_sums() const override { return b_.subgroup_sums_; }
  bool decode_rows2() const override { return b_.decode_rows2_; }
  DecodeThreads decode_threads() const override { return b_.decode_threads_; }
  bool int8_dot() const override { return b_.int8_dot_; }
  uint32_t coopmat_size() const override { return b_.coopmat_size_; }
  bool flash_attention() const override { return b_.flash_attention_; }

 private:
  VulkanBackend& b_;
  Step& s_;
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
        throw std::runtime_error("vulkan backend, node '" + node.name + "' (" + op_name(node.op()) + "): " + e.what());
      }
    }
    if (!sizing) return;
    bool any = false;
    for (size_t i = 0; i < size_t(Scratch::count_); ++i)
      if (need[i] > 0) {
        s.scratch[i] = std::make_unique<Buffer>(*ctx_, need[i], scratch_name(Scratch(i)), false);
        if (Scratch(i) == Scratch::counters) {  // the only scratch read before it is written (planner.h)
          const Buffer& b = *s.scratch[i];
          transfer_->run_once([&](VkCommandBuffer cmd) { vkCmdFillBuffer(cmd, b.handle(), 0, VK_WHOLE_SIZE, 0); });
        }
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
        // New, or grown with the sequence: zeros, then the rows held so far in place (the session grows a
        // sliding layer's ring only while no position has wrapped, so slot = position in what is kept).
        auto grown = std::make_unique<Buffer>(*ctx_, bytes, t.name, false);
        const Buffer* old = cache.get();
        const uint64_t kept = old ? std::min(old->size(), bytes) : 0;
        transfer_->run_once([&](VkCommandBuffer cmd) {
          vkCmdFillBuffer(cmd, grown->handle(), 0, VK_WHOLE_SIZE, 0);
          if (kept == 0) return;
          after_writes(cmd);  // the old rows (earlier steps' shaders) and the fill, before the copy
          const VkBufferCopy region{0, 0, kept};
          vkCmdCopyBuffer(cmd, old->handle(), grown->handle(), 1, &region);
        });
        cache = std::move(grown);
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
  if (g.reuse_activations) place_by_lifetime(*s, g, *ctx_);
  plan_nodes(*s, g);
  compile_pipelines(*s);
  write_descriptor_sets(*s, *ctx_);
  record_step(*s, g, *ctx_, transfer_->command_pool(), profiling_);
}

void VulkanBackend::run(const Graph& g, const StepInputs& in) {
  Step& s = prepare(g);
  for (size_t i = 0; i < g.tensors().size(); ++i) {
    const TensorDesc& t = g.tensors()[i];
    if (t.role != TensorRole::input) continue;
    const void* data = step_input_data(g, static_cast<TensorId>(i), in);
    transfer_->upload(*s.tensor_buffer[i], data, static_cast<uint64_t>(t.elements()) * 4);
  }
  RenderDoc* renderdoc = capture_decode_step_ && g.n_tokens() == 1 ? RenderDoc::get() : nullptr;
  if (renderdoc) renderdoc->start_capture(ctx_->instance(), "vkgemma decode step at position " +
                                                                std::to_string(in.positions[0]));
  transfer_->submit_and_wait(s.cmd);
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
  if (s.int8_products > 0) text += "; " + std::to_string(s.int8_products) + " matmuls with int8 dot products";
  if (s.coopmat_products > 0)
    text += "; " + std::to_string(s.coopmat_products) + " matmuls in fp16 cooperative matrices";
  // Which shader set ran (VKGEMMA_GPU_SHADERS / VKGEMMA_KERNELS force the others), so a figure names it.
  if (cpu_shaders())
    text += std::string("; kernels: CPU-device set, ") + (lane_rows_ ? "rows per lane" : "flat units");
  else
    text += std::string("; kernels: GPU set, ") + (subgroup_sums_ ? "subgroup sums" : "shared-memory tree sums") +
            (decode_rows2_ ? ", 2 rows per workgroup in decode" : "") +
            (decode_threads_ == PlanContext::DecodeThreads::always64    ? ", 64 threads per decode workgroup"
             : decode_threads_ == PlanContext::DecodeThreads::always256 ? ", 256 threads per decode workgroup"
                                                                        : "") +
            (int8_dot_ ? (exact_ ? ", no int8 dot products (exact fp32 asked for)" : ", int8 dot products in decode and prompt products") : "") +
            (coopmat_size_ ? ", prompts in " + std::to_string(coopmat_size_) + "x" + std::to_string(coopmat_size_) + " fp16 cooperative matrices" : "") +
            (flash_attention_ ? "" : ", prompts' attention per query");
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
  transfer_->download(*b, out.data(), out.size() * 4);
  return out;
}

void VulkanBackend::reset_cache() {
  transfer_->run_once([&](VkCommandBuffer cmd) {
    after_writes(cmd);
    for (auto& [name, cache] : kv_caches_) vkCmdFillBuffer(cmd, cache->handle(), 0, VK_WHOLE_SIZE, 0);
  });
}

void VulkanBackend::forget(const Graph& g) {
  auto it = steps_.find(g.id());
  if (it == steps_.end()) return;
  vkDeviceWaitIdle(ctx_->device());  // its command buffer may not be pending when it is freed
  destroy_step(*it->second);
  steps_.erase(it);
}

Backend::MemoryParts VulkanBackend::memory_parts() const {
  MemoryParts m;
  m.weights = weights_->bytes();
  for (const auto& [name, cache] : kv_caches_) m.kv_cache += cache->size();
  for (const auto& [id, step] : steps_) {
    for (const auto& b : step->activations) m.activations += b ? b->size() : 0;
    for (const auto& b : step->shared) m.activations += b ? b->size() : 0;
    for (const auto& b : step->scratch) m.activations += b ? b->size() : 0;
  }
  return m;
}

}  // namespace vkg::vk
