// Gemma 3's pan and scan (transformers' Gemma3ImageProcessor do_pan_and_scan): a wide or tall image is also
// given to the vision tower as 2 to 4 crops side by side or stacked, each preprocessed like a whole image, and
// the prompt says so ("Here is the original image ... and here are some crops to help you see better ...").
// Off by default, as in transformers (`--pan-and-scan` in run).
#pragma once
#include <string>
#include <vector>

#include "model/image.h"

namespace vkg {

// transformers' defaults (Gemma3Processor's images_kwargs).
struct PanAndScan {
  int min_crop_size = 256;     // no crop narrower or lower than this
  int max_crops = 4;
  double min_ratio = 1.2;      // the aspect ratio from which the image is cropped
};

// The crops of `image` in row-major order (left to right, or top to bottom), or none where the image is not
// wide or tall enough, or its crops would be smaller than min_crop_size.
std::vector<RgbImage> pan_and_scan_crops(const RgbImage& image, const PanAndScan& options);

// The prompt text with image marker i (kImageMarker) expanded for an image with crops[i] crops, as transformers'
// Gemma3Processor writes it: "Here is the original image " M " and here are some crops to help you see better "
// M " " M ...; an image without crops keeps its one marker. A text without markers gets one per image first (the
// images then come before the text, as without pan and scan). Throws on a marker count other than crops.size().
std::string expand_crop_markers(const std::string& text, const std::vector<int>& crops);

}  // namespace vkg
