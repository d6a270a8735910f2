#include "model/sampling_defaults.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>

#include "runtime/read_file.h"

namespace vkg {

namespace {

// Each value under its GGUF key (general.sampling.*) and its generation_config.json key (null: none).
struct Field {
  const char* gguf;
  const char* hf;
  void (*set)(SamplerParams&, double);
};
constexpr Field kFields[] = {
    {"temp", "temperature", [](SamplerParams& p, double v) { p.temperature = static_cast<float>(v); }},
    {"top_k", "top_k", [](SamplerParams& p, double v) { p.top_k = static_cast<int>(v); }},
    {"top_p", "top_p", [](SamplerParams& p, double v) { p.top_p = static_cast<float>(v); }},
    {"min_p", "min_p", [](SamplerParams& p, double v) { p.min_p = static_cast<float>(v); }},
    {"penalty_repeat", "repetition_penalty", [](SamplerParams& p, double v) { p.repeat_penalty = static_cast<float>(v); }},
    {"penalty_last_n", nullptr, [](SamplerParams& p, double v) { p.repeat_last_n = static_cast<int>(v); }},
};

// Sets every field `find` has a value for; returns whether there was any.
template <class Find>
bool apply(SamplerParams& p, Find find) {
  bool any = false;
  for (const Field& f : kFields)
    if (const std::optional<double> v = find(f)) f.set(p, *v), any = true;
  return any;
}

}  // namespace

SamplingDefaults sampling_defaults(const Model& model) {
  SamplingDefaults d;
  d.params.temperature = 1.0f;
  d.params.top_k = 64;
  d.params.top_p = 0.95f;
  d.source = "Gemma's defaults";
  if (const GgufFile* f = model.gguf()) {
    const bool any = apply(d.params, [&](const Field& field) -> std::optional<double> {
      const std::string k = std::string("general.sampling.") + field.gguf;
      if (!f->has(k)) return std::nullopt;
      const GgufValue& v = f->metadata().at(k);
      return v.type == GgufType::F32 || v.type == GgufType::F64 ? v.f : double(v.i);
    });
    if (any) d.source = "GGUF general.sampling";
    return d;
  }
  const std::filesystem::path path = std::filesystem::path(model.path()) / "generation_config.json";
  if (!std::filesystem::exists(path)) return d;
  const nlohmann::json j = nlohmann::json::parse(read_file(path.string()), nullptr, false);
  if (!j.is_object()) throw std::runtime_error(path.string() + ": not a JSON object");
  bool any = apply(d.params, [&](const Field& field) -> std::optional<double> {
    if (!field.hf || !j.contains(field.hf) || j[field.hf].is_null()) return std::nullopt;
    if (!j[field.hf].is_number()) throw std::runtime_error(path.string() + ": '" + field.hf + "' must be a number");
    return j[field.hf].get<double>();
  });
  // do_sample false: the publisher means greedy decoding.
  if (j.contains("do_sample") && j["do_sample"].is_boolean() && !j["do_sample"].get<bool>())
    d.params.temperature = 0.0f, any = true;
  if (any) d.source = "generation_config.json";
  return d;
}

}  // namespace vkg
