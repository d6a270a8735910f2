#include "runtime/vulkan/context.h"

#include <algorithm>
#include <cstring>
#include <sstream>

#include "runtime/bytes.h"
#include "runtime/vulkan/cooperative_matrix.h"
#include "runtime/vulkan/memory.h"

namespace vkg::vk {

const char* result_name(VkResult r) {
  switch (r) {
    case VK_SUCCESS: return "VK_SUCCESS";
    case VK_NOT_READY: return "VK_NOT_READY";
    case VK_TIMEOUT: return "VK_TIMEOUT";
    case VK_INCOMPLETE: return "VK_INCOMPLETE";
    case VK_ERROR_OUT_OF_HOST_MEMORY: return "VK_ERROR_OUT_OF_HOST_MEMORY (out of host memory)";
    case VK_ERROR_OUT_OF_DEVICE_MEMORY: return "VK_ERROR_OUT_OF_DEVICE_MEMORY (out of device memory)";
    case VK_ERROR_INITIALIZATION_FAILED: return "VK_ERROR_INITIALIZATION_FAILED";
    case VK_ERROR_DEVICE_LOST: return "VK_ERROR_DEVICE_LOST";
    case VK_ERROR_MEMORY_MAP_FAILED: return "VK_ERROR_MEMORY_MAP_FAILED";
    case VK_ERROR_LAYER_NOT_PRESENT: return "VK_ERROR_LAYER_NOT_PRESENT";
    case VK_ERROR_EXTENSION_NOT_PRESENT: return "VK_ERROR_EXTENSION_NOT_PRESENT";
    case VK_ERROR_FEATURE_NOT_PRESENT: return "VK_ERROR_FEATURE_NOT_PRESENT";
    case VK_ERROR_INCOMPATIBLE_DRIVER: return "VK_ERROR_INCOMPATIBLE_DRIVER (no Vulkan driver)";
    case VK_ERROR_TOO_MANY_OBJECTS: return "VK_ERROR_TOO_MANY_OBJECTS";
    default: return "VkResult error";
  }
}

namespace {

const char* type_name(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "cpu";
    default: return "other";
  }
}

int type_rank(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 4;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 3;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return 1;
    default: return 0;
  }
}

void init_loader() {
  static VkResult r = volkInitialize();
  if (r != VK_SUCCESS) throw std::runtime_error("vulkan: no Vulkan loader found (libvulkan.so.1 / vulkan-1.dll)");
}

VkInstance create_instance(bool validation, bool& debug_utils, const VkValidationFeaturesEXT* features) {
  init_loader();
  uint32_t n = 0;
  vkEnumerateInstanceExtensionProperties(nullptr, &n, nullptr);
  std::vector<VkExtensionProperties> exts(n);
  vkEnumerateInstanceExtensionProperties(nullptr, &n, exts.data());
  debug_utils = std::any_of(exts.begin(), exts.end(), [](const VkExtensionProperties& e) {
    return std::strcmp(e.extensionName, VK_EXT_DEBUG_UTILS_EXTENSION_NAME) == 0;
  });
  std::vector<const char*> enabled_exts, layers;
  if (validation) {
    uint32_t nl = 0;
    vkEnumerateInstanceLayerProperties(&nl, nullptr);
    std::vector<VkLayerProperties> props(nl);
    vkEnumerateInstanceLayerProperties(&nl, props.data());
    const bool found = std::any_of(props.begin(), props.end(), [](const VkLayerProperties& l) {
      return std::strcmp(l.layerName, "VK_LAYER_KHRONOS_validation") == 0;
    });
    if (!found)
      throw std::runtime_error("vulkan: validation requested but VK_LAYER_KHRONOS_validation is not installed "
                               "(Debian: vulkan-validationlayers)");
    layers.push_back("VK_LAYER_KHRONOS_validation");
    debug_utils = true;  // the layer provides it
  }
  if (debug_utils) enabled_exts.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);

  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "vkgemma";
  app.apiVersion = VK_API_VERSION_1_2;
  VkInstanceCreateInfo ci{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  ci.pNext = validation ? features : nullptr;
  ci.pApplicationInfo = &app;
  ci.enabledLayerCount = static_cast<uint32_t>(layers.size());
  ci.ppEnabledLayerNames = layers.data();
  ci.enabledExtensionCount = static_cast<uint32_t>(enabled_exts.size());
  ci.ppEnabledExtensionNames = enabled_exts.data();
  VkInstance instance = VK_NULL_HANDLE;
  VK_CHECK(vkCreateInstance(&ci, nullptr, &instance));
  volkLoadInstanceOnly(instance);
  return instance;
}

