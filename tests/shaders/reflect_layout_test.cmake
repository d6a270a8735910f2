# Runs shaders/reflect_layout.cmake on one GLSL shader (compiled here) and prints its result, so ctest can
# check both accepted layouts and rejected shaders.
# -DGLSLANG=... -DSPIRV_CROSS=... -DSRC=<shader.comp> -DWORK=<dir>
cmake_minimum_required(VERSION 3.25)
get_filename_component(name "${SRC}" NAME_WE)
file(MAKE_DIRECTORY "${WORK}")
execute_process(COMMAND "${GLSLANG}" -V --target-env vulkan1.2 -o "${WORK}/${name}.spv" "${SRC}"
  RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "glslang failed on ${SRC}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" "-DSPIRV_CROSS=${SPIRV_CROSS}" "-DSPV=${WORK}/${name}.spv"
  "-DNAME=${name}" "-DOUT=${WORK}/${name}.layout.h" -P "${CMAKE_CURRENT_LIST_DIR}/../../shaders/reflect_layout.cmake"
  RESULT_VARIABLE rc ERROR_VARIABLE err)
if(rc EQUAL 0)
  file(READ "${WORK}/${name}.layout.h" layout)
  message("accepted: ${layout}")
else()
  message("rejected: ${err}")
endif()
