// Prompt tokens with images, as transformers' Gemma3Processor builds them: each "<start_of_image>" in the
// text becomes "\n\n<start_of_image>" + tokens_per_image x "<image_soft_token>" + "<end_of_image>\n\n",
// and the text between special tokens is tokenized piece by piece (so those newlines merge with the
// neighbouring text, exactly as in the reference).
#pragma once
#include <string>
#include <vector>

#include "model/chat_template.h"
#include "model/config.h"
#include "model/tokenizer.h"

namespace vkg {

// The text between image markers (kImageMarker): one part more than there are markers.
std::vector<std::string> split_at_markers(const std::string& text);

// Runs of image soft tokens in `tokens`: each is one image.
int image_runs(const std::vector<int>& tokens, const VisionConfig& vision);

// `n_images` images: the text must hold exactly that many markers, or none (then the images go first, as
// the Gemma 3 chat template puts them before the user's text). Throws naming the counts otherwise.
std::vector<int> tokenize_with_images(const Tokenizer& tok, const VisionConfig& vision, const std::string& text,
                                      int n_images, bool add_bos);

// A rendered prompt with images: the markers are template text (chat_prompt / chat_user_turn put one per
// image), expanded as above; what users wrote is tokenized as text, never as control tokens. Adjacent template
// pieces are tokenized together, so the newlines around an image merge with the template as in the reference.
// Throws unless the markers number `n_images`.
std::vector<int> encode_pieces_with_images(const Tokenizer& tok, const VisionConfig& vision, const PromptPieces& pieces,
                                           int n_images, bool add_bos);

}  // namespace vkg