bool has_device_extension(VkPhysicalDevice physical, const char* name) {
  uint32_t n = 0;
  vkEnumerateDeviceExtensionProperties(physical, nullptr, &n, nullptr);
  std::vector<VkExtensionProperties> exts(n);
  vkEnumerateDeviceExtensionProperties(physical, nullptr, &n, exts.data());
  return std::any_of(exts.begin(), exts.end(), [&](const VkExtensionProperties& e) { return std::strcmp(e.extensionName, name) == 0; });
}

struct Candidate {
  VkPhysicalDevice device;
  DeviceInfo info;
  bool usable;
  std::string why_not;
};

std::vector<Candidate> enumerate(VkInstance instance) {
  uint32_t n = 0;
  vkEnumeratePhysicalDevices(instance, &n, nullptr);
  std::vector<VkPhysicalDevice> devices(n);
  vkEnumeratePhysicalDevices(instance, &n, devices.data());
  std::vector<Candidate> out;
  for (uint32_t i = 0; i < n; ++i) {
    VkPhysicalDeviceDriverProperties driver{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
    VkPhysicalDeviceSubgroupProperties subgroup{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
    VkPhysicalDeviceProperties plain;
    vkGetPhysicalDeviceProperties(devices[i], &plain);
    if (plain.apiVersion >= VK_API_VERSION_1_2) subgroup.pNext = &driver;  // a 1.2 structure
    VkPhysicalDeviceProperties2 props{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, &subgroup};
    vkGetPhysicalDeviceProperties2(devices[i], &props);
    const bool api12 = props.properties.apiVersion >= VK_API_VERSION_1_2;
    // Integer dot products: an extension on 1.2 (core in 1.3, but our instance asks for 1.2).
    const bool dot_ext = api12 && has_device_extension(devices[i], VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME);
    VkPhysicalDeviceShaderIntegerDotProductFeaturesKHR fdot{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_FEATURES_KHR};
    // Cooperative matrices (matmul_tiled.comp COOPMAT), an extension on every version our headers know.
    const bool coopmat_ext = api12 && has_device_extension(devices[i], kCooperativeMatrixExtension);
    CooperativeMatrixFeatures fcm;
    // Its SPIR-V below 1.6 (our modules are 1.5) needs pipelines made with whole subgroups.
    const bool size_ext = coopmat_ext && has_device_extension(devices[i], VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME);
    VkPhysicalDeviceSubgroupSizeControlFeaturesEXT fsize{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES_EXT};
    fcm.pNext = size_ext ? &fsize : nullptr;
    fdot.pNext = coopmat_ext ? &fcm : nullptr;
    VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES,
                                         dot_ext ? static_cast<void*>(&fdot) : coopmat_ext ? &fcm : nullptr};
    VkPhysicalDeviceVulkan11Features f11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES, &f12};
    VkPhysicalDeviceFeatures2 features{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, &f11};
    if (api12) vkGetPhysicalDeviceFeatures2(devices[i], &features);
    VkPhysicalDeviceShaderIntegerDotProductPropertiesKHR pdot{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_PROPERTIES_KHR};
    if (dot_ext && fdot.shaderIntegerDotProduct) {
      VkPhysicalDeviceProperties2 p2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, &pdot};
      vkGetPhysicalDeviceProperties2(devices[i], &p2);
    }
    VkPhysicalDeviceMemoryProperties mem;
    vkGetPhysicalDeviceMemoryProperties(devices[i], &mem);

    Candidate c{devices[i], {}, true, ""};
    DeviceInfo& d = c.info;
    d.index = static_cast<int>(i);
    d.name = props.properties.deviceName;
    d.type = type_name(props.properties.deviceType);
    d.api_version = props.properties.apiVersion;
    if (subgroup.pNext) d.driver = std::string(driver.driverName) + ", " + driver.driverInfo;
    for (uint32_t h = 0; h < mem.memoryHeapCount; ++h)
      if (mem.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) d.device_local_bytes += mem.memoryHeaps[h].size;
    d.subgroup_size = subgroup.subgroupSize;
    d.subgroup_arithmetic = (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT) != 0;
    d.subgroup_shuffle = (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_SHUFFLE_BIT) != 0;
    d.max_storage_buffer_range = props.properties.limits.maxStorageBufferRange;
    d.max_shared_memory = props.properties.limits.maxComputeSharedMemorySize;
    d.max_workgroup_size = std::min(props.properties.limits.maxComputeWorkGroupInvocations,
                                    props.properties.limits.maxComputeWorkGroupSize[0]);
    d.storage_16bit = f11.storageBuffer16BitAccess;
    d.storage_8bit = f12.storageBuffer8BitAccess;
    d.shader_float16 = f12.shaderFloat16;
    d.int8_dot = dot_ext && fdot.shaderIntegerDotProduct;
    d.int8_dot_accelerated = d.int8_dot && pdot.integerDotProduct4x8BitPackedSignedAccelerated;
    // The shaders' GL_KHR_cooperative_matrix declares fp16 arithmetic and the Vulkan memory model too; with the
    // model enabled, every other shader's device-scope atomics and barriers need its device scope as well.
    if (coopmat_ext && fcm.cooperativeMatrix && f12.shaderFloat16 && f12.vulkanMemoryModel &&
        f12.vulkanMemoryModelDeviceScope && fsize.computeFullSubgroups)
      d.coopmat_f16_sizes = cooperative_matrix_f16_sizes(instance, devices[i]);
    if (!api12) c.usable = false, c.why_not = "Vulkan 1.2 required";
    else if (!d.storage_16bit || !d.storage_8bit) c.usable = false, c.why_not = "8/16-bit storage buffers required";
    out.push_back(std::move(c));
  }
  return out;
}

