#include "model/engine/image_input.h"

#include <stdexcept>

#include "model/image.h"

namespace vkg {

std::vector<std::vector<float>> encode_image_files(Session& session, const std::vector<std::string>& paths,
                                                   const PanAndScan* pan_and_scan, std::vector<int>* crops) {
  std::vector<std::vector<float>> out;
  if (crops) crops->clear();
  if (paths.empty()) return out;
  const VisionConfig* v = session.model().vision();
  if (!v)
    throw std::runtime_error(session.model().path() + ": images need a vision tower (a Gemma 3 4B+ Hugging Face "
                             "directory, or a GGUF model with --mmproj FILE)");
  for (const std::string& path : paths) {
    const RgbImage image = load_image(path);
    out.push_back(session.encode_image(preprocess_image(image, v->image_size)));
    if (!pan_and_scan) continue;
    const std::vector<RgbImage> parts = pan_and_scan_crops(image, *pan_and_scan);
    for (const RgbImage& part : parts) out.push_back(session.encode_image(preprocess_image(part, v->image_size)));
    if (crops) crops->push_back(static_cast<int>(parts.size()));
  }
  return out;
}

}  // namespace vkg
