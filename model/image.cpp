#include "model/image.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>

#include <stb/stb_image.h>

#include "model/exif.h"

namespace vkg {

RgbImage decode_image(const uint8_t* data, size_t size, const std::string& name) {
  if (size == 0) throw std::runtime_error(name + ": empty file, not an image");
  if (size > static_cast<size_t>(std::numeric_limits<int>::max()))
    throw std::runtime_error(name + ": file too large for an image");
  int w = 0, h = 0, channels = 0;
  // The header's size first: a few bytes can claim gigapixels, and decoding would allocate them.
  if (stbi_info_from_memory(data, static_cast<int>(size), &w, &h, &channels) &&
      (w > kMaxImageSide || h > kMaxImageSide || int64_t(w) * h > kMaxImagePixels))
    throw std::runtime_error(name + ": image is " + std::to_string(w) + " x " + std::to_string(h) +
                             " pixels, more than the " + std::to_string(kMaxImagePixels / 1000000) +
                             "-megapixel / " + std::to_string(kMaxImageSide) + "-pixel-side limit");
  // 8 bits per channel even for 16-bit PNGs, as PIL's convert("RGB").
  stbi_uc* p = stbi_load_from_memory(data, static_cast<int>(size), &w, &h, &channels, 3);
  if (!p) {
    const char* why = stbi_failure_reason();
    throw std::runtime_error(name + ": cannot decode image (" + std::string(why ? why : "unknown reason") +
                             "); supported: JPEG, PNG, BMP, GIF, TGA, PSD, HDR, PIC");
  }
  RgbImage img;
  img.width = w;
  img.height = h;
  img.pixels.assign(p, p + size_t(w) * size_t(h) * 3);
  stbi_image_free(p);
  if (w <= 0 || h <= 0) throw std::runtime_error(name + ": image has no pixels");
  return apply_orientation(img, exif_orientation(data, size));  // a phone's photo the way it was taken
}

RgbImage load_image(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw std::runtime_error(path + ": no such image file");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot open image file");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return decode_image(bytes.data(), bytes.size(), path);
}

namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;  // PIL: Resample.c PRECISION_BITS

// PIL's precompute_coeffs for the bilinear (triangle, support 1) filter, then normalize_coeffs_8bpc: per output
// index, the first input index and fixed-point weights.
struct Coeffs {
  int ksize = 0;
  std::vector<int> bounds;  // [out][2]: xmin, count
  std::vector<int32_t> k;   // [out][ksize]
};

Coeffs precompute(int in_size, int out_size) {
  const double scale = double(in_size) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = 1.0 * filterscale;
  Coeffs c;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.bounds.resize(size_t(out_size) * 2);
  c.k.assign(size_t(out_size) * c.ksize, 0);
  std::vector<double> kk(static_cast<size_t>(c.ksize));
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    int xmin = static_cast<int>(center - support + 0.5);  // truncation, as PIL's (int) cast
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      double t = (x + xmin - center + 0.5) * ss;
      if (t < 0) t = -t;
      const double w = t < 1.0 ? 1.0 - t : 0.0;
      kk[size_t(x)] = w;
      ww += w;
    }
    for (int x = 0; x < xmax; ++x) {
      const double v = ww != 0.0 ? kk[size_t(x)] / ww : kk[size_t(x)];
      c.k[size_t(xx) * c.ksize + x] = v < 0 ? static_cast<int32_t>(-0.5 + v * (1 << kPrecisionBits))
                                            : static_cast<int32_t>(0.5 + v * (1 << kPrecisionBits));
    }
    c.bounds[size_t(xx) * 2] = xmin;
    c.bounds[size_t(xx) * 2 + 1] = xmax;
  }
  return c;
}

uint8_t clip8(int64_t in) {
  const int64_t v = in >> kPrecisionBits;
  return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

}  // namespace

