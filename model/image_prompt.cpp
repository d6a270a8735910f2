#include "model/image_prompt.h"

#include <stdexcept>

namespace vkg {

std::vector<std::string> split_at_markers(const std::string& text) {
  const std::string marker = kImageMarker;
  std::vector<std::string> parts;
  size_t at = 0;
  for (size_t hit; (hit = text.find(marker, at)) != std::string::npos; at = hit + marker.size())
    parts.push_back(text.substr(at, hit - at));
  parts.push_back(text.substr(at));
  return parts;
}

namespace {

// Appends the parts with an image block between each two (specials: control tokens in the parts parsed).
void append_with_images(const Tokenizer& tok, const VisionConfig& v, const std::vector<std::string>& parts,
                        bool specials, std::vector<int>& ids) {
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string s = parts[i];
    if (i > 0) s = "\n\n" + s;              // after the previous image's <end_of_image>
    if (i + 1 < parts.size()) s += "\n\n";  // before this image's <start_of_image>
    const std::vector<int> t = tok.encode(s, false, specials);
    ids.insert(ids.end(), t.begin(), t.end());
    if (i + 1 < parts.size()) {
      ids.push_back(v.boi_id);
      ids.insert(ids.end(), static_cast<size_t>(v.tokens_per_image), v.soft_id);
      ids.push_back(v.eoi_id);
    }
  }
}

std::runtime_error marker_count(int markers, int n_images) {
  return std::runtime_error("the prompt has " + std::to_string(markers) + " " + kImageMarker + " marker(s) for " +
                            std::to_string(n_images) + " image(s)");
}

}  // namespace

std::vector<int> tokenize_with_images(const Tokenizer& tok, const VisionConfig& v, const std::string& text,
                                      int n_images, bool add_bos) {
  std::vector<std::string> parts = split_at_markers(text);
  const int markers = static_cast<int>(parts.size()) - 1;
  if (markers == 0 && n_images > 0) parts.insert(parts.begin(), static_cast<size_t>(n_images), std::string());
  else if (markers != n_images) throw marker_count(markers, n_images);
  std::vector<int> ids;
  if (add_bos) ids.push_back(tok.bos_id());
  append_with_images(tok, v, parts, true, ids);
  return ids;
}

std::vector<int> encode_pieces_with_images(const Tokenizer& tok, const VisionConfig& v, const PromptPieces& pieces,
                                           int n_images, bool add_bos) {
  std::vector<int> ids;
  if (add_bos) ids.push_back(tok.bos_id());
  int markers = 0;
  for (size_t i = 0; i < pieces.size();) {
    if (pieces[i].user) {
      const std::vector<int> t = tok.encode(pieces[i++].text, false, /*specials=*/false);
      ids.insert(ids.end(), t.begin(), t.end());
      continue;
    }
    std::string text;  // adjacent template pieces together
    for (; i < pieces.size() && !pieces[i].user; ++i) text += pieces[i].text;
    const std::vector<std::string> parts = split_at_markers(text);
    markers += static_cast<int>(parts.size()) - 1;
    append_with_images(tok, v, parts, true, ids);
  }
  if (markers != n_images) throw marker_count(markers, n_images);
  return ids;
}

int image_runs(const std::vector<int>& tokens, const VisionConfig& vision) {
  int runs = 0;
  for (size_t i = 0; i < tokens.size(); ++i)
    runs += tokens[i] == vision.soft_id && (i == 0 || tokens[i - 1] != vision.soft_id);
  return runs;
}

}  // namespace vkg
