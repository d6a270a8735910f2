#include "model/pan_and_scan.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "model/chat_template.h"
#include "model/image_prompt.h"

namespace vkg {

namespace {

RgbImage crop(const RgbImage& image, int x0, int y0, int w, int h) {
  // As numpy slicing does: a crop that runs past the edge is cut at it.
  w = std::min(w, image.width - x0);
  h = std::min(h, image.height - y0);
  RgbImage out;
  out.width = w;
  out.height = h;
  out.pixels.resize(static_cast<size_t>(w) * static_cast<size_t>(h) * 3);
  for (int y = 0; y < h; ++y) {
    const uint8_t* src = image.pixels.data() + (static_cast<size_t>(y0 + y) * static_cast<size_t>(image.width) +
                                                static_cast<size_t>(x0)) * 3;
    std::copy(src, src + static_cast<size_t>(w) * 3, out.pixels.data() + static_cast<size_t>(y) * static_cast<size_t>(w) * 3);
  }
  return out;
}

// transformers' crop count along the long side: the aspect ratio rounded half up, at most side / min_crop_size,
// then clamped to [2, max_crops].
int crops_along(int long_side, int short_side, const PanAndScan& p) {
  int n = static_cast<int>(std::floor(static_cast<double>(long_side) / short_side + 0.5));
  n = std::min(static_cast<int>(std::floor(static_cast<double>(long_side) / p.min_crop_size)), n);
  return std::min(p.max_crops, std::max(2, n));
}

}  // namespace

std::vector<RgbImage> pan_and_scan_crops(const RgbImage& image, const PanAndScan& p) {
  const int w = image.width, h = image.height;
  if (w <= 0 || h <= 0) return {};
  int nw = 1, nh = 1;
  if (w >= h) {
    if (static_cast<double>(w) / h < p.min_ratio) return {};
    nw = crops_along(w, h, p);
  } else {
    if (static_cast<double>(h) / w < p.min_ratio) return {};
    nh = crops_along(h, w, p);
  }
  const int cw = (w + nw - 1) / nw, ch = (h + nh - 1) / nh;  // ceil
  if (std::min(cw, ch) < p.min_crop_size) return {};
  std::vector<RgbImage> crops;
  for (int y = 0; y < nh; ++y)
    for (int x = 0; x < nw; ++x) crops.push_back(crop(image, cw * x, ch * y, cw, ch));
  return crops;
}

std::string expand_crop_markers(const std::string& text, const std::vector<int>& crops) {
  const std::string marker = kImageMarker;
  std::vector<std::string> parts = split_at_markers(text);
  if (parts.size() == 1) parts.insert(parts.begin(), crops.size(), std::string());  // the images first
  const size_t markers = parts.size() - 1;
  if (markers > crops.size())
    throw std::runtime_error("the prompt has more " + marker + " markers than the " + std::to_string(crops.size()) +
                             " image(s) given");
  if (markers < crops.size())
    throw std::runtime_error("the prompt has " + std::to_string(markers) + " " + marker + " marker(s) for " +
                             std::to_string(crops.size()) + " image(s)");
  std::string out = parts[0];
  for (size_t i = 0; i < crops.size(); ++i) {
    if (crops[i] == 0) {
      out += marker;
    } else {
      out += "Here is the original image " + marker + " and here are some crops to help you see better " + marker;
      for (int c = 1; c < crops[i]; ++c) out += " " + marker;
    }
    out += parts[i + 1];
  }
  return out;
}

}  // namespace vkg