// The device asked for (index), or the best usable one: discrete, integrated, virtual, cpu, then the most
// device-local memory.
const Candidate* choose_device(const std::vector<Candidate>& candidates, int device) {
  if (candidates.empty()) throw std::runtime_error("vulkan: no Vulkan device found");
  const Candidate* chosen = nullptr;
  if (device >= 0) {
    if (device >= static_cast<int>(candidates.size()))
      throw std::runtime_error("vulkan: device " + std::to_string(device) + " does not exist (" +
                               std::to_string(candidates.size()) + " found; see `vkgemma info`)");
    chosen = &candidates[device];
    if (!chosen->usable) throw std::runtime_error("vulkan: device " + chosen->info.name + ": " + chosen->why_not);
  } else {
    for (const Candidate& c : candidates) {
      if (!c.usable) continue;
      if (!chosen) chosen = &c;
      else {
        VkPhysicalDeviceProperties a, b;
        vkGetPhysicalDeviceProperties(c.device, &a);
        vkGetPhysicalDeviceProperties(chosen->device, &b);
        if (std::make_pair(type_rank(a.deviceType), c.info.device_local_bytes) >
            std::make_pair(type_rank(b.deviceType), chosen->info.device_local_bytes))
          chosen = &c;
      }
    }
    if (!chosen) throw std::runtime_error("vulkan: no usable device: " + candidates[0].info.name + ": " +
                                          candidates[0].why_not);
  }
  return chosen;
}