RgbImage resize_bilinear(const RgbImage& src, int width, int height) {
  if (src.width <= 0 || src.height <= 0 || width <= 0 || height <= 0)
    throw std::runtime_error("resize: empty image or size");
  RgbImage cur = src;
  // PIL skips a pass whose size does not change; the horizontal pass runs first.
  if (width != cur.width) {
    const Coeffs c = precompute(cur.width, width);
    RgbImage out;
    out.width = width;
    out.height = cur.height;
    out.pixels.resize(size_t(width) * cur.height * 3);
    for (int y = 0; y < cur.height; ++y)
      for (int xx = 0; xx < width; ++xx) {
        const int xmin = c.bounds[size_t(xx) * 2], n = c.bounds[size_t(xx) * 2 + 1];
        const int32_t* k = &c.k[size_t(xx) * c.ksize];
        for (int ch = 0; ch < 3; ++ch) {
          int64_t ss = int64_t(1) << (kPrecisionBits - 1);
          for (int x = 0; x < n; ++x) ss += int64_t(cur.pixels[(size_t(y) * cur.width + xmin + x) * 3 + ch]) * k[x];
          out.pixels[(size_t(y) * width + xx) * 3 + ch] = clip8(ss);
        }
      }
    cur = std::move(out);
  }
  if (height != cur.height) {
    const Coeffs c = precompute(cur.height, height);
    RgbImage out;
    out.width = cur.width;
    out.height = height;
    out.pixels.resize(size_t(cur.width) * height * 3);
    for (int yy = 0; yy < height; ++yy) {
      const int ymin = c.bounds[size_t(yy) * 2], n = c.bounds[size_t(yy) * 2 + 1];
      const int32_t* k = &c.k[size_t(yy) * c.ksize];
      for (int x = 0; x < cur.width; ++x)
        for (int ch = 0; ch < 3; ++ch) {
          int64_t ss = int64_t(1) << (kPrecisionBits - 1);
          for (int y = 0; y < n; ++y) ss += int64_t(cur.pixels[(size_t(ymin + y) * cur.width + x) * 3 + ch]) * k[y];
          out.pixels[(size_t(yy) * cur.width + x) * 3 + ch] = clip8(ss);
        }
    }
    cur = std::move(out);
  }
  return cur;
}

std::vector<float> preprocess_image(const RgbImage& image, int size) {
  const RgbImage r = resize_bilinear(image, size, size);
  std::vector<float> out(size_t(3) * size * size);
  for (int c = 0; c < 3; ++c)
    for (size_t i = 0; i < size_t(size) * size; ++i) {
      // As the reference: rescale (x * (1/255)) then normalize ((x - 0.5) / 0.5), in fp32.
      const float v = static_cast<float>(r.pixels[i * 3 + c]) * static_cast<float>(1.0 / 255.0);
      out[size_t(c) * size * size + i] = (v - 0.5f) / 0.5f;
    }
  return out;
}

std::vector<float> image_patches(const std::vector<float>& pixels, int size, int patch) {
  if (patch <= 0 || size % patch || pixels.size() != size_t(3) * size * size)
    throw std::runtime_error("image_patches: " + std::to_string(pixels.size()) + " values do not form [3, " +
                             std::to_string(size) + ", " + std::to_string(size) + "] in patches of " +
                             std::to_string(patch));
  const int side = size / patch;
  const size_t row = size_t(3) * patch * patch;
  std::vector<float> out(size_t(side) * side * row);
  for (int py = 0; py < side; ++py)
    for (int px = 0; px < side; ++px) {
      float* o = &out[(size_t(py) * side + px) * row];
      for (int c = 0; c < 3; ++c)
        for (int ky = 0; ky < patch; ++ky)
          for (int kx = 0; kx < patch; ++kx)
            *o++ = pixels[(size_t(c) * size + size_t(py) * patch + ky) * size + size_t(px) * patch + kx];
    }
  return out;
}

}  // namespace vkg
