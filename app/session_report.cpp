#include "app/session_report.h"

#include <algorithm>
#include <cstdio>

#include "runtime/bytes.h"
#include "runtime/platform/memory.h"

namespace vkg::app {

std::string load_line(const Session& s, double load_seconds) {
  const Model& m = s.model();
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.2f", load_seconds);
  return "loaded " + m.path() + " (" + m.config().name + ", " + format_bytes(uint64_t(m.weight_bytes())) +
         " of weights) in " + secs + " s; backend " + s.backend().name() + ", context " +
         std::to_string(s.context()) + " tokens";
}

std::string memory_line(const Session& s) {
  const Model& m = s.model();
  const Backend::MemoryParts b = s.backend().memory_parts();
  const bool mapped = std::any_of(m.weights().begin(), m.weights().end(),
                                  [](const auto& w) { return w.second.file_backed; });
  // The CPU reads the model's own bytes (or its repacks of them); a device holds an uploaded copy.
  std::string text = "memory: weights " + format_bytes(uint64_t(m.weight_bytes())) +
                     (mapped ? " (mapped file" : " (converted on load") +
                     (b.repacked > 0 ? ", pages released once repacked)" : ")");
  if (b.weights > 0) text += ", on the device " + format_bytes(b.weights);
  if (b.repacked > 0)
    text += ", repacked " + format_bytes(b.repacked) +
            (b.repacked_mapped == b.repacked ? " (mapped from the pack cache)"
             : b.repacked_mapped > 0         ? " (" + format_bytes(b.repacked_mapped) + " mapped from the pack cache)"
                                             : "");
  text += ", KV cache " + format_bytes(b.kv_cache) + " (" + format_bytes(uint64_t(s.kv_cache_full_bytes())) +
          " at the full context), activations " + format_bytes(b.activations);
  const ProcessMemory p = process_memory();
  if (p.resident > 0) text += "; process resident " + format_bytes(p.resident) + ", peak " + format_bytes(p.peak);
  return text;
}

}  // namespace vkg::app
