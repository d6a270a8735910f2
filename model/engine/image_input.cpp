#include "model/engine/image_input.h"

#include <stdexcept>

#include "model/image.h"

namespace vkg {

namespace {
const VisionConfig& vision_of(Session& session) {
  const VisionConfig* v = session.model().vision();
  if (!v)
    throw std::runtime_error(session.model().path() + ": images need a vision tower (a Gemma 3 4B+ Hugging Face "
                             "directory, or a GGUF model with --mmproj FILE)");
  return *v;
}
}  // namespace

std::vector<std::vector<float>> encode_image_files(Session& session, const std::vector<std::string>& paths) {
  std::vector<std::vector<float>> out;
  if (paths.empty()) return out;
  const VisionConfig* v = &vision_of(session);
  for (const std::string& path : paths)
    out.push_back(session.encode_image(preprocess_image(load_image(path), v->image_size)));
  return out;
}

std::vector<std::vector<float>> encode_image_files_with_crops(Session& session, const std::vector<std::string>& paths,
                                                              const PanAndScan& options, std::vector<int>& crops) {
  std::vector<std::vector<float>> out;
  crops.clear();
  if (paths.empty()) return out;
  const VisionConfig& v = vision_of(session);
  for (const std::string& path : paths) {
    const RgbImage image = load_image(path);
    const std::vector<RgbImage> parts = pan_and_scan_crops(image, options);
    out.push_back(session.encode_image(preprocess_image(image, v.image_size)));
    for (const RgbImage& part : parts) out.push_back(session.encode_image(preprocess_image(part, v.image_size)));
    crops.push_back(static_cast<int>(parts.size()));
  }
  return out;
}

}  // namespace vkg
