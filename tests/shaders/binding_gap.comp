// A shader the Vulkan backend cannot bind (storage buffers at bindings 0 and 2, none at 1): the build-time
// reflection (shaders/reflect_layout.cmake) must reject it.
#version 450
layout(local_size_x = 64) in;
layout(set = 0, binding = 0) readonly buffer A { float a[]; };
layout(set = 0, binding = 2) writeonly buffer B { float b[]; };
void main() { b[gl_GlobalInvocationID.x] = a[gl_GlobalInvocationID.x]; }
