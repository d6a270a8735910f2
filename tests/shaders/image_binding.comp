// A sampled 2-D image: not something the Vulkan backend binds, so the build-time reflection must reject it.
#version 450
layout(local_size_x = 64) in;
layout(set = 0, binding = 0) uniform sampler2D img;
layout(set = 0, binding = 1) writeonly buffer B { float b[]; };
void main() { b[gl_GlobalInvocationID.x] = texelFetch(img, ivec2(gl_GlobalInvocationID.xy), 0).x; }
