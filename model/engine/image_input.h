// Image files into the embeddings a Prompt carries: load (stb_image), preprocess as transformers does, and
// run the vision tower on the session's backend.
#pragma once
#include <string>
#include <vector>

#include "model/pan_and_scan.h"
#include "model/session.h"

namespace vkg {

// Throws naming a file that cannot be read, or the model when it has no vision tower.
std::vector<std::vector<float>> encode_image_files(Session& session, const std::vector<std::string>& paths);

// The same with pan and scan (model/pan_and_scan.h): each file's original, then its crops; crops[i] is file i's
// crop count (for expand_crop_markers).
std::vector<std::vector<float>> encode_image_files_with_crops(Session& session, const std::vector<std::string>& paths,
                                                              const PanAndScan& options, std::vector<int>& crops);

}  // namespace vkg
