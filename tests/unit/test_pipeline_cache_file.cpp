// The pipeline cache's file (runtime/vulkan/pipeline_cache_file.h), without a device: what is written reads back
// as the same driver data, and every way a file can be wrong (truncated, a flipped byte, another device or
// driver, another build, a foreign Vulkan header) is refused with the reason, expected vs got.
#include <doctest/doctest.h>

#include <cstring>

#include "runtime/vulkan/pipeline_cache_file.h"

using namespace vkg::vk;

namespace {

PipelineCacheKey test_key() {
  PipelineCacheKey k;
  k.vendor_id = 0x10005;
  k.device_id = 0;
  k.driver_version = 0x5803006;
  for (uint8_t i = 0; i < 16; ++i) k.cache_uuid[i] = static_cast<uint8_t>(0xa0 + i);
  k.build = 0x1234567890abcdefull;
  return k;
}

// What a driver returns: VkPipelineCacheHeaderVersionOne (size 32, version 1, vendor, device, UUID) and data.
std::string driver_data(const PipelineCacheKey& k, const std::string& body = "compiled pipelines") {
  std::string d(32, '\0');
  const uint32_t fields[4] = {32, 1, k.vendor_id, k.device_id};
  std::memcpy(d.data(), fields, sizeof fields);
  std::memcpy(d.data() + 16, k.cache_uuid.data(), 16);
  return d + body;
}

}  // namespace

TEST_SUITE("pipeline_cache") {
  TEST_CASE("a written file reads back as the driver's data") {
    const PipelineCacheKey k = test_key();
    const std::string data = driver_data(k);
    const std::string file = encode_pipeline_cache(k, data);
    CHECK(file.size() == kPipelineCacheHeaderBytes + data.size());
    const DecodedPipelineCache d = decode_pipeline_cache(file, k);
    CHECK(d.problem == "");
    CHECK(d.payload == data);
  }

  TEST_CASE("truncated files are refused") {
    const PipelineCacheKey k = test_key();
    const std::string file = encode_pipeline_cache(k, driver_data(k));
    CHECK(decode_pipeline_cache("", k).problem == "truncated: 0 bytes, expected at least the 64-byte header");
    CHECK(decode_pipeline_cache(file.substr(0, 40), k).problem.find("truncated: 40 bytes") == 0);
    const DecodedPipelineCache d = decode_pipeline_cache(file.substr(0, file.size() - 5), k);
    CHECK(d.problem == "the header promises 50 bytes of driver data, the file holds 45");
    CHECK(d.payload.empty());
  }

  TEST_CASE("a flipped byte of the driver's data fails the checksum") {
    const PipelineCacheKey k = test_key();
    std::string file = encode_pipeline_cache(k, driver_data(k));
    file[file.size() - 3] ^= 0x10;
    const DecodedPipelineCache d = decode_pipeline_cache(file, k);
    CHECK(d.problem.find("checksum mismatch: the driver data hashes to 0x") == 0);
    CHECK_FALSE(d.other_build);
  }

  TEST_CASE("another device, driver, format or file kind is refused, naming both") {
    const PipelineCacheKey k = test_key();
    const std::string file = encode_pipeline_cache(k, driver_data(k));
    PipelineCacheKey other = k;
    other.driver_version += 1;
    CHECK(decode_pipeline_cache(file, other).problem ==
          "written for vendor 0x10005, device 0x0000, cache UUID a0a1a2a3a4a5a6a7a8a9aaabacadaeaf, driver 0x05803006; "
          "expected vendor 0x10005, device 0x0000, cache UUID a0a1a2a3a4a5a6a7a8a9aaabacadaeaf, driver 0x05803007");
    other = k;
    other.cache_uuid[15] = 0;
    CHECK(decode_pipeline_cache(file, other).problem.find("written for vendor") == 0);
    std::string bad_magic = file;
    bad_magic[0] = 'X';
    CHECK(decode_pipeline_cache(bad_magic, k).problem.find("not a vkgemma pipeline cache") == 0);
    std::string new_format = file;
    new_format[8] = 2;
    CHECK(decode_pipeline_cache(new_format, k).problem == "format version 2, expected 1");
  }

  TEST_CASE("another build's file is refused quietly, as expected after an upgrade") {
    PipelineCacheKey k = test_key();
    const std::string file = encode_pipeline_cache(k, driver_data(k));
    k.build ^= 1;
    const DecodedPipelineCache d = decode_pipeline_cache(file, k);
    CHECK(d.other_build);
    CHECK(d.problem.find("written by another vkgemma build") == 0);
  }

  TEST_CASE("the driver's own header is checked before a driver sees it") {
    const PipelineCacheKey k = test_key();
    PipelineCacheKey foreign = k;
    foreign.device_id = 0x73bf;
    // Our header says this device, Vulkan's says another: a corrupt or hand-made file.
    CHECK(decode_pipeline_cache(encode_pipeline_cache(k, driver_data(foreign)), k).problem ==
          "Vulkan cache header written for vendor 0x10005, device 0x73bf, cache UUID a0a1a2a3a4a5a6a7a8a9aaabacadaeaf; "
          "expected vendor 0x10005, device 0x0000, cache UUID a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
    CHECK(decode_pipeline_cache(encode_pipeline_cache(k, "short"), k).problem ==
          "the driver data is 5 bytes, shorter than Vulkan's 32-byte cache header");
    std::string data = driver_data(k);
    data[0] = 100;  // a header size past the data
    CHECK(decode_pipeline_cache(encode_pipeline_cache(k, data), k).problem ==
          "Vulkan cache header of version 1 and size 100, expected version 1 and a size from 32 to 50");
  }

  TEST_CASE("one file per device and driver; the build is not in the name") {
    PipelineCacheKey k = test_key();
    const std::string name = pipeline_cache_file_name(k);
    CHECK(name.find("pipelines-10005-0000-") == 0);
    CHECK(name.size() == std::string("pipelines-10005-0000-0123456789abcdef.bin").size());
    k.build += 1;
    CHECK(pipeline_cache_file_name(k) == name);
    k.driver_version += 1;
    CHECK(pipeline_cache_file_name(k) != name);
  }

  TEST_CASE("FNV-1a 64 known answers") {
    CHECK(fnv1a64("") == 0xcbf29ce484222325ull);
    CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cull);
    CHECK(fnv1a64("bar", fnv1a64("foo")) == fnv1a64("foobar"));
  }
}
