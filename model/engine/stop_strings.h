// Stop strings while streaming: text that ends generation, cut out of the output even when it arrives split
// over several tokens.
#pragma once
#include <string>
#include <vector>

namespace vkg {

// Splits text at stop strings while streaming: push() returns what can be emitted now, holding back a tail
// that may still become a stop string. found() once a stop string has appeared (the text before it was
// returned, the rest is dropped).
class StopStringFilter {
 public:
  explicit StopStringFilter(std::vector<std::string> stops);
  std::string push(const std::string& text);
  std::string flush();  // the held-back tail, at the end of generation
  bool found() const { return found_; }

 private:
  std::vector<std::string> stops_;
  std::string pending_;
  bool found_ = false;
};

}  // namespace vkg
