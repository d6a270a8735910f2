// The Vulkan read-bandwidth probe (runtime/vulkan/read_bandwidth.h) under the validation layer: its buffer is
// raised to 256 MiB or the device's largest storage buffer (lavapipe: 128 MiB), a measurement is a positive,
// finite figure, and its memory goes back; read as storage buffers (GPU kernels) and as texels (CPU devices').
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "runtime/vulkan/read_bandwidth.h"

using namespace vkg;

TEST_SUITE("vulkan_limits") {
  TEST_CASE("read bandwidth probe: a compute shader streams a device buffer of 256 MiB or the device's most") {
    vk::ContextOptions co;
    co.validation = true;
    vk::Context ctx(co);
    for (bool texels : {false, true}) {
      CAPTURE(texels);
      {
        vk::VulkanReadBandwidthProbe probe(ctx, 1 << 20, texels);
        int64_t most = static_cast<int64_t>(ctx.limits().maxStorageBufferRange) - 64;
        if (texels) most = std::min<int64_t>(most, int64_t{ctx.limits().maxTexelBufferElements} * 16 - 64);
        CHECK(probe.bytes() == std::min<int64_t>(int64_t{256} << 20, most / 4096 * 4096));
        const double gbps = probe.measure_gbps();
        CHECK(std::isfinite(gbps));
        CHECK(gbps > 0.0);
      }
      CHECK(ctx.allocated_bytes() == 0);
    }
  }
}
