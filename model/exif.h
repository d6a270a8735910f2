// EXIF orientation: phones store a photo as the sensor read it and say in its EXIF data how to turn it.
// transformers' load_image applies it (PIL.ImageOps.exif_transpose) before the image processor, so we do too.
#pragma once
#include <cstddef>
#include <cstdint>

#include "model/image.h"

namespace vkg {

// The orientation tag (1..8) of a JPEG's APP1 Exif segment or a PNG's eXIf chunk; 1 (as stored) when there is
// none or it cannot be read (a malformed tag is no reason to refuse the picture).
int exif_orientation(const uint8_t* data, size_t size);

// The image as a viewer shows it for `orientation` (2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90
// clockwise, 7 transverse, 8 rotate 90 counter-clockwise; 1 and anything else: unchanged).
RgbImage apply_orientation(const RgbImage& image, int orientation);

}  // namespace vkg
