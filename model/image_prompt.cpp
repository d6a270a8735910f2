#include "model/image_prompt.h"

#include <stdexcept>

namespace vkg {

std::vector<int> tokenize_with_images(const Tokenizer& tok, const VisionConfig& v, const std::string& text,
                                      int n_images, bool add_bos) {
  const std::string marker = kImageMarker;
  std::vector<std::string> pieces;  // the text between markers
  size_t at = 0;
  for (size_t hit; (hit = text.find(marker, at)) != std::string::npos; at = hit + marker.size())
    pieces.push_back(text.substr(at, hit - at));
  pieces.push_back(text.substr(at));
  const int markers = static_cast<int>(pieces.size()) - 1;
  if (markers == 0 && n_images > 0) pieces.insert(pieces.begin(), static_cast<size_t>(n_images), std::string());
  else if (markers != n_images)
    throw std::runtime_error("the prompt has " + std::to_string(markers) + " " + marker + " marker(s) for " +
                             std::to_string(n_images) + " image(s)");

  std::vector<int> ids;
  if (add_bos) ids.push_back(tok.bos_id());
  for (size_t i = 0; i < pieces.size(); ++i) {
    std::string s = pieces[i];
    if (i > 0) s = "\n\n" + s;                  // after the previous image's <end_of_image>
    if (i + 1 < pieces.size()) s += "\n\n";     // before this image's <start_of_image>
    const std::vector<int> t = tok.encode(s, false);
    ids.insert(ids.end(), t.begin(), t.end());
    if (i + 1 < pieces.size()) {
      ids.push_back(v.boi_id);
      ids.insert(ids.end(), static_cast<size_t>(v.tokens_per_image), v.soft_id);
      ids.push_back(v.eoi_id);
    }
  }
  return ids;
}

}  // namespace vkg