// A queue family with compute; prefer compute without graphics.
uint32_t compute_queue_family(VkPhysicalDevice physical, const std::string& name) {
  uint32_t nq = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(physical, &nq, nullptr);
  std::vector<VkQueueFamilyProperties> qf(nq);
  vkGetPhysicalDeviceQueueFamilyProperties(physical, &nq, qf.data());
  int family = -1;
  for (uint32_t i = 0; i < nq; ++i)
    if (qf[i].queueFlags & VK_QUEUE_COMPUTE_BIT) {
      if (family < 0 || !(qf[i].queueFlags & VK_QUEUE_GRAPHICS_BIT)) family = static_cast<int>(i);
    }
  if (family < 0) throw std::runtime_error("vulkan: device " + name + " has no compute queue");
  return static_cast<uint32_t>(family);
}


}  // namespace


std::string DeviceInfo::describe() const {
  std::ostringstream s;
  s << "#" << index << " " << name << " (" << type << ", Vulkan " << VK_API_VERSION_MAJOR(api_version) << "."
    << VK_API_VERSION_MINOR(api_version) << (driver.empty() ? "" : ", driver " + driver) << ", " << device_local_bytes / (1024 * 1024) << " MiB device-local, subgroup "
    << subgroup_size << ", max storage range " << max_storage_buffer_range / (1024 * 1024) << " MiB; 16-bit storage "
    << (storage_16bit ? "yes" : "no") << ", 8-bit storage " << (storage_8bit ? "yes" : "no") << ", fp16 math "
    << (shader_float16 ? "yes" : "no") << ", subgroup arithmetic " << (subgroup_arithmetic ? "yes" : "no")
    << ", int8 dot products " << (int8_dot ? (int8_dot_accelerated ? "yes (accelerated)" : "yes (emulated)") : "no")
    << ", fp16 cooperative matrices ";
  for (size_t i = 0; i < coopmat_f16_sizes.size(); ++i) {
    const uint32_t n = coopmat_f16_sizes[i];
    s << (i ? " " : "") << n << "x" << n << "x" << n;
  }
  s << (coopmat_f16_sizes.empty() ? "no)" : ")");
  return s.str();
}

std::vector<DeviceInfo> Context::list_devices() {
  bool debug_utils = false;
  VkInstance instance = create_instance(false, debug_utils, nullptr);
  std::vector<DeviceInfo> out;
  for (const Candidate& c : enumerate(instance)) out.push_back(c.info);
  vkDestroyInstance(instance, nullptr);
  return out;
}

VKAPI_ATTR VkBool32 VKAPI_CALL Context::on_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                   VkDebugUtilsMessageTypeFlagsEXT,
                                                   const VkDebugUtilsMessengerCallbackDataEXT* data, void* user) {
  if (severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) {
    Context* self = static_cast<Context*>(user);
    std::lock_guard<std::mutex> lock(self->errors_mutex_);
    self->errors_.push_back(data->pMessage ? data->pMessage : "(no message)");
  }
  return VK_FALSE;
}

