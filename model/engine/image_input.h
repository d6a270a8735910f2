// Image files into the embeddings a Prompt carries: load (stb_image), preprocess as transformers does, and
// run the vision tower on the session's backend.
#pragma once
#include <string>
#include <vector>

#include "model/session.h"

namespace vkg {

// Throws naming a file that cannot be read, or the model when it has no vision tower.
std::vector<std::vector<float>> encode_image_files(Session& session, const std::vector<std::string>& paths);

}  // namespace vkg
