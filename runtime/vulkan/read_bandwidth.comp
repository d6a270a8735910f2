#version 450
// The device's read roofline (runtime/vulkan/read_bandwidth.cpp): every invocation streams 16-byte words of
// one buffer, grid-stride so that neighbouring invocations read neighbouring words (coalesced), and folds
// them into one value. The store that is never taken keeps the loads: a compiler may drop reads whose result
// no one can see. It lives beside its only user, not in shaders/: it measures the device and is no graph op.
// TEXELS: the words as a texel buffer, the way the CPU-device kernels read (on lavapipe a storage-buffer load
// is a scalar loop over the lanes, a texel fetch a vector gather: 1 GB/s against the kernels' 4-7 on a Zen 3).
layout(local_size_x = 256) in;
#ifdef TEXELS
layout(binding = 0) uniform usamplerBuffer data_texels;
#define DATA(i) texelFetch(data_texels, int(i))
#else
layout(std430, binding = 0) readonly buffer Data { uvec4 data[]; };
#define DATA(i) data[i]
#endif
layout(std430, binding = 1) writeonly buffer Sink { uint sink[]; };
layout(push_constant) uniform Push { uint n_words; uint magic; } p;

void main() {
  const uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  uvec4 acc = uvec4(0);
  for (uint i = gl_GlobalInvocationID.x; i < p.n_words; i += stride) acc ^= DATA(i);
  if ((acc.x ^ acc.y ^ acc.z ^ acc.w) == p.magic) sink[0] = gl_GlobalInvocationID.x;
}
