// What an embedder asks before and after opening a model: the devices it may run on (vkg_device_*) and what
// a loaded model is (vkg_model_info). Both fill caller-owned structs whose struct_size says how much of the
// struct the caller knows, so that a later library adding fields at the end still fills an older program's.
#include <algorithm>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "app/c_api/handles.h"
#include "model/chat_template.h"
#include "runtime/platform/memory.h"
#include "runtime/services.h"

using namespace vkg_c;

namespace {

struct Device {
  std::string backend, name, type;
  int index = -1;
  uint64_t memory = 0;
};

// The CPU's name as the OS reports it (Linux: /proc/cpuinfo), else a plain "CPU".
std::string cpu_name() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0 && line.find(':') != std::string::npos) {
      std::string name = line.substr(line.find(':') + 1);
      name.erase(0, name.find_first_not_of(" \t"));
      if (!name.empty()) return name;
    }
  return "CPU";
}

// Listed once per process (creating a Vulkan instance takes tens of milliseconds); thread-safe by the
// function-local static. No Vulkan loader or driver leaves only the CPU.
const std::vector<Device>& devices() {
  static const std::vector<Device> list = [] {
    std::vector<Device> out;
    try {
      for (const vkg::VulkanDevice& d : vkg::vulkan_devices()) out.push_back({"vulkan", d.name, d.type, d.index, d.memory_bytes});
    } catch (const std::exception&) {
    }
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    out.push_back({"cpu", cpu_name() + " (" + std::to_string(threads) + " threads)", "cpu", -1, vkg::physical_memory_bytes()});
    return out;
  }();
  return list;
}

void copy_string(const std::string& s, char* out, size_t capacity) {
  const size_t n = std::min(s.size(), capacity - 1);
  std::memcpy(out, s.data(), n);
  out[n] = '\0';
}

// Copies the fields the caller's struct has (its struct_size), keeping its struct_size.
template <typename T>
int copy_sized(const T& full, T* out, const char* function) {
  if (!out) return fail(std::string(function) + ": the struct is NULL");
  const size_t size = out->struct_size;
  if (size < sizeof(size_t))
    return fail(std::string(function) + ": struct_size is " + std::to_string(size) + "; set it to sizeof the struct");
  std::memcpy(reinterpret_cast<char*>(out) + sizeof(size_t), reinterpret_cast<const char*>(&full) + sizeof(size_t),
              std::min(size, sizeof(T)) - sizeof(size_t));
  return 0;
}

}  // namespace

extern "C" {

int vkg_device_count(void) {
  return guarded([] { return static_cast<int>(devices().size()); }, -1);
}

int vkg_device_info(int index, vkg_device* info) {
  return guarded(
      [&] {
        const std::vector<Device>& list = devices();
        if (index < 0 || index >= static_cast<int>(list.size()))
          return fail("vkg_device_info: no device " + std::to_string(index) + " (there are " +
                      std::to_string(list.size()) + ")");
        const Device& d = list[index];
        vkg_device full{};
        full.struct_size = sizeof full;
        copy_string(d.backend, full.backend, sizeof full.backend);
        full.device = d.index;
        copy_string(d.name, full.name, sizeof full.name);
        copy_string(d.type, full.type, sizeof full.type);
        full.memory_bytes = d.memory;
        return copy_sized(full, info, "vkg_device_info");
      },
      -1);
}

int vkg_model_info(const vkg_model* model, vkg_model_summary* info) {
  if (!check_model(model)) return -1;
  return guarded(
      [&] {
        const vkg::Model& m = *model->model;
        const vkg::GemmaConfig& c = m.config();
        vkg_model_summary full{};
        full.struct_size = sizeof full;
        copy_string(c.name, full.name, sizeof full.name);
        copy_string(vkg::generation_name(c.generation), full.architecture, sizeof full.architecture);
        copy_string(vkg::chat_format(c.generation, m.chat_template()) == vkg::ChatFormat::gemma4 ? "gemma4" : "gemma",
                    full.chat_template, sizeof full.chat_template);
        for (const auto& [name, t] : m.weights()) full.parameters += t.elements();
        full.weight_bytes = m.weight_bytes();
        full.context = model->session->context();
        full.max_context = c.context_length;
        full.vocab_size = c.vocab_size;
        full.layers = c.n_layers;
        full.hidden = c.hidden;
        full.vision = m.vision() ? 1 : 0;
        full.tokens_per_image = m.vision() ? m.vision()->tokens_per_image : 0;
        return copy_sized(full, info, "vkg_model_info");
      },
      -1);
}

}  // extern "C"
