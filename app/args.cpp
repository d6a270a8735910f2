#include "app/args.h"

#include <stdexcept>

namespace vkg::app {

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& value_flags,
           const std::set<std::string>& switches, const std::map<std::string, std::string>& aliases) {
  for (size_t i = 0; i < argv.size(); ++i) {
    std::string flag = argv[i];
    auto alias = aliases.find(flag);
    if (alias != aliases.end()) flag = alias->second;
    if (switches.count(flag)) {
      switches_.insert(flag);
    } else if (value_flags.count(flag)) {
      if (i + 1 >= argv.size()) throw std::runtime_error("option " + flag + " needs a value");
      values_[flag] = argv[++i];
      all_values_[flag].push_back(argv[i]);
    } else {
      throw std::runtime_error("unknown option '" + argv[i] + "'");
    }
  }
}

std::string Args::get(const std::string& flag, const std::string& fallback) const {
  auto it = values_.find(flag);
  return it == values_.end() ? fallback : it->second;
}

std::vector<std::string> Args::get_all(const std::string& flag) const {
  auto it = all_values_.find(flag);
  return it == all_values_.end() ? std::vector<std::string>{} : it->second;
}

std::string Args::require(const std::string& flag) const {
  auto it = values_.find(flag);
  if (it == values_.end()) throw std::runtime_error("missing required option " + flag);
  return it->second;
}

int Args::get_int(const std::string& flag, int fallback) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return fallback;
  try {
    size_t used = 0;
    int v = std::stoi(it->second, &used);
    if (used != it->second.size()) throw std::invalid_argument("trailing");
    return v;
  } catch (const std::exception&) {
    throw std::runtime_error("option " + flag + " expects an integer, got '" + it->second + "'");
  }
}

double Args::get_double(const std::string& flag, double fallback) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return fallback;
  try {
    size_t used = 0;
    double v = std::stod(it->second, &used);
    if (used != it->second.size()) throw std::invalid_argument("trailing");
    return v;
  } catch (const std::exception&) {
    throw std::runtime_error("option " + flag + " expects a number, got '" + it->second + "'");
  }
}

}  // namespace vkg::app
