// The file a VkPipelineCache is kept in between runs: our header (what it was written for, the payload's length
// and checksum) around the driver's opaque data. Plain bytes in and out, no Vulkan calls, so every way a file
// can be wrong is testable without a device.
//
// Layout (little-endian, 64 bytes, then the payload):
//   "VKGPIPES", u32 format version, u32 vendorID, u32 deviceID, u32 driverVersion, u8[16] pipelineCacheUUID,
//   u64 build (hash of the embedded SPIR-V), u64 payload bytes, u64 payload FNV-1a.
// The payload is what vkGetPipelineCacheData returned; it starts with Vulkan's own header
// (VkPipelineCacheHeaderVersionOne: size, version, vendorID, deviceID, UUID), checked here too because drivers
// are meant to reject foreign data but some crash on it instead.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace vkg::vk {

// What a cache's data is valid for: one driver build on one device, and one build of our shaders.
struct PipelineCacheKey {
  uint32_t vendor_id = 0, device_id = 0, driver_version = 0;
  std::array<uint8_t, 16> cache_uuid{};  // VkPhysicalDeviceProperties::pipelineCacheUUID
  uint64_t build = 0;                    // embedded_shaders_hash() of the program that wrote it
};

constexpr size_t kPipelineCacheHeaderBytes = 64;

// 64-bit FNV-1a, continuing from `h` (so several pieces hash as one).
uint64_t fnv1a64(std::string_view bytes, uint64_t h = 0xcbf29ce484222325ull);

// "pipelines-<vendor>-<device>-<16 hex digits of the driver version and UUID>.bin": one file per device and
// driver. The build is in the header, not the name, so an upgraded vkgemma replaces its file rather than
// leaving one behind per build.
std::string pipeline_cache_file_name(const PipelineCacheKey& key);

std::string encode_pipeline_cache(const PipelineCacheKey& key, std::string_view payload);

struct DecodedPipelineCache {
  std::string_view payload;  // the driver's data (a view of the file's bytes); empty unless problem is empty
  std::string problem;       // "" when the file is good for `key`, else what is wrong: expected vs got
  bool other_build = false;  // the only problem is that another build of vkgemma wrote it (not corruption)
};
DecodedPipelineCache decode_pipeline_cache(std::string_view file, const PipelineCacheKey& key);

}  // namespace vkg::vk
