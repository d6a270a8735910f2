// Command-line options: `vkgemma COMMAND [--flag value | --flag=value | --switch]...`, parsed with CLI11.
// -h / --help prints the command's options (and throws HelpShown: main exits 0); unknown flags are errors
// naming the nearest known one.
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

namespace vkg::app {

// Thrown after --help printed the command's options: nothing else to do.
struct HelpShown {};

class Args {
 public:
  // The command being parsed and one line about it, for --help and error messages (main sets them).
  static void set_command(const std::string& name, const std::string& about);
  // value_flags take a value, switches do not; short aliases map to long names (e.g. "-m" -> "--model").
  Args(const std::vector<std::string>& argv, const std::set<std::string>& value_flags,
       const std::set<std::string>& switches, const std::map<std::string, std::string>& aliases);

  bool has(const std::string& flag) const { return values_.count(flag) || switches_.count(flag); }
  std::string get(const std::string& flag, const std::string& fallback) const;
  std::string require(const std::string& flag) const;  // throws "missing --flag"
  int get_int(const std::string& flag, int fallback) const;
  double get_double(const std::string& flag, double fallback) const;
  // Every value of a flag given several times (e.g. --image a.png --image b.png), in order.
  std::vector<std::string> get_all(const std::string& flag) const;

 private:
  std::map<std::string, std::string> values_;  // the last value of each flag
  std::map<std::string, std::vector<std::string>> all_values_;
  std::set<std::string> switches_;
};

}  // namespace vkg::app
