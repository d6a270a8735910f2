// Per-op timing, summed over steps: the table users read as a GPU (or CPU) profile.
#pragma once
#include <map>
#include <string>

namespace vkg {

class OpProfile {
 public:
  void add(const std::string& op, double ms);
  void clear() { rows_.clear(); }
  bool empty() const { return rows_.empty(); }
  // "op  count  total ms  share", sorted by total time, with a total line.
  std::string table() const;

 private:
  struct Row {
    long count = 0;
    double ms = 0;
  };
  std::map<std::string, Row> rows_;
};

}  // namespace vkg
