#include "app/desktop/swapchain_renderer.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include "app/desktop/imgui_textures.h"
#include "backends/imgui_impl_vulkan.h"
#include "imgui.h"

namespace vkg_desktop {
namespace {

// ImGui's colours are meant for a UNORM target (an sRGB one would wash them out).
VkSurfaceFormatKHR choose_format(VkPhysicalDevice physical, VkSurfaceKHR surface) {
  uint32_t n = 0;
  VK_CHECK(vkGetPhysicalDeviceSurfaceFormatsKHR(physical, surface, &n, nullptr));
  std::vector<VkSurfaceFormatKHR> formats(n);
  VK_CHECK(vkGetPhysicalDeviceSurfaceFormatsKHR(physical, surface, &n, formats.data()));
  if (formats.empty()) throw std::runtime_error("vulkan: the window's surface offers no formats");
  for (VkFormat want : {VK_FORMAT_B8G8R8A8_UNORM, VK_FORMAT_R8G8B8A8_UNORM})
    for (const VkSurfaceFormatKHR& f : formats)
      if (f.format == want && f.colorSpace == VK_COLOR_SPACE_SRGB_NONLINEAR_KHR) return f;
  return formats[0];
}

// FIFO (vsync, always available) unless VKGEMMA_CHAT_PRESENT=mailbox|immediate asks otherwise and the surface
// has it: a measurement of the UI's own speed wants no vsync cap.
VkPresentModeKHR choose_present_mode(VkPhysicalDevice physical, VkSurfaceKHR surface) {
  const char* env = std::getenv("VKGEMMA_CHAT_PRESENT");
  if (!env) return VK_PRESENT_MODE_FIFO_KHR;
  const VkPresentModeKHR want = std::strcmp(env, "mailbox") == 0     ? VK_PRESENT_MODE_MAILBOX_KHR
                                : std::strcmp(env, "immediate") == 0 ? VK_PRESENT_MODE_IMMEDIATE_KHR
                                                                     : VK_PRESENT_MODE_FIFO_KHR;
  uint32_t n = 0;
  vkGetPhysicalDeviceSurfacePresentModesKHR(physical, surface, &n, nullptr);
  std::vector<VkPresentModeKHR> modes(n);
  vkGetPhysicalDeviceSurfacePresentModesKHR(physical, surface, &n, modes.data());
  return std::find(modes.begin(), modes.end(), want) != modes.end() ? want : VK_PRESENT_MODE_FIFO_KHR;
}

void image_barrier(VkCommandBuffer cb, VkImage image, VkImageLayout from, VkImageLayout to, VkAccessFlags src_access,
                   VkAccessFlags dst_access, VkPipelineStageFlags src_stage, VkPipelineStageFlags dst_stage) {
  VkImageMemoryBarrier b{VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER};
  b.srcAccessMask = src_access;
  b.dstAccessMask = dst_access;
  b.oldLayout = from;
  b.newLayout = to;
  b.srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  b.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
  b.image = image;
  b.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
  vkCmdPipelineBarrier(cb, src_stage, dst_stage, 0, 0, nullptr, 0, nullptr, 1, &b);
}

}  // namespace

SwapchainRenderer::SwapchainRenderer(GpuDevice& gpu, GLFWwindow* window) : gpu_(gpu), window_(window) {
  format_ = choose_format(gpu.physical(), gpu.surface());
  present_mode_ = choose_present_mode(gpu.physical(), gpu.surface());

  VkAttachmentDescription color{};
  color.format = format_.format;
  color.samples = VK_SAMPLE_COUNT_1_BIT;
  color.loadOp = VK_ATTACHMENT_LOAD_OP_CLEAR;
  color.storeOp = VK_ATTACHMENT_STORE_OP_STORE;
  color.stencilLoadOp = VK_ATTACHMENT_LOAD_OP_DONT_CARE;
  color.stencilStoreOp = VK_ATTACHMENT_STORE_OP_DONT_CARE;
  color.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED;
  color.finalLayout = VK_IMAGE_LAYOUT_PRESENT_SRC_KHR;
  VkAttachmentReference ref{0, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL};
  VkSubpassDescription subpass{};
  subpass.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS;
  subpass.colorAttachmentCount = 1;
  subpass.pColorAttachments = &ref;
  // The acquire semaphore is waited on at the colour output stage: the layout transition waits there too.
  VkSubpassDependency dep{};
  dep.srcSubpass = VK_SUBPASS_EXTERNAL;
  dep.dstSubpass = 0;
  dep.srcStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT;
  dep.dstStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT;
  dep.dstAccessMask = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT;
  VkRenderPassCreateInfo ri{VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO};
  ri.attachmentCount = 1;
  ri.pAttachments = &color;
  ri.subpassCount = 1;
  ri.pSubpasses = &subpass;
  ri.dependencyCount = 1;
  ri.pDependencies = &dep;
  VK_CHECK(vkCreateRenderPass(gpu.device(), &ri, nullptr, &render_pass_));
  try {
    create_swapchain();
  } catch (...) {
    destroy_swapchain();
    vkDestroyRenderPass(gpu.device(), render_pass_, nullptr);
    throw;
  }
}

SwapchainRenderer::~SwapchainRenderer() {
  vkDeviceWaitIdle(gpu_.device());
  destroy_swapchain();
  if (readback_) vkDestroyBuffer(gpu_.device(), readback_, nullptr);
  if (readback_memory_) vkFreeMemory(gpu_.device(), readback_memory_, nullptr);
  vkDestroyRenderPass(gpu_.device(), render_pass_, nullptr);
}

void SwapchainRenderer::create_swapchain() {
  VkDevice dev = gpu_.device();
  VkSurfaceCapabilitiesKHR caps;
  VK_CHECK(vkGetPhysicalDeviceSurfaceCapabilitiesKHR(gpu_.physical(), gpu_.surface(), &caps));
  int w = 0, h = 0;
  glfwGetFramebufferSize(window_, &w, &h);
  extent_ = caps.currentExtent;
  if (extent_.width == UINT32_MAX) {  // the surface takes the swapchain's size
    extent_.width = std::clamp(static_cast<uint32_t>(w), caps.minImageExtent.width, caps.maxImageExtent.width);
    extent_.height = std::clamp(static_cast<uint32_t>(h), caps.minImageExtent.height, caps.maxImageExtent.height);
  }
  if (extent_.width == 0 || extent_.height == 0) return;  // minimized: no swapchain until it has a size
  min_image_count_ = std::max(2u, caps.minImageCount);
  uint32_t count = caps.minImageCount + 1;
  if (caps.maxImageCount > 0) count = std::min(count, caps.maxImageCount);
  can_read_back_ = (caps.supportedUsageFlags & VK_IMAGE_USAGE_TRANSFER_SRC_BIT) != 0;

  VkSwapchainCreateInfoKHR si{VK_STRUCTURE_TYPE_SWAPCHAIN_CREATE_INFO_KHR};
  si.surface = gpu_.surface();
  si.minImageCount = count;
  si.imageFormat = format_.format;
  si.imageColorSpace = format_.colorSpace;
  si.imageExtent = extent_;
  si.imageArrayLayers = 1;
  si.imageUsage = VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | (can_read_back_ ? VK_IMAGE_USAGE_TRANSFER_SRC_BIT : 0);
  si.imageSharingMode = VK_SHARING_MODE_EXCLUSIVE;
  si.preTransform = (caps.supportedTransforms & VK_SURFACE_TRANSFORM_IDENTITY_BIT_KHR)
                        ? VK_SURFACE_TRANSFORM_IDENTITY_BIT_KHR
                        : caps.currentTransform;
  si.compositeAlpha =
      (caps.supportedCompositeAlpha & VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR)
          ? VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR
          : static_cast<VkCompositeAlphaFlagBitsKHR>(caps.supportedCompositeAlpha & -caps.supportedCompositeAlpha);
  si.presentMode = present_mode_;
  si.clipped = VK_TRUE;
  VK_CHECK(vkCreateSwapchainKHR(dev, &si, nullptr, &swapchain_));

  uint32_t n = 0;
  VK_CHECK(vkGetSwapchainImagesKHR(dev, swapchain_, &n, nullptr));
  std::vector<VkImage> images(n);
  VK_CHECK(vkGetSwapchainImagesKHR(dev, swapchain_, &n, images.data()));
  images_.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    Image& img = images_[i];
    img.image = images[i];
    VkImageViewCreateInfo vi{VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO};
    vi.image = img.image;
    vi.viewType = VK_IMAGE_VIEW_TYPE_2D;
    vi.format = format_.format;
    vi.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
    VK_CHECK(vkCreateImageView(dev, &vi, nullptr, &img.view));
    VkFramebufferCreateInfo fi{VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO};
    fi.renderPass = render_pass_;
    fi.attachmentCount = 1;
    fi.pAttachments = &img.view;
    fi.width = extent_.width;
    fi.height = extent_.height;
    fi.layers = 1;
    VK_CHECK(vkCreateFramebuffer(dev, &fi, nullptr, &img.framebuffer));
    VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    ai.commandPool = gpu_.command_pool();
    ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    ai.commandBufferCount = 1;
    VK_CHECK(vkAllocateCommandBuffers(dev, &ai, &img.commands));
    VkFenceCreateInfo fci{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    fci.flags = VK_FENCE_CREATE_SIGNALED_BIT;
    VK_CHECK(vkCreateFence(dev, &fci, nullptr, &img.done));
    VkSemaphoreCreateInfo sci{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
    VK_CHECK(vkCreateSemaphore(dev, &sci, nullptr, &img.rendered));
  }
  acquired_.resize(n + 1);
  acquire_index_ = 0;
  for (VkSemaphore& s : acquired_) {
    VkSemaphoreCreateInfo sci{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
    VK_CHECK(vkCreateSemaphore(dev, &sci, nullptr, &s));
  }
  if (ImGui::GetCurrentContext() && ImGui::GetIO().BackendRendererUserData)  // not at the first, before ImGui starts
    ImGui_ImplVulkan_SetMinImageCount(min_image_count_);
}

void SwapchainRenderer::destroy_swapchain() {
  VkDevice dev = gpu_.device();
  vkDeviceWaitIdle(dev);
  for (Image& img : images_) {
    if (img.framebuffer) vkDestroyFramebuffer(dev, img.framebuffer, nullptr);
    if (img.view) vkDestroyImageView(dev, img.view, nullptr);
    if (img.commands) vkFreeCommandBuffers(dev, gpu_.command_pool(), 1, &img.commands);
    if (img.done) vkDestroyFence(dev, img.done, nullptr);
    if (img.rendered) vkDestroySemaphore(dev, img.rendered, nullptr);
  }
  images_.clear();
  for (VkSemaphore s : acquired_)
    if (s) vkDestroySemaphore(dev, s, nullptr);
  acquired_.clear();
  if (swapchain_) vkDestroySwapchainKHR(dev, swapchain_, nullptr);
  swapchain_ = VK_NULL_HANDLE;
}

void SwapchainRenderer::record(Image& img, ImDrawData* draw_data, VkBuffer readback) {
  VkCommandBuffer cb = img.commands;
  VK_CHECK(vkResetCommandBuffer(cb, 0));
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  VK_CHECK(vkBeginCommandBuffer(cb, &bi));
  VkClearValue clear{};
  clear.color = {{0.10f, 0.10f, 0.12f, 1.0f}};
  VkRenderPassBeginInfo rp{VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO};
  rp.renderPass = render_pass_;
  rp.framebuffer = img.framebuffer;
  rp.renderArea.extent = extent_;
  rp.clearValueCount = 1;
  rp.pClearValues = &clear;
  vkCmdBeginRenderPass(cb, &rp, VK_SUBPASS_CONTENTS_INLINE);
  set_imgui_command_buffer(cb);  // for the image callbacks
  ImGui_ImplVulkan_RenderDrawData(draw_data, cb);
  vkCmdEndRenderPass(cb);
  if (readback) {
    image_barrier(cb, img.image, VK_IMAGE_LAYOUT_PRESENT_SRC_KHR, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL,
                  VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT, VK_ACCESS_TRANSFER_READ_BIT,
                  VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT);
    VkBufferImageCopy region{};
    region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    region.imageExtent = {extent_.width, extent_.height, 1};
    vkCmdCopyImageToBuffer(cb, img.image, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, readback, 1, &region);
    image_barrier(cb, img.image, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, VK_IMAGE_LAYOUT_PRESENT_SRC_KHR,
                  VK_ACCESS_TRANSFER_READ_BIT, 0, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT);
    VkBufferMemoryBarrier host{VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER};
    host.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    host.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    host.srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
    host.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
    host.buffer = readback;
    host.size = VK_WHOLE_SIZE;
    vkCmdPipelineBarrier(cb, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 0, nullptr, 1, &host, 0,
                         nullptr);
  }
  VK_CHECK(vkEndCommandBuffer(cb));
}

bool SwapchainRenderer::draw(ImDrawData* draw_data, Screenshot* capture) {
  VkDevice dev = gpu_.device();
  if (!swapchain_) {
    create_swapchain();
    if (!swapchain_) return false;
  }
  if (capture && !can_read_back_)
    throw std::runtime_error("vulkan: this window's surface cannot be read back (no TRANSFER_SRC usage)");
  if (capture) {  // a host-visible buffer for the frame's pixels, kept for the next screenshot
    const VkDeviceSize size = VkDeviceSize(extent_.width) * extent_.height * 4;
    if (size > readback_size_) {
      if (readback_) vkDestroyBuffer(dev, readback_, nullptr);
      if (readback_memory_) vkFreeMemory(dev, readback_memory_, nullptr);
      readback_ = VK_NULL_HANDLE;
      readback_memory_ = VK_NULL_HANDLE;
      VkBufferCreateInfo bi{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
      bi.size = size;
      bi.usage = VK_BUFFER_USAGE_TRANSFER_DST_BIT;
      VK_CHECK(vkCreateBuffer(dev, &bi, nullptr, &readback_));
      VkMemoryRequirements req;
      vkGetBufferMemoryRequirements(dev, readback_, &req);
      VkMemoryAllocateInfo ai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
      ai.allocationSize = req.size;
      ai.memoryTypeIndex = gpu_.memory_type(req.memoryTypeBits,
                                            VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
      VK_CHECK(vkAllocateMemory(dev, &ai, nullptr, &readback_memory_));
      VK_CHECK(vkBindBufferMemory(dev, readback_, readback_memory_, 0));
      readback_size_ = size;
    }
  }

  VkSemaphore acquired = acquired_[acquire_index_];
  uint32_t index = 0;
  VkResult r = vkAcquireNextImageKHR(dev, swapchain_, UINT64_MAX, acquired, VK_NULL_HANDLE, &index);
  if (r == VK_ERROR_OUT_OF_DATE_KHR) {
    destroy_swapchain();
    return false;
  }
  if (r != VK_SUBOPTIMAL_KHR) VK_CHECK(r);
  acquire_index_ = (acquire_index_ + 1) % acquired_.size();

  Image& img = images_[index];
  VK_CHECK(vkWaitForFences(dev, 1, &img.done, VK_TRUE, UINT64_MAX));
  VK_CHECK(vkResetFences(dev, 1, &img.done));
  record(img, draw_data, capture ? readback_ : VK_NULL_HANDLE);
  const VkPipelineStageFlags wait_stage = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT;
  VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  si.waitSemaphoreCount = 1;
  si.pWaitSemaphores = &acquired;
  si.pWaitDstStageMask = &wait_stage;
  si.commandBufferCount = 1;
  si.pCommandBuffers = &img.commands;
  si.signalSemaphoreCount = 1;
  si.pSignalSemaphores = &img.rendered;
  VK_CHECK(vkQueueSubmit(gpu_.queue(), 1, &si, img.done));
  if (capture) {
    VK_CHECK(vkWaitForFences(dev, 1, &img.done, VK_TRUE, UINT64_MAX));
    read_back(*capture);
  }

  VkPresentInfoKHR pi{VK_STRUCTURE_TYPE_PRESENT_INFO_KHR};
  pi.waitSemaphoreCount = 1;
  pi.pWaitSemaphores = &img.rendered;
  pi.swapchainCount = 1;
  pi.pSwapchains = &swapchain_;
  pi.pImageIndices = &index;
  r = vkQueuePresentKHR(gpu_.queue(), &pi);
  if (r == VK_ERROR_OUT_OF_DATE_KHR || r == VK_SUBOPTIMAL_KHR) {
    destroy_swapchain();  // recreated at the next frame, at the window's new size
    return r == VK_SUBOPTIMAL_KHR;
  }
  VK_CHECK(r);
  return true;
}

void SwapchainRenderer::read_back(Screenshot& out) {
  out.width = static_cast<int>(extent_.width);
  out.height = static_cast<int>(extent_.height);
  out.rgba.resize(size_t(out.width) * out.height * 4);
  void* mapped = nullptr;
  VK_CHECK(vkMapMemory(gpu_.device(), readback_memory_, 0, VK_WHOLE_SIZE, 0, &mapped));
  std::memcpy(out.rgba.data(), mapped, out.rgba.size());
  vkUnmapMemory(gpu_.device(), readback_memory_);
  const bool bgra = format_.format == VK_FORMAT_B8G8R8A8_UNORM || format_.format == VK_FORMAT_B8G8R8A8_SRGB;
  for (size_t i = 0; i < out.rgba.size(); i += 4) {
    if (bgra) std::swap(out.rgba[i], out.rgba[i + 2]);
    out.rgba[i + 3] = 255;  // the window is opaque whatever the clear's alpha
  }
}

}  // namespace vkg_desktop
