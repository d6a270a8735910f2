#include "model/sampling_defaults.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <type_traits>

namespace vkg {

SamplingDefaults sampling_defaults(const Model& model) {
  SamplingDefaults d;
  d.params.temperature = 1.0f;
  d.params.top_k = 64;
  d.params.top_p = 0.95f;
  d.source = "Gemma's defaults";
  if (const GgufFile* f = model.gguf()) {
    bool any = false;
    auto number = [&](const char* key, auto& field) {
      const std::string k = std::string("general.sampling.") + key;
      if (!f->has(k)) return;
      const GgufValue& v = f->metadata().at(k);
      field = static_cast<std::remove_reference_t<decltype(field)>>(v.type == GgufType::F32 || v.type == GgufType::F64 ? v.f : double(v.i));
      any = true;
    };
    number("temp", d.params.temperature);
    number("top_k", d.params.top_k);
    number("top_p", d.params.top_p);
    number("min_p", d.params.min_p);
    number("penalty_repeat", d.params.repeat_penalty);
    number("penalty_last_n", d.params.repeat_last_n);
    if (any) d.source = "GGUF general.sampling";
    return d;
  }
  const std::filesystem::path path = std::filesystem::path(model.path()) / "generation_config.json";
  if (!std::filesystem::exists(path)) return d;
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  const nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, false);
  if (!j.is_object()) throw std::runtime_error(path.string() + ": not a JSON object");
  bool any = false;
  auto number = [&](const char* key, auto& field) {
    if (!j.contains(key) || j[key].is_null()) return;
    if (!j[key].is_number()) throw std::runtime_error(path.string() + ": '" + key + "' must be a number");
    field = static_cast<std::remove_reference_t<decltype(field)>>(j[key].get<double>());
    any = true;
  };
  number("temperature", d.params.temperature);
  number("top_k", d.params.top_k);
  number("top_p", d.params.top_p);
  number("min_p", d.params.min_p);
  number("repetition_penalty", d.params.repeat_penalty);
  // do_sample false: the publisher means greedy decoding.
  if (j.contains("do_sample") && j["do_sample"].is_boolean() && !j["do_sample"].get<bool>())
    d.params.temperature = 0.0f, any = true;
  if (any) d.source = "generation_config.json";
  return d;
}

}  // namespace vkg
