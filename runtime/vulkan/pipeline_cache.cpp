#include "runtime/vulkan/pipeline_cache.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "runtime/bytes.h"
#include "runtime/platform/files.h"
#include "runtime/platform/mapped_file.h"
#include "runtime/vulkan/shader_registry.h"

namespace vkg::vk {

namespace {

PipelineCacheKey device_key(const Context& ctx) {
  VkPhysicalDeviceProperties p{};
  vkGetPhysicalDeviceProperties(ctx.physical_device(), &p);
  PipelineCacheKey key;
  key.vendor_id = p.vendorID;
  key.device_id = p.deviceID;
  key.driver_version = p.driverVersion;
  std::memcpy(key.cache_uuid.data(), p.pipelineCacheUUID, VK_UUID_SIZE);
  key.build = embedded_shaders_hash();
  return key;
}

std::string_view as_text(const uint8_t* data, size_t size) { return {reinterpret_cast<const char*>(data), size}; }

}  // namespace

std::string pipeline_cache_dir() {
  if (const char* env = std::getenv("VKGEMMA_PIPELINE_CACHE"); env && env[0])
    return std::string(env) == "0" ? std::string() : std::string(env);
  const std::string user = user_cache_dir();
  return user.empty() ? user : user + "/vkgemma";
}

uint64_t embedded_shaders_hash() {
  static const uint64_t hash = [] {
    uint64_t h = fnv1a64("vkgemma shaders");
    for (const ShaderCode& s : all_shaders()) {
      h = fnv1a64(s.name, h);
      h = fnv1a64(as_text(reinterpret_cast<const uint8_t*>(s.words), s.word_count * 4), h);
    }
    return h;
  }();
  return hash;
}

PipelineCache::PipelineCache(const Context& ctx, const std::string& dir) : ctx_(ctx), key_(device_key(ctx)) {
  if (!dir.empty()) path_ = dir + "/" + pipeline_cache_file_name(key_);
  std::unique_ptr<MappedFile> file;
  std::string_view initial;
  if (!path_.empty() && file_exists(path_)) {
    try {
      file = std::make_unique<MappedFile>(path_);
      const std::string_view bytes = as_text(file->data(), file->size());
      DecodedPipelineCache d;
      if (bytes.size() > kMaxBytes + kPipelineCacheHeaderBytes)
        d.problem = std::to_string(bytes.size()) + " bytes, more than the cap of " + format_bytes(kMaxBytes);
      else
        d = decode_pipeline_cache(bytes, key_);
      if (d.problem.empty())
        initial = d.payload;
      else if (!d.other_build)  // a new build replacing an old one's file is expected, not worth a warning
        warn(d.problem);
    } catch (const std::exception& e) {
      warn(std::string("cannot read it: ") + e.what());
    }
  }
  VkPipelineCacheCreateInfo ci{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
  ci.initialDataSize = initial.size();
  ci.pInitialData = initial.data();
  if (!initial.empty()) {
    if (vkCreatePipelineCache(ctx.device(), &ci, nullptr, &cache_) == VK_SUCCESS) {
      loaded_bytes_ = initial.size();
      file_payload_hash_ = fnv1a64(initial);
      return;
    }
    warn("the driver refused its data");
    ci.initialDataSize = 0;
    ci.pInitialData = nullptr;
  }
  VK_CHECK(vkCreatePipelineCache(ctx.device(), &ci, nullptr, &cache_));
}

PipelineCache::~PipelineCache() { vkDestroyPipelineCache(ctx_.device(), cache_, nullptr); }

void PipelineCache::warn(const std::string& what) {
  const std::string line = "vkgemma: warning: pipeline cache " + path_ + ": " + what +
                           (stop_saving_ ? "" : "; ignoring it (it will be rewritten)");
  std::fprintf(stderr, "%s\n", line.c_str());
  warnings_.push_back(line);
}

std::optional<std::string> PipelineCache::driver_data() const {
  size_t size = 0;
  // Less than Vulkan's header is nothing a later run could load (Mesa 26's lavapipe gives 20 bytes).
  if (vkGetPipelineCacheData(ctx_.device(), cache_, &size, nullptr) != VK_SUCCESS ||
      size < sizeof(VkPipelineCacheHeaderVersionOne) || size > kMaxBytes)
    return std::nullopt;
  std::string data(size, '\0');
  // VK_INCOMPLETE only if another thread grew the cache in between; what was returned is then still valid.
  const VkResult r = vkGetPipelineCacheData(ctx_.device(), cache_, &size, data.data());
  if (r != VK_SUCCESS && r != VK_INCOMPLETE) return std::nullopt;
  data.resize(size);
  return data;
}

// Another process may have saved pipelines this one lacks since it loaded the file: merged in, they survive
// this process's save instead of being clobbered by it.
void PipelineCache::merge_from_file() {
  if (!file_exists(path_)) return;
  try {
    MappedFile file(path_);
    const DecodedPipelineCache d = decode_pipeline_cache(as_text(file.data(), file.size()), key_);
    if (!d.problem.empty() || fnv1a64(d.payload) == file_payload_hash_) return;
    VkPipelineCacheCreateInfo ci{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
    ci.initialDataSize = d.payload.size();
    ci.pInitialData = d.payload.data();
    VkPipelineCache theirs = VK_NULL_HANDLE;
    if (vkCreatePipelineCache(ctx_.device(), &ci, nullptr, &theirs) != VK_SUCCESS) return;
    vkMergePipelineCaches(ctx_.device(), cache_, 1, &theirs);
    vkDestroyPipelineCache(ctx_.device(), theirs, nullptr);
  } catch (const std::exception&) {
    // Unreadable now: this process's data replaces it.
  }
}

void PipelineCache::save() {
  if (path_.empty() || stop_saving_) return;
  size_t size = 0;
  if (vkGetPipelineCacheData(ctx_.device(), cache_, &size, nullptr) == VK_SUCCESS && size > kMaxBytes) {
    stop_saving_ = true;
    warn("not saved: the driver's " + format_bytes(size) + " exceed the cap of " + format_bytes(kMaxBytes));
    return;
  }
  std::optional<std::string> data = driver_data();
  if (!data || fnv1a64(*data) == file_payload_hash_) return;  // nothing new since the file was read or written
  merge_from_file();
  if (std::optional<std::string> merged = driver_data()) data = std::move(merged);
  const std::string why = write_file_atomically(path_, encode_pipeline_cache(key_, *data));
  if (!why.empty()) {
    stop_saving_ = true;  // one warning per process, not one per step
    warn("not saved: " + why);
    return;
  }
  file_payload_hash_ = fnv1a64(*data);
  ++writes_;
}

std::string PipelineCache::describe() const {
  if (path_.empty()) return "pipeline cache: off (in memory only)";
  return "pipeline cache: " + path_ +
         (loaded() ? " (loaded " + format_bytes(loaded_bytes_) + " of driver data)" : " (nothing usable there yet)");
}

}  // namespace vkg::vk