Context::Context(const ContextOptions& o) {
  // Synchronization validation catches missing barriers between dispatches.
  VkValidationFeatureEnableEXT enables[] = {VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT};
  VkValidationFeaturesEXT features{VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT};
  features.enabledValidationFeatureCount = 1;
  features.pEnabledValidationFeatures = enables;
  instance_ = create_instance(o.validation, debug_utils_, &features);
  try {
    if (o.validation) {
      VkDebugUtilsMessengerCreateInfoEXT mi{VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
      mi.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT;
      mi.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT;
      mi.pfnUserCallback = &Context::on_message;
      mi.pUserData = this;
      VK_CHECK(vkCreateDebugUtilsMessengerEXT(instance_, &mi, nullptr, &messenger_));
    }
    const std::vector<Candidate> candidates = enumerate(instance_);
    const Candidate* chosen = choose_device(candidates, o.device);
    physical_ = chosen->device;
    info_ = chosen->info;
    VkPhysicalDeviceProperties props;
    vkGetPhysicalDeviceProperties(physical_, &props);
    limits_ = props.limits;
    vkGetPhysicalDeviceMemoryProperties(physical_, &memory_);
    heap_allocated_.assign(memory_.memoryHeapCount, 0);
    max_memory_ = o.max_memory;
    VkPhysicalDeviceMaintenance3Properties m3{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES};
    VkPhysicalDeviceProperties2 p2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, &m3};
    vkGetPhysicalDeviceProperties2(physical_, &p2);
    info_.max_allocation_bytes = m3.maxMemoryAllocationSize;

    queue_family_ = compute_queue_family(physical_, info_.name);

    create_device();
    memory_pool_ = std::make_unique<DeviceMemory>(*this);
  } catch (...) {
    if (device_) vkDestroyDevice(device_, nullptr);
    if (messenger_) vkDestroyDebugUtilsMessengerEXT(instance_, messenger_, nullptr);
    vkDestroyInstance(instance_, nullptr);
    throw;
  }
}

