// Linear workgroup index. Every shader that the host dispatches as (n, 1, 1) also accepts a 2-D grid
// (65535, ceil(n / 65535), 1) when n exceeds the 65,535-per-dimension limit; excess groups exit.
#ifndef VKG_GRID_GLSL
#define VKG_GRID_GLSL

uint linear_group_id() { return gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x; }

#endif  // VKG_GRID_GLSL
