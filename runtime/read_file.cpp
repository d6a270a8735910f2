#include "runtime/read_file.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace vkg {

std::string read_file(const std::string& path, const std::string& what) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot open " + what);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace vkg
