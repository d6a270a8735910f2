// Integer dot products of packed 8-bit values (matmul.comp INT8_DOT: GPU decode with 8-bit activations).
//
// sdot4x8(a, b): the sum of the four products of the signed bytes of a and b, SPIR-V OpSDot with the
// PackedVectorFormat4x8Bit operand (SPV_KHR_integer_dot_product; dp4a on NVIDIA, v_dot4_i32_i8 on AMD, DP4A on
// Intel). Debian 12's glslang 12 predates GL_EXT_integer_dot_product, so the instruction is declared through
// GL_EXT_spirv_intrinsics: opcode 4450, capabilities DotProduct (6019) and DotProductInput4x8BitPacked (6018).
// The device must have VK_KHR_shader_integer_dot_product's shaderIntegerDotProduct enabled
// (runtime/vulkan/context.cpp); the planner picks these variants only then.
#ifndef VKG_INT8_DOT_GLSL
#define VKG_INT8_DOT_GLSL
// (the including shader enables GL_EXT_spirv_intrinsics: #extension comes before any declaration)

spirv_instruction(extensions = ["SPV_KHR_integer_dot_product"], capabilities = [6019, 6018], id = 4450)
int spirv_sdot_packed(uint a, uint b, spirv_literal int packed_format);

int sdot4x8(uint a, uint b) { return spirv_sdot_packed(a, b, 0); }  // 0: PackedVectorFormat4x8Bit

// 16 input values quantized to 8 bits as the CPU fast path quantizes its groups (runtime/cpu/matmul_fast.h
// quantize_activations; here per 16 values, one weight unit): d = max|x| / 127, q = roundEven(x * (1 / d)), 0
// where d is 0. Out: q packed 4 per word (value 4k + i in byte i of word k), d, and the sum of the q (for the
// weight types whose values carry an offset: sum(w x) = s * sum(q_w q_x) * d - m * d * sum(q_x)).
void x_quantize16(float x[16], out uint q[4], out float d, out float q_sum) {
  float amax = 0.0;
  [[unroll]] for (uint j = 0u; j < 16u; ++j) amax = max(amax, abs(x[j]));
  d = amax / 127.0;
  const float inv = d > 0.0 ? 1.0 / d : 0.0;
  int sum = 0;
  [[unroll]] for (uint k = 0u; k < 4u; ++k) {
    uint word = 0u;
    [[unroll]] for (uint i = 0u; i < 4u; ++i) {
      const int v = int(roundEven(x[4u * k + i] * inv));
      sum += v;
      word |= (uint(v) & 255u) << (8u * i);
    }
    q[k] = word;
  }
  q_sum = float(sum);
}

#endif  // VKG_INT8_DOT_GLSL
