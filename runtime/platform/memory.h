// The machine's physical memory, for sizing the default KV cache of the CPU backend.
#pragma once
#include <cstdint>

namespace vkg {

uint64_t physical_memory_bytes();  // 0 if unknown

}  // namespace vkg
