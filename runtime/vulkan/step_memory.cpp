#include <algorithm>
#include <map>
#include <string>

#include "runtime/vulkan/step.h"

namespace vkg::vk {

void place_by_lifetime(Step& s, const Graph& g, const Context& ctx) {
  const std::vector<int> last_use = g.last_uses();
  std::vector<Buffer*> free_list;
  std::map<const Buffer*, TensorId> holder;
  for (size_t n = 0; n < g.nodes().size(); ++n) {
    const Node& node = g.nodes()[n];
    const TensorDesc& t = g.tensor(node.output);
    if (t.role == TensorRole::activation && !s.tensor_buffer[static_cast<size_t>(node.output)]) {
      const uint64_t bytes = static_cast<uint64_t>(t.elements()) * 4;
      auto best = free_list.end();
      for (auto it = free_list.begin(); it != free_list.end(); ++it)
        if ((*it)->size() >= bytes && (best == free_list.end() || (*it)->size() < (*best)->size())) best = it;
      Buffer* b = nullptr;
      if (best != free_list.end()) {
        b = *best;
        free_list.erase(best);
      } else {
        s.shared.push_back(std::make_unique<Buffer>(ctx, bytes, "shared." + t.name, false));
        b = s.shared.back().get();
      }
      s.tensor_buffer[static_cast<size_t>(node.output)] = b;
      holder[b] = node.output;
      if (last_use[static_cast<size_t>(node.output)] < 0) free_list.push_back(b);  // never read
    }
    for (TensorId in : node.inputs) {
      const Buffer* b = s.tensor_buffer[static_cast<size_t>(in)];
      if (g.tensor(in).role != TensorRole::activation || last_use[static_cast<size_t>(in)] != static_cast<int>(n)) continue;
      auto h = holder.find(b);
      if (h != holder.end() && h->second == in) {
        free_list.push_back(const_cast<Buffer*>(b));
        holder.erase(h);
      }
    }
  }
}

void write_descriptor_sets(Step& s, const Context& ctx) {
  size_t n_sets = 0, n_descriptors = 0;
  for (const auto& dispatches : s.node_dispatches)
    for (const Dispatch& d : dispatches)
      if (d.pipeline) n_sets++, n_descriptors += d.buffers.size();
  const uint32_t pool_descriptors = static_cast<uint32_t>(std::max<size_t>(1, n_descriptors));
  const VkDescriptorPoolSize sizes[] = {{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, pool_descriptors},
                                        {VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, pool_descriptors}};
  VkDescriptorPoolCreateInfo pi{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
  pi.maxSets = static_cast<uint32_t>(std::max<size_t>(1, n_sets));
  pi.poolSizeCount = 2;
  pi.pPoolSizes = sizes;
  VK_CHECK(vkCreateDescriptorPool(ctx.device(), &pi, nullptr, &s.pool));
  // Descriptor sets are written once: bindings never change between steps.
  for (auto& dispatches : s.node_dispatches)
    for (Dispatch& d : dispatches) {
      if (!d.pipeline) continue;  // a copy
      VkDescriptorSetLayout layout = d.pipeline->set_layout();
      VkDescriptorSetAllocateInfo ai{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
      ai.descriptorPool = s.pool;
      ai.descriptorSetCount = 1;
      ai.pSetLayouts = &layout;
      VK_CHECK(vkAllocateDescriptorSets(ctx.device(), &ai, &d.set));
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
      vkUpdateDescriptorSets(ctx.device(), static_cast<uint32_t>(writes.size()), writes.data(), 0, nullptr);
    }
}

}  // namespace vkg::vk
