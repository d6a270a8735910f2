// Images for Gemma 3's vision tower: decoding (stb_image: JPEG, PNG, BMP, GIF first frame, TGA, PSD, HDR,
// PIC) to 8-bit RGB, and the reference preprocessing of transformers' Gemma3ImageProcessor (PIL
// BILINEAR resize to a square, rescale 1/255, normalize with mean = std = 0.5, channels first).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace vkg {

struct RgbImage {
  int width = 0, height = 0;
  std::vector<uint8_t> pixels;  // row-major, 3 bytes (R, G, B) per pixel
};

// Larger images are refused before decoding (they are resized to the vision tower's 896 x 896 anyway).
constexpr int kMaxImageSide = 32768;
constexpr int64_t kMaxImagePixels = 64'000'000;

// Decodes an image file. Gray is replicated, alpha dropped, palettes expanded (as PIL's convert("RGB")).
// Throws naming the file for a missing, empty, truncated or unrecognised file.
RgbImage load_image(const std::string& path);
// The same from bytes in memory; `name` names the source in errors.
RgbImage decode_image(const uint8_t* data, size_t size, const std::string& name);

// PIL's Image.resize(..., BILINEAR) on 8-bit RGB, bit for bit: separable antialiased triangle filter with
// pixel-centre alignment, fixed-point weights (22 fraction bits), horizontal pass then vertical, uint8 in
// between (gemma3-vision.md 1.2). Pillow 13 (python-pillow/Pillow#9549) runs the vertical pass first when
// the height shrinks much more than the width; that moves some pixels by one level (1/127.5 after
// normalization) for such images. The exact switch is not documented, so this keeps Pillow <= 12's order;
// the committed references avoid the case (tools/make_tiny_vision.py checks).
RgbImage resize_bilinear(const RgbImage& image, int width, int height);

// Resize to size x size, then v = u8 / 255 then (v - 0.5) / 0.5: float [3, size, size], R, G, B planes.
std::vector<float> preprocess_image(const RgbImage& image, int size);

// The vision tower's input: patch p = py * (size / patch) + px is a row of 3 * patch^2 values in
// (channel, y, x) order, the layout of the patch-embedding conv weight. pixels: [3, size, size].
std::vector<float> image_patches(const std::vector<float>& pixels, int size, int patch);

}  // namespace vkg
