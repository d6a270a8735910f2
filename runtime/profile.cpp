#include "runtime/profile.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace vkg {

void OpProfile::add(const std::string& op, double ms) {
  Row& r = rows_[op];
  r.count++;
  r.ms += ms;
}

std::string OpProfile::table() const {
  std::vector<std::pair<std::string, Row>> rows(rows_.begin(), rows_.end());
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.ms > b.second.ms; });
  double total = 0;
  long count = 0;
  for (const auto& [op, r] : rows) total += r.ms, count += r.count;
  std::string out;
  char line[160];
  std::snprintf(line, sizeof line, "%-20s %8s %12s %7s\n", "op", "count", "total ms", "share");
  out += line;
  for (const auto& [op, r] : rows) {
    std::snprintf(line, sizeof line, "%-20s %8ld %12.3f %6.1f%%\n", op.c_str(), r.count, r.ms,
                  total > 0 ? 100.0 * r.ms / total : 0.0);
    out += line;
  }
  std::snprintf(line, sizeof line, "%-20s %8ld %12.3f %6.1f%%\n", "total", count, total, 100.0);
  return out + line;
}

}  // namespace vkg
