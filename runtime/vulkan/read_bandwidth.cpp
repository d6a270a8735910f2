// See read_bandwidth.h.
#include "runtime/vulkan/read_bandwidth.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "read_bandwidth_spv.h"  // generated from read_bandwidth.comp by the top-level CMakeLists.txt
#include "read_bandwidth_texels_spv.h"  // its TEXELS variant
#include "runtime/vulkan/vulkan_backend.h"

namespace vkg::vk {

namespace {
constexpr uint32_t kLocalSize = 256;      // read_bandwidth.comp's local_size_x
constexpr uint32_t kWordsPerThread = 16;  // grid-stride iterations per invocation: enough loads in flight
constexpr uint32_t kNever = 0xFFFFFFFFu;  // the fold of words that are all 0x5A5A5A5A is 0, never this

// Static: a Pipeline keeps a reference to its code (it compiles later), as to the registry's entries.
const ShaderCode& probe_shader(bool texels) {
  auto make = [](const char* name, const uint32_t* words, size_t bytes, uint32_t texel_mask) {
    ShaderCode code{};
    code.name = name;
    code.words = words;
    code.word_count = bytes / sizeof(uint32_t);
    code.layout.n_bindings = 2;
    code.layout.texel_mask = texel_mask;
    code.layout.push_constant_bytes = 8;
    code.layout.local_size[0] = kLocalSize;
    return code;
  };
  static const ShaderCode storage =
      make("read_bandwidth", vkg_read_bandwidth_spv, sizeof(vkg_read_bandwidth_spv), 0);
  static const ShaderCode texel =
      make("read_bandwidth_texels", vkg_read_bandwidth_texels_spv, sizeof(vkg_read_bandwidth_texels_spv), 1);
  return texels ? texel : storage;
}
}  // namespace

VulkanReadBandwidthProbe::VulkanReadBandwidthProbe(const Context& ctx, int64_t bytes, bool texels)
    : ctx_(ctx), transfer_(ctx) {
  int64_t limit = static_cast<int64_t>(std::min<uint64_t>(ctx.limits().maxStorageBufferRange,
                                                           ctx.info().max_allocation_bytes)) - 64;
  if (texels) limit = std::min<int64_t>(limit, int64_t{ctx.limits().maxTexelBufferElements} * 16 - 64);
  const int64_t size = std::min(std::clamp<int64_t>(bytes, int64_t{256} << 20, int64_t{1} << 30), limit) / 4096 * 4096;
  data_ = std::make_unique<Buffer>(ctx, static_cast<uint64_t>(size), "read_bandwidth.data", false);
  sink_ = std::make_unique<Buffer>(ctx, 16, "read_bandwidth.sink", false);
  pipeline_ = std::make_unique<Pipeline>(ctx, probe_shader(texels));
  pipeline_->compile(VK_NULL_HANDLE);  // a one-off probe: no pipeline cache

  const VkDescriptorPoolSize pool_sizes[2] = {{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 2},
                                              {VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, 1}};
  VkDescriptorPoolCreateInfo pi{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
  pi.maxSets = 1;
  pi.poolSizeCount = 2;
  pi.pPoolSizes = pool_sizes;
  VK_CHECK(vkCreateDescriptorPool(ctx.device(), &pi, nullptr, &pool_));
  VkDescriptorSetLayout layout = pipeline_->set_layout();
  VkDescriptorSetAllocateInfo ai{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
  ai.descriptorPool = pool_;
  ai.descriptorSetCount = 1;
  ai.pSetLayouts = &layout;
  VK_CHECK(vkAllocateDescriptorSets(ctx.device(), &ai, &set_));
  const VkDescriptorBufferInfo infos[2] = {{data_->handle(), 0, static_cast<VkDeviceSize>(size)},
                                           {sink_->handle(), 0, 16}};
  const VkBufferView data_view = texels ? data_->texel_view() : VK_NULL_HANDLE;
  VkWriteDescriptorSet writes[2];
  for (uint32_t b = 0; b < 2; ++b) {
    writes[b] = {VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
    writes[b].dstSet = set_;
    writes[b].dstBinding = b;
    writes[b].descriptorCount = 1;
    writes[b].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    writes[b].pBufferInfo = &infos[b];
  }
  if (texels) {
    writes[0].descriptorType = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
    writes[0].pBufferInfo = nullptr;
    writes[0].pTexelBufferView = &data_view;
  }
  vkUpdateDescriptorSets(ctx.device(), 2, writes, 0, nullptr);

  const uint64_t words = static_cast<uint64_t>(size) / 16;
  groups_ = static_cast<uint32_t>(std::clamp<uint64_t>((words + kLocalSize * kWordsPerThread - 1) /
                                                           (kLocalSize * kWordsPerThread),
                                                       1, ctx.limits().maxComputeWorkGroupCount[0]));
  // Written once: memory never written may read as one shared zero page (lavapipe) and measure a cache.
  transfer_.run_once([&](VkCommandBuffer cmd) {
    vkCmdFillBuffer(cmd, data_->handle(), 0, VK_WHOLE_SIZE, 0x5A5A5A5Au);
    VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    mb.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &mb, 0,
                         nullptr, 0, nullptr);
  });
  // A warm-up pass, which also sizes a measurement: about 20 ms of passes.
  const double one = run_passes(1);
  passes_ = static_cast<int>(std::clamp(std::ceil(0.02 / std::max(one, 1e-6)), 1.0, 256.0));
}

VulkanReadBandwidthProbe::~VulkanReadBandwidthProbe() { vkDestroyDescriptorPool(ctx_.device(), pool_, nullptr); }

double VulkanReadBandwidthProbe::run_passes(int passes) {
  const uint32_t push[2] = {static_cast<uint32_t>(data_->size() / 16), kNever};
  const auto t0 = std::chrono::steady_clock::now();
  transfer_.run_once([&](VkCommandBuffer cmd) {
    vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline_->handle());
    vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline_->pipeline_layout(), 0, 1, &set_, 0,
                            nullptr);
    vkCmdPushConstants(cmd, pipeline_->pipeline_layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof(push), push);
    // No barriers between the passes: they only read (the sink is never written), so they may overlap, and
    // the figure is the memory's rather than one dispatch's ramp-up and drain.
    for (int i = 0; i < passes; ++i) vkCmdDispatch(cmd, groups_, 1, 1);
  });
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double VulkanReadBandwidthProbe::measure_gbps() {
  return static_cast<double>(bytes()) * passes_ / run_passes(passes_) / 1e9;
}

}  // namespace vkg::vk

namespace vkg {

std::unique_ptr<ReadBandwidthProbe> make_device_read_bandwidth_probe(const Backend& backend, int64_t bytes) {
  const auto* vulkan = dynamic_cast<const vk::VulkanBackend*>(&backend);
  if (!vulkan) return nullptr;
  return std::make_unique<vk::VulkanReadBandwidthProbe>(vulkan->context(), bytes, vulkan->cpu_shaders());
}

}  // namespace vkg
