// A texel buffer between two storage buffers: accepted, with binding 1 marked in the texel mask.
#version 450
layout(local_size_x = 64) in;
layout(set = 0, binding = 0) readonly buffer A { float a[]; };
layout(set = 0, binding = 1) uniform usamplerBuffer t;
layout(set = 0, binding = 2) writeonly buffer B { float b[]; };
void main() {
  const uint i = gl_GlobalInvocationID.x;
  b[i] = a[i] + uintBitsToFloat(texelFetch(t, int(i)).x);
}
