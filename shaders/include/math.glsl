// fp32 math helpers shared by the activation, softcap, attention and RoPE shaders.
#ifndef VKG_MATH_GLSL
#define VKG_MATH_GLSL

// tanh that never returns NaN and keeps fp32 accuracy everywhere. For |x| >= 0.625:
// sign(x) (1 - 2 / (exp(2|x|) + 1)), which saturates to +-1 instead of inf/inf = NaN as a driver tanh built
// from e^x and e^-x does beyond |x| ~ 88. Below, that form loses digits to cancellation, so cephes' tanhf
// odd polynomial is used (accurate to ~1 ulp there).
float safe_tanh(float x) {
  const float a = abs(x);
  if (a >= 0.625) return sign(x) * (1.0 - 2.0 / (exp(2.0 * a) + 1.0));
  const float z = x * x;
  return ((((-5.70498872745e-3 * z + 2.06390887954e-2) * z - 5.37397155531e-2) * z + 1.33314422036e-1) * z -
          3.33332819422e-1) * z * x + x;
}

// GELU, tanh approximation (gelu_pytorch_tanh), as runtime/cpu/gelu_mul.cpp. Written as
// x * sigmoid(2u), the same value as 0.5 x (1 + tanh(u)) without the cancellation of 1 + tanh(u) for
// negative x (the CPU's std::tanh is accurate there; a tanh from exp is not).
float gelu_tanh(float x) {
  const float u = 0.7978845608028654 * (x + 0.044715 * x * x * x);
  return x / (1.0 + exp(-2.0 * u));
}

// sin and cos of an fp32 argument, accurate to a few ulp for |x| up to ~5e4 (positions x frequencies
// of RoPE), independent of the driver's sin/cos (Vulkan only bounds their error on [-pi, pi]).
// Cody-Waite reduction by pi/2 with a 4-part constant (the first three have 9 significant bits, so
// j * C is exact for |j| < 2^15), then cephes' sinf/cosf polynomials on [-pi/4, pi/4].
void sincos_accurate(float x, out float s_out, out float c_out) {
  const float j = roundEven(x * 0.63661977236758134);  // x * 2/pi
  precise float r = x - j * 1.5703125;
  r = r - j * 4.8351287841796875e-4;
  r = r - j * 3.1385570764541626e-7;
  r = r - j * 6.07710062827671e-11;
  const float z = r * r;
  const float sn = r + r * z * ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1);
  const float cs = 1.0 - 0.5 * z + z * z * ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z +
                                           4.166664568298827e-2);
  const int q = int(j) & 3;  // quadrant (two's complement & works for negative j)
  float s = (q & 1) == 0 ? sn : cs;
  float c = (q & 1) == 0 ? cs : sn;
  if (q == 1 || q == 2) c = -c;
  if (q >= 2) s = -s;
  s_out = s;
  c_out = c;
}

#endif  // VKG_MATH_GLSL
