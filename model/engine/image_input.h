// Image files into the embeddings a Prompt carries: load (stb_image), preprocess as transformers does, and
// run the vision tower on the session's backend.
#pragma once
#include <string>
#include <vector>

#include "model/pan_and_scan.h"
#include "model/session.h"

namespace vkg {

// Throws naming a file that cannot be read, or the model when it has no vision tower. With `pan_and_scan`
// (model/pan_and_scan.h): each file's original, then its crops, and crops[i] is file i's crop count (for
// expand_crop_markers).
std::vector<std::vector<float>> encode_image_files(Session& session, const std::vector<std::string>& paths,
                                                   const PanAndScan* pan_and_scan = nullptr,
                                                   std::vector<int>* crops = nullptr);

}  // namespace vkg
