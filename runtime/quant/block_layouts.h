// The quantized weight types' block sizes and byte offsets, read by C++ (blocks.h static_asserts its structs
// against them, dtype.cpp takes the sizes) and by the shaders (shaders/include/quant_*.glsl: glslang is
// given the repository root as an include path). Plain #defines with a u suffix: valid C++ and GLSL. The
// layouts are GGUF's (ggml-common.h); blocks.h says what each field holds.
#ifndef VKG_QUANT_BLOCK_LAYOUTS_H
#define VKG_QUANT_BLOCK_LAYOUTS_H

// Q4_0: fp16 d, 16 bytes of nibbles.
#define Q4_0_VALUES 32u
#define Q4_0_BYTES 18u
#define Q4_0_QS 2u

// Q5_0: fp16 d, 4 bytes of fifth bits, 16 bytes of nibbles.
#define Q5_0_VALUES 32u
#define Q5_0_BYTES 22u
#define Q5_0_QH 2u
#define Q5_0_QS 6u

// Q8_0: fp16 d, 32 signed bytes.
#define Q8_0_VALUES 32u
#define Q8_0_BYTES 34u
#define Q8_0_QS 2u

// K-quants: 256 values per super-block.
#define QK_K_VALUES 256u
#define K_SCALE_BYTES 12u

// Q4_K: fp16 d, fp16 dmin, 12 scale bytes, 128 bytes of nibbles.
#define Q4_K_BYTES 144u
#define Q4_K_DMIN 2u
#define Q4_K_SCALES 4u
#define Q4_K_QS 16u

// Q5_K: as Q4_K with 32 bytes of fifth bits before the nibbles.
#define Q5_K_BYTES 176u
#define Q5_K_DMIN 2u
#define Q5_K_SCALES 4u
#define Q5_K_QH 16u
#define Q5_K_QS 48u

// Q6_K: 128 bytes of low nibbles, 64 bytes of high bit pairs, 16 signed scales, fp16 d last.
#define Q6_K_BYTES 210u
#define Q6_K_QL 0u
#define Q6_K_QH 128u
#define Q6_K_SCALES 192u
#define Q6_K_D 208u

#endif  // VKG_QUANT_BLOCK_LAYOUTS_H
