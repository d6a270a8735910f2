#include "runtime/backend.h"

#include <stdexcept>

#include "runtime/cpu/cpu_backend.h"

namespace vkg {

std::unique_ptr<Backend> make_backend(const std::string& name, const BackendOptions& options) {
  if (name == "cpu") return std::make_unique<cpu::CpuBackend>(options.n_threads);
  throw std::runtime_error("unknown backend '" + name + "' (available: cpu)");
}

}  // namespace vkg
