// Memory sizes as people write and read them (error messages, --max-memory).
#pragma once
#include <cstdint>
#include <string>

namespace vkg {

// "1.9 GiB", "12.0 MiB", "3.0 KiB", "512 bytes".
std::string format_bytes(uint64_t bytes);
// Parses a size such as "512M", "2G", "1.5GiB", "4096" (bytes); throws naming the text otherwise.
uint64_t parse_bytes(const std::string& text);

}  // namespace vkg
