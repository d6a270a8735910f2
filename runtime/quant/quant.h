// Reading weights in their stored GGUF format: dequantize a row, or take its dot product with
// an fp32 vector, block by block, without expanding the whole tensor. Block layouts are in blocks.h. Used by
// model/ (quantize on load), both backends and the tests.
#pragma once
#include <cstdint>

#include "runtime/dtype.h"

namespace vkg {

float fp16_to_fp32(uint16_t h);
uint16_t fp32_to_fp16(float f);  // round to nearest even
float bf16_to_fp32(uint16_t h);
uint16_t fp32_to_bf16(float f);  // round to nearest even

// Writes n floats. n must be a multiple of the type's block size.
void dequantize_row(DType type, const void* src, float* dst, int64_t n);
// A whole [rows, cols] tensor stored as `type`, row after row: rows * cols floats.
void dequantize_rows(DType type, const void* src, int64_t rows, int64_t cols, float* dst);

// sum_i row[i] * x[i] over n values of a row stored as `type`, accumulated in fp32.
float dot_row(DType type, const void* row, const float* x, int64_t n);

}  // namespace vkg
