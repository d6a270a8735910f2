// Prompt tokens with images, as transformers' Gemma3Processor builds them: each "<start_of_image>" in the
// text becomes "\n\n<start_of_image>" + tokens_per_image x "<image_soft_token>" + "<end_of_image>\n\n",
// and the text between special tokens is tokenized piece by piece (so those newlines merge with the
// neighbouring text, exactly as in the reference).
#pragma once
#include <string>
#include <vector>

#include "model/config.h"
#include "model/tokenizer.h"

namespace vkg {

inline constexpr const char* kImageMarker = "<start_of_image>";

// `n_images` images: the text must hold exactly that many markers, or none (then the images go first, as
// the Gemma 3 chat template puts them before the user's text). Throws naming the counts otherwise.
std::vector<int> tokenize_with_images(const Tokenizer& tok, const VisionConfig& vision, const std::string& text,
                                      int n_images, bool add_bos);

}  // namespace vkg
