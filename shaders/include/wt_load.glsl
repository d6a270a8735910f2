// Byte-level loads from a raw GGUF weight buffer, and the fp16 / bf16 / f32 decoders built on them.
//
// The including shader declares the weight buffer as `uint8_t` (GL_EXT_shader_8bit_storage) and defines
//   #define WT_BYTE(i) uint(<buffer>[i])
// before including this file. Only byte loads are used: GGUF rows and blocks are 2-byte aligned at best
// (18/22/34/210-byte blocks), so no wider access is assumed. Multi-byte values are little-endian.
// No 8-bit arithmetic is used (only StorageBuffer8BitAccess, no Int8 capability).
#ifndef VKG_WT_LOAD_GLSL
#define VKG_WT_LOAD_GLSL

#ifndef WT_BYTE
#error "define WT_BYTE(i) (uint value of byte i of the weight buffer) before including wt_load.glsl"
#endif

uint wt_u8(uint off) { return WT_BYTE(off); }

// Signed byte: sign-extend bits 0..7 (no int8_t conversion: glslang 12 emits an invalid OpSConvert).
int wt_i8(uint off) { return bitfieldExtract(int(WT_BYTE(off)), 0, 8); }

uint wt_u16(uint off) { return WT_BYTE(off) | (WT_BYTE(off + 1u) << 8); }

uint wt_u32(uint off) { return wt_u16(off) | (wt_u16(off + 2u) << 16); }

// IEEE binary16 -> fp32 (exact for normal, subnormal, inf, nan).
float wt_f16(uint off) { return unpackHalf2x16(wt_u16(off)).x; }

// bfloat16 -> fp32: the top 16 bits of an fp32.
float wt_bf16(uint off) { return uintBitsToFloat(wt_u16(off) << 16); }

float wt_f32(uint off) { return uintBitsToFloat(wt_u32(off)); }

#endif  // VKG_WT_LOAD_GLSL