// The logical device with one compute queue and exactly the features the shaders use.
void Context::create_device() {
  VkPhysicalDeviceFeatures supported;
  vkGetPhysicalDeviceFeatures(physical_, &supported);
  VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  VkPhysicalDeviceVulkan11Features s11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES, &f12};
  VkPhysicalDeviceFeatures2 query{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, &s11};
  vkGetPhysicalDeviceFeatures2(physical_, &query);
  // Enable exactly what the shaders use.
  // matmul.comp INT8_DOT's packed dot products, where the device has them.
  VkPhysicalDeviceShaderIntegerDotProductFeaturesKHR edot{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_FEATURES_KHR};
  edot.shaderIntegerDotProduct = VK_TRUE;
  // matmul_tiled.comp COOPMAT's cooperative matrices and the fp16 arithmetic they take, where the device has both.
  const bool coopmat = !info_.coopmat_f16_sizes.empty();
  VkPhysicalDeviceSubgroupSizeControlFeaturesEXT esize{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES_EXT};
  esize.computeFullSubgroups = VK_TRUE;
  CooperativeMatrixFeatures ecm;
  ecm.cooperativeMatrix = VK_TRUE;
  ecm.pNext = &esize;
  edot.pNext = coopmat ? &ecm : nullptr;
  VkPhysicalDeviceVulkan12Features e12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES,
                                       info_.int8_dot ? static_cast<void*>(&edot) : coopmat ? &ecm : nullptr};
  e12.storageBuffer8BitAccess = VK_TRUE;
  e12.shaderFloat16 = coopmat ? VK_TRUE : VK_FALSE;
  e12.vulkanMemoryModel = coopmat ? VK_TRUE : VK_FALSE;
  e12.vulkanMemoryModelDeviceScope = coopmat ? VK_TRUE : VK_FALSE;
  e12.shaderInt8 = f12.shaderInt8;
  VkPhysicalDeviceVulkan11Features e11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES, &e12};
  e11.storageBuffer16BitAccess = VK_TRUE;
  VkPhysicalDeviceFeatures2 enable{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, &e11};
  enable.features.shaderInt16 = supported.shaderInt16;

  const float priority = 1.0f;
  VkDeviceQueueCreateInfo qi{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  qi.queueFamilyIndex = queue_family_;
  qi.queueCount = 1;
  qi.pQueuePriorities = &priority;
  // VK_EXT_memory_budget where the driver has it: what other programs use then counts (device_local_budget).
  std::vector<const char*> enabled_device_exts;
  memory_budget_ext_ = has_device_extension(physical_, VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
  if (memory_budget_ext_) enabled_device_exts.push_back(VK_EXT_MEMORY_BUDGET_EXTENSION_NAME);
  if (info_.int8_dot) enabled_device_exts.push_back(VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME);
  if (coopmat) enabled_device_exts.insert(enabled_device_exts.end(),
                                          {kCooperativeMatrixExtension, VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME});
  VkDeviceCreateInfo di{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO, &enable};
  di.queueCreateInfoCount = 1;
  di.pQueueCreateInfos = &qi;
  di.enabledExtensionCount = static_cast<uint32_t>(enabled_device_exts.size());
  di.ppEnabledExtensionNames = enabled_device_exts.data();
  VK_CHECK(vkCreateDevice(physical_, &di, nullptr, &device_));
  volkLoadDevice(device_);
  vkGetDeviceQueue(device_, queue_family_, 0, &queue_);
}

Context::~Context() {
  if (device_) {
    vkDeviceWaitIdle(device_);
    memory_pool_.reset();
    vkDestroyDevice(device_, nullptr);
  }
  if (messenger_) vkDestroyDebugUtilsMessengerEXT(instance_, messenger_, nullptr);
  if (instance_) vkDestroyInstance(instance_, nullptr);
}

uint64_t Context::device_local_budget() const {
  if (!memory_budget_ext_) return info_.device_local_bytes;
  VkPhysicalDeviceMemoryBudgetPropertiesEXT budget{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT};
  VkPhysicalDeviceMemoryProperties2 props{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2, &budget};
  vkGetPhysicalDeviceMemoryProperties2(physical_, &props);
  uint64_t total = 0;
  for (uint32_t h = 0; h < props.memoryProperties.memoryHeapCount; ++h)
    if (props.memoryProperties.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) total += budget.heapBudget[h];
  return total;
}

void Context::set_name(VkObjectType type, uint64_t handle, const std::string& name) const {
  if (!debug_utils_ || !vkSetDebugUtilsObjectNameEXT) return;
  VkDebugUtilsObjectNameInfoEXT ni{VK_STRUCTURE_TYPE_DEBUG_UTILS_OBJECT_NAME_INFO_EXT};
  ni.objectType = type;
  ni.objectHandle = handle;
  ni.pObjectName = name.c_str();
  vkSetDebugUtilsObjectNameEXT(device_, &ni);
}

std::vector<std::string> Context::take_validation_errors() {
  std::lock_guard<std::mutex> lock(errors_mutex_);
  std::vector<std::string> out;
  out.swap(errors_);
  return out;
}

void Context::reserve(uint64_t bytes, uint32_t memory_type, const std::string& what) const {
  const uint32_t heap = memory_.memoryTypes[memory_type].heapIndex;
  const uint64_t heap_size = memory_.memoryHeaps[heap].size;
  const std::string head = "vulkan: cannot allocate " + format_bytes(bytes) + " for " + what + " on '" + info_.name + "': ";
  if (allocations_ + 1 > limits_.maxMemoryAllocationCount)
    throw std::runtime_error(head + "the device allows " + std::to_string(limits_.maxMemoryAllocationCount) +
                             " allocations and all are in use");
  if (max_memory_ && allocated_ + bytes > max_memory_)
    throw std::runtime_error(head + format_bytes(allocated_) + " of the " + format_bytes(max_memory_) +
                             " memory cap (max_memory) are in use, " + format_bytes(max_memory_ - allocated_) +
                             " available");
  if (heap_allocated_[heap] + bytes > heap_size)
    throw std::runtime_error(head + format_bytes(heap_allocated_[heap]) + " of memory heap " + std::to_string(heap) +
                             "'s " + format_bytes(heap_size) + " are in use, " +
                             format_bytes(heap_size - heap_allocated_[heap]) + " available");
  allocated_ += bytes;
  allocations_ += 1;
  heap_allocated_[heap] += bytes;
}

void Context::release(uint64_t bytes, uint32_t memory_type) const {
  allocated_ -= bytes;
  allocations_ -= 1;
  heap_allocated_[memory_.memoryTypes[memory_type].heapIndex] -= bytes;
}

}  // namespace vkg::vk
