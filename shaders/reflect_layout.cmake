# Build-time reflection of one SPIR-V module (run by shaders/CMakeLists.txt as `cmake -P`): SPIRV-Cross's
# JSON reflection (`spirv-cross --reflect`) turned into the module's pipeline layout, written as a C++ header
# for the shader registry. The layout comes from the shader itself, as at run time before, but nothing links
# against SPIRV-Cross and a cross-built binary needs no reflection library.
#
# -DSPIRV_CROSS=<spirv-cross> -DSPV=<module.spv> -DNAME=<variant> -DOUT=<header>
#
# What the Vulkan backend supports, checked here so a shader that breaks it fails the build: storage buffers
# and uniform texel buffers (`usamplerBuffer` of uvec4 texels: the fast path for loads on CPU devices),
# all in set 0 at bindings 0..n-1 without gaps; at most one push-constant block of scalars, vectors and arrays
# of them; a literal workgroup size.
cmake_minimum_required(VERSION 3.25)

function(fail)
  string(CONCAT what ${ARGN})
  message(NOTICE "error: shader '${NAME}' (${SPV}): ${what}")  # one line, unlike FATAL_ERROR's wrapped text
  message(FATAL_ERROR "shader reflection failed")
endfunction()

execute_process(COMMAND "${SPIRV_CROSS}" "${SPV}" --reflect
  OUTPUT_VARIABLE json ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  fail("spirv-cross --reflect failed (${rc}): ${err}")
endif()

# Only storage buffers, texel buffers and push constants.
string(JSON n_keys LENGTH "${json}")
math(EXPR last "${n_keys} - 1")
foreach(i RANGE ${last})
  string(JSON key MEMBER "${json}" ${i})
  if(NOT key MATCHES "^(entryPoints|types|ssbos|textures|push_constants)$")
    fail("has '${key}' resources; the Vulkan backend binds storage buffers, usamplerBuffers and push constants only")
  endif()
endforeach()

# Storage buffers and texel buffers: set 0, bindings 0..n-1 between them. texel_mask: bit b set when binding b
# is a texel buffer.
string(JSON n_ssbos ERROR_VARIABLE e LENGTH "${json}" ssbos)
if(e)
  set(n_ssbos 0)
endif()
string(JSON n_textures ERROR_VARIABLE e LENGTH "${json}" textures)
if(e)
  set(n_textures 0)
endif()
math(EXPR n_bindings "${n_ssbos} + ${n_textures}")
math(EXPR last "${n_bindings} - 1")
set(seen "")
set(texel_mask 0)
foreach(kind ssbos textures)
  string(JSON n ERROR_VARIABLE e LENGTH "${json}" ${kind})
  if(e OR n EQUAL 0)
    continue()
  endif()
  math(EXPR last_i "${n} - 1")
  foreach(i RANGE ${last_i})
    string(JSON set GET "${json}" ${kind} ${i} set)
    string(JSON binding GET "${json}" ${kind} ${i} binding)
    string(JSON buffer GET "${json}" ${kind} ${i} name)
    if(kind STREQUAL "textures")
      string(JSON type GET "${json}" ${kind} ${i} type)
      if(NOT type STREQUAL "usamplerBuffer")
        fail("'${buffer}' is a ${type}; the only sampled type supported is usamplerBuffer (uvec4 texels)")
      endif()
      math(EXPR texel_mask "${texel_mask} | (1 << ${binding})")
    endif()
    if(NOT set EQUAL 0 OR binding GREATER_EQUAL n_bindings OR binding IN_LIST seen)
      fail("buffer '${buffer}' is at set ${set}, binding ${binding}, but buffers must be in set 0 at "
           "bindings 0..${last} without gaps")
    endif()
    list(APPEND seen ${binding})
  endforeach()
endforeach()

# Push constants: the declared size of the block (end of its last member, as SPIRV-Cross's
# get_declared_struct_size computes it).
function(scalar_bytes type out)
  if(type MATCHES "^(float|int|uint|bool)$")
    set(bytes 4)
  elseif(type MATCHES "^(double|int64_t|uint64_t)$")
    set(bytes 8)
  elseif(type MATCHES "^(half|int16_t|uint16_t)$")
    set(bytes 2)
  elseif(type MATCHES "^(int8_t|uint8_t)$")
    set(bytes 1)
  elseif(type MATCHES "^(|i|u|b)vec([234])$")
    math(EXPR bytes "4 * ${CMAKE_MATCH_2}")
  elseif(type MATCHES "^dvec([234])$")
    math(EXPR bytes "8 * ${CMAKE_MATCH_1}")
  else()
    fail("push-constant member of type '${type}' is not supported (scalars, vectors and arrays of them)")
  endif()
  set(${out} ${bytes} PARENT_SCOPE)
endfunction()

set(push_bytes 0)
string(JSON n_push ERROR_VARIABLE e LENGTH "${json}" push_constants)
if(e)
  set(n_push 0)
endif()
if(n_push GREATER 1)
  fail("more than one push-constant block")
elseif(n_push EQUAL 1)
  string(JSON block_type GET "${json}" push_constants 0 type)
  string(JSON n_members LENGTH "${json}" types ${block_type} members)
  math(EXPR last "${n_members} - 1")
  foreach(i RANGE ${last})
    string(JSON offset GET "${json}" types ${block_type} members ${i} offset)
    string(JSON type GET "${json}" types ${block_type} members ${i} type)
    string(JSON n_dims ERROR_VARIABLE e LENGTH "${json}" types ${block_type} members ${i} array)
    if(e)
      scalar_bytes(${type} bytes)
    else()
      string(JSON bytes GET "${json}" types ${block_type} members ${i} array_stride)
      math(EXPR last_dim "${n_dims} - 1")
      foreach(d RANGE ${last_dim})
        string(JSON literal GET "${json}" types ${block_type} members ${i} array_size_is_literal ${d})
        string(JSON count GET "${json}" types ${block_type} members ${i} array ${d})
        if(NOT literal OR count EQUAL 0)
          fail("push-constant array member ${i} has no literal size")
        endif()
        math(EXPR bytes "${bytes} * ${count}")
      endforeach()
    endif()
    math(EXPR end "${offset} + ${bytes}")
    if(end GREATER push_bytes)
      set(push_bytes ${end})
    endif()
  endforeach()
endif()

# Workgroup size.
string(JSON n_entries LENGTH "${json}" entryPoints)
if(NOT n_entries EQUAL 1)
  fail("${n_entries} entry points, expected one")
endif()
set(local_size "")
foreach(d RANGE 2)
  string(JSON is_spec GET "${json}" entryPoints 0 workgroup_size_is_spec_constant_id ${d})
  if(is_spec)
    fail("workgroup size from a specialization constant is not supported")
  endif()
  string(JSON size GET "${json}" entryPoints 0 workgroup_size ${d})
  list(APPEND local_size ${size})
endforeach()
list(JOIN local_size ", " local_size)

string(MAKE_C_IDENTIFIER "${NAME}" id)
file(CONFIGURE OUTPUT "${OUT}" CONTENT [=[
// Generated by shaders/reflect_layout.cmake from spirv-cross --reflect of @NAME@. Do not edit.
#pragma once
static const vkg::vk::ShaderLayout vkg_layout_@id@ = {@n_bindings@, @texel_mask@u, @push_bytes@, {@local_size@}};
]=] @ONLY)
