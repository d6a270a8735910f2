#include "runtime/vulkan/pipeline_cache_file.h"

#include <cstdio>
#include <cstring>

namespace vkg::vk {

namespace {

constexpr char kMagic[8] = {'V', 'K', 'G', 'P', 'I', 'P', 'E', 'S'};
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kVulkanHeaderBytes = 32;  // sizeof(VkPipelineCacheHeaderVersionOne)
constexpr uint32_t kVulkanHeaderVersionOne = 1;  // VK_PIPELINE_CACHE_HEADER_VERSION_ONE

template <typename T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
template <typename T>
T get(std::string_view bytes, size_t at) {
  T v;
  std::memcpy(&v, bytes.data() + at, sizeof v);
  return v;
}

std::string hex(uint64_t v, int digits) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%0*llx", digits, static_cast<unsigned long long>(v));
  return text;
}
std::string uuid_text(const uint8_t* uuid) {
  std::string s;
  char byte[3];
  for (int i = 0; i < 16; ++i) {
    std::snprintf(byte, sizeof byte, "%02x", uuid[i]);
    s += byte;
  }
  return s;
}
std::string device_text(uint32_t vendor, uint32_t device, const uint8_t* uuid) {
  return "vendor " + hex(vendor, 4) + ", device " + hex(device, 4) + ", cache UUID " + uuid_text(uuid);
}

}  // namespace

uint64_t fnv1a64(std::string_view bytes, uint64_t h) {
  for (unsigned char c : bytes) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

std::string pipeline_cache_file_name(const PipelineCacheKey& key) {
  std::string driver;
  put(driver, key.driver_version);
  driver.append(reinterpret_cast<const char*>(key.cache_uuid.data()), key.cache_uuid.size());
  char name[80];
  std::snprintf(name, sizeof name, "pipelines-%04x-%04x-%016llx.bin", key.vendor_id, key.device_id,
                static_cast<unsigned long long>(fnv1a64(driver)));
  return name;
}

std::string encode_pipeline_cache(const PipelineCacheKey& key, std::string_view payload) {
  std::string out(kMagic, sizeof kMagic);
  put(out, kFormatVersion);
  put(out, key.vendor_id), put(out, key.device_id), put(out, key.driver_version);
  out.append(reinterpret_cast<const char*>(key.cache_uuid.data()), key.cache_uuid.size());
  put(out, key.build);
  put(out, static_cast<uint64_t>(payload.size()));
  put(out, fnv1a64(payload));
  out.append(payload);
  return out;
}

DecodedPipelineCache decode_pipeline_cache(std::string_view file, const PipelineCacheKey& key) {
  DecodedPipelineCache d;
  if (file.size() < kPipelineCacheHeaderBytes) {
    d.problem = "truncated: " + std::to_string(file.size()) + " bytes, expected at least the " +
                std::to_string(kPipelineCacheHeaderBytes) + "-byte header";
    return d;
  }
  if (std::memcmp(file.data(), kMagic, sizeof kMagic) != 0) {
    d.problem = "not a vkgemma pipeline cache (its first 8 bytes are not \"VKGPIPES\")";
    return d;
  }
  if (const auto version = get<uint32_t>(file, 8); version != kFormatVersion) {
    d.problem = "format version " + std::to_string(version) + ", expected " + std::to_string(kFormatVersion);
    return d;
  }
  const auto vendor = get<uint32_t>(file, 12), device = get<uint32_t>(file, 16), driver = get<uint32_t>(file, 20);
  const auto* uuid = reinterpret_cast<const uint8_t*>(file.data() + 24);
  if (vendor != key.vendor_id || device != key.device_id || driver != key.driver_version ||
      std::memcmp(uuid, key.cache_uuid.data(), 16) != 0) {
    d.problem = "written for " + device_text(vendor, device, uuid) + ", driver " + hex(driver, 8) + "; expected " +
                device_text(key.vendor_id, key.device_id, key.cache_uuid.data()) + ", driver " +
                hex(key.driver_version, 8);
    return d;
  }
  if (const auto build = get<uint64_t>(file, 40); build != key.build) {
    d.problem = "written by another vkgemma build (shaders " + hex(build, 16) + ", this build's " +
                hex(key.build, 16) + ")";
    d.other_build = true;
    return d;
  }
  const auto length = get<uint64_t>(file, 48), checksum = get<uint64_t>(file, 56);
  const std::string_view payload = file.substr(kPipelineCacheHeaderBytes);
  if (length != payload.size()) {
    d.problem = "the header promises " + std::to_string(length) + " bytes of driver data, the file holds " +
                std::to_string(payload.size());
    return d;
  }
  if (const uint64_t actual = fnv1a64(payload); actual != checksum) {
    d.problem = "checksum mismatch: the driver data hashes to " + hex(actual, 16) + ", the header says " +
                hex(checksum, 16);
    return d;
  }
  // Vulkan's own header, as the driver will read it.
  if (payload.size() < kVulkanHeaderBytes) {
    d.problem = "the driver data is " + std::to_string(payload.size()) + " bytes, shorter than Vulkan's " +
                std::to_string(kVulkanHeaderBytes) + "-byte cache header";
    return d;
  }
  const auto header_size = get<uint32_t>(payload, 0), header_version = get<uint32_t>(payload, 4);
  if (header_version != kVulkanHeaderVersionOne || header_size < kVulkanHeaderBytes || header_size > payload.size()) {
    d.problem = "Vulkan cache header of version " + std::to_string(header_version) + " and size " +
                std::to_string(header_size) + ", expected version 1 and a size from 32 to " +
                std::to_string(payload.size());
    return d;
  }
  const auto vk_vendor = get<uint32_t>(payload, 8), vk_device = get<uint32_t>(payload, 12);
  const auto* vk_uuid = reinterpret_cast<const uint8_t*>(payload.data() + 16);
  if (vk_vendor != key.vendor_id || vk_device != key.device_id || std::memcmp(vk_uuid, key.cache_uuid.data(), 16) != 0) {
    d.problem = "Vulkan cache header written for " + device_text(vk_vendor, vk_device, vk_uuid) + "; expected " +
                device_text(key.vendor_id, key.device_id, key.cache_uuid.data());
    return d;
  }
  d.payload = payload;
  return d;
}

}  // namespace vkg::vk
