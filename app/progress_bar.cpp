#include "app/progress_bar.h"

#include <algorithm>
#include <cstdio>
#include <memory>

#include "runtime/platform/terminal.h"

namespace vkg::app {

std::string progress_line(const std::string& label, int64_t done, int64_t total, int width) {
  const double f = total > 0 ? std::clamp(static_cast<double>(done) / static_cast<double>(total), 0.0, 1.0) : 1.0;
  const int filled = static_cast<int>(f * width);
  char tail[64];
  std::snprintf(tail, sizeof tail, "] %3d%%  %.0f/%.0f MiB", static_cast<int>(f * 100), done / 1048576.0,
                total / 1048576.0);
  return label + " [" + std::string(static_cast<size_t>(filled), '#') + std::string(static_cast<size_t>(width - filled), ' ') +
         tail;
}

std::function<void(int64_t, int64_t)> progress_bar(const std::string& label) {
  if (!stderr_is_terminal()) return {};
  auto last_percent = std::make_shared<int>(-1);
  return [label, last_percent](int64_t done, int64_t total) {
    const int percent = total > 0 ? static_cast<int>(100 * done / total) : 100;
    if (percent == *last_percent) return;  // redraw only when the number changes
    *last_percent = percent;
    std::fprintf(stderr, "\r%s", progress_line(label, done, total).c_str());
    if (done >= total) std::fputs("\r\033[K", stderr);  // erase the finished bar
    std::fflush(stderr);
  };
}

}  // namespace vkg::app
