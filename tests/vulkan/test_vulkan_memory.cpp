// The block sub-allocator (runtime/vulkan/memory.h) on the Vulkan device: buffers share a few blocks, ranges
// are aligned and never overlap, freed ranges are reused, a block goes back to the driver with its last range,
// and a buffer larger than half a block gets its own.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "runtime/vulkan/buffer.h"
#include "runtime/vulkan/memory.h"

using namespace vkg;

TEST_SUITE("vulkan_limits") {
  TEST_CASE("device memory: many buffers in few blocks, aligned, disjoint, reused, returned") {
    vk::ContextOptions co;
    co.validation = true;
    vk::Context ctx(co);
    const uint32_t before = ctx.allocation_count();
    vk::DeviceMemory& mem = ctx.memory();
    const uint32_t type = 0;
    std::vector<vk::DeviceMemory::Range> ranges;
    for (int i = 0; i < 100; ++i) ranges.push_back(mem.allocate(10000 + 37 * i, 256, type, "test range"));
    CHECK(ctx.allocation_count() == before + 1);  // 1 MB in one 64 MiB block
    std::vector<std::pair<uint64_t, uint64_t>> spans;
    for (const auto& r : ranges) {
      CHECK(r.offset % 256 == 0);
      CHECK(r.memory == ranges[0].memory);
      spans.push_back({r.offset, r.offset + r.size});
    }
    std::sort(spans.begin(), spans.end());
    for (size_t i = 1; i < spans.size(); ++i) CHECK(spans[i - 1].second <= spans[i].first);
    // A freed range's place serves the next request of its size.
    const uint64_t freed_at = ranges[50].offset;
    mem.free(ranges[50]);
    ranges[50] = mem.allocate(10000 + 37 * 50, 256, type, "test range");
    CHECK(ranges[50].offset == freed_at);
    // Larger than half a block: a block of its own.
    const vk::DeviceMemory::Range big = mem.allocate(mem.block_bytes() / 2 + 1, 256, type, "big range");
    CHECK(big.memory != ranges[0].memory);
    CHECK(big.offset == 0);
    CHECK(ctx.allocation_count() == before + 2);
    mem.free(big);
    for (const auto& r : ranges) mem.free(r);
    CHECK(ctx.allocation_count() == before);
    CHECK(ctx.allocated_bytes() == 0);
  }

  TEST_CASE("device memory: host-visible buffers in one block keep their own bytes") {
    vk::ContextOptions co;
    co.validation = true;
    vk::Context ctx(co);
    std::vector<std::unique_ptr<vk::Buffer>> buffers;
    for (int i = 0; i < 8; ++i) buffers.push_back(std::make_unique<vk::Buffer>(ctx, 4096 + i, "b", true));
    if (!buffers[0]->mapped()) return;  // a device without host-visible memory: nothing to write through
    for (int i = 0; i < 8; ++i) std::memset(buffers[size_t(i)]->mapped(), i + 1, 4096 + size_t(i));
    for (int i = 0; i < 8; ++i) {
      const auto* p = static_cast<const uint8_t*>(buffers[size_t(i)]->mapped());
      CHECK(std::all_of(p, p + 4096 + i, [&](uint8_t v) { return v == i + 1; }));
    }
    CHECK(ctx.allocation_count() == 1);
  }
}
