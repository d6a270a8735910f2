// A one-line progress bar on stderr, drawn only when stderr is a terminal (logs and pipes stay clean).
#pragma once
#include <cstdint>
#include <functional>
#include <string>

namespace vkg::app {

// A callback for LoadOptions/SessionOptions::progress that draws "label [#####     ]  42%  120/270 MiB";
// empty (no callback) when stderr is not a terminal.
std::function<void(int64_t done, int64_t total)> progress_bar(const std::string& label);

// The line itself (exposed for tests): `width` characters of bar.
std::string progress_line(const std::string& label, int64_t done, int64_t total, int width = 30);

}  // namespace vkg::app
