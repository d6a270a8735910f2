#include "model/engine/image_input.h"

#include <stdexcept>

#include "model/image.h"

namespace vkg {

std::vector<std::vector<float>> encode_image_files(Session& session, const std::vector<std::string>& paths) {
  std::vector<std::vector<float>> out;
  if (paths.empty()) return out;
  const VisionConfig* v = session.model().vision();
  if (!v)
    throw std::runtime_error(session.model().path() + ": images need a vision tower (a Gemma 3 4B+ Hugging Face "
                             "directory, or a GGUF model with --mmproj FILE)");
  for (const std::string& path : paths)
    out.push_back(session.encode_image(preprocess_image(load_image(path), v->image_size)));
  return out;
}

}  // namespace vkg
