#include "model/exif.h"

#include <cstring>
#include <string>

namespace vkg {

namespace {

uint32_t be32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }
uint16_t be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }

// The orientation in a TIFF structure (EXIF's container): IFD0's tag 0x0112, a SHORT.
int tiff_orientation(const uint8_t* t, size_t n) {
  if (n < 8) return 1;
  const bool little = t[0] == 'I' && t[1] == 'I';
  if (!little && !(t[0] == 'M' && t[1] == 'M')) return 1;
  auto u16 = [&](size_t at) { return little ? uint16_t(t[at] | t[at + 1] << 8) : be16(t + at); };
  auto u32 = [&](size_t at) {
    return little ? uint32_t(t[at] | t[at + 1] << 8 | t[at + 2] << 16 | uint32_t(t[at + 3]) << 24) : be32(t + at);
  };
  if (u16(2) != 42) return 1;
  const uint64_t ifd = u32(4);
  if (ifd + 2 > n) return 1;
  const uint16_t entries = u16(size_t(ifd));
  for (uint16_t i = 0; i < entries; ++i) {
    const uint64_t e = ifd + 2 + uint64_t(i) * 12;
    if (e + 12 > n) return 1;
    if (u16(size_t(e)) != 0x0112) continue;
    const int value = u16(size_t(e) + 8);  // type SHORT, count 1: the value sits in the entry
    return u16(size_t(e) + 2) == 3 && value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}

int jpeg_orientation(const uint8_t* d, size_t n) {
  size_t at = 2;  // after SOI
  while (at + 4 <= n && d[at] == 0xFF) {
    const uint8_t marker = d[at + 1];
    if (marker == 0xDA || marker == 0xD9) break;  // the image data starts: no Exif before it
    const size_t len = be16(d + at + 2);
    if (len < 2 || at + 2 + len > n) break;
    const uint8_t* seg = d + at + 4;
    if (marker == 0xE1 && len >= 8 && std::memcmp(seg, "Exif\0\0", 6) == 0) return tiff_orientation(seg + 6, len - 8);
    at += 2 + len;
  }
  return 1;
}

int png_orientation(const uint8_t* d, size_t n) {
  for (size_t at = 8; at + 12 <= n;) {
    const uint64_t len = be32(d + at);
    if (at + 12 + len > n) break;
    const uint8_t* type = d + at + 4;
    if (std::memcmp(type, "eXIf", 4) == 0) {
      const uint8_t* t = d + at + 8;
      if (len >= 6 && std::memcmp(t, "Exif\0\0", 6) == 0) return tiff_orientation(t + 6, size_t(len) - 6);
      return tiff_orientation(t, size_t(len));
    }
    if (std::memcmp(type, "IDAT", 4) == 0) break;  // eXIf must come before the image data
    at += 12 + size_t(len);
  }
  return 1;
}

}  // namespace

int exif_orientation(const uint8_t* data, size_t size) {
  if (size >= 4 && data[0] == 0xFF && data[1] == 0xD8) return jpeg_orientation(data, size);
  static const uint8_t kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (size >= 8 && std::memcmp(data, kPng, 8) == 0) return png_orientation(data, size);
  return 1;
}

RgbImage apply_orientation(const RgbImage& in, int o) {
  if (o < 2 || o > 8) return in;
  const int W = in.width, H = in.height;
  const bool swap = o >= 5;
  RgbImage out;
  out.width = swap ? H : W;
  out.height = swap ? W : H;
  out.pixels.resize(in.pixels.size());
  for (int Y = 0; Y < out.height; ++Y)
    for (int X = 0; X < out.width; ++X) {
      int x = X, y = Y;  // where the shown pixel (X, Y) is stored
      switch (o) {
        case 2: x = W - 1 - X; break;
        case 3: x = W - 1 - X, y = H - 1 - Y; break;
        case 4: y = H - 1 - Y; break;
        case 5: x = Y, y = X; break;
        case 6: x = Y, y = H - 1 - X; break;
        case 7: x = W - 1 - Y, y = H - 1 - X; break;
        case 8: x = W - 1 - Y, y = X; break;
      }
      std::memcpy(&out.pixels[(size_t(Y) * size_t(out.width) + size_t(X)) * 3],
                  &in.pixels[(size_t(y) * size_t(W) + size_t(x)) * 3], 3);
    }
  return out;
}

}  // namespace vkg
