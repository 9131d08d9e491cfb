# cmake -P script: configure hypar with compilers that claim to be GCC 10 and Clang 13 (the real
# ones, with the version macros they report redefined) and expect the clear refusal, not an error
# deep in a header; then the real compiler must pass the same check.
#   -DHYPAR_SOURCE_DIR= -DWORK_DIR= -DGXX= -DCLANGXX= (CLANGXX may be empty)
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

function(configure_with name compiler)
  execute_process(COMMAND ${CMAKE_COMMAND} -S "${HYPAR_SOURCE_DIR}" -B "${WORK_DIR}/${name}"
                          -G Ninja "-DCMAKE_CXX_COMPILER=${compiler}" -DHYPAR_BUILD_TESTS=OFF
                          -DHYPAR_BUILD_EXAMPLES=OFF -DHYPAR_BUILD_DRIVERS=OFF
                          -DHYPAR_BUILD_BENCHMARKS=OFF
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(REGEX REPLACE "[ \n]+" " " err "${err}")  # CMake wraps messages
  set(rc "${rc}" PARENT_SCOPE)
  set(err "${err}" PARENT_SCOPE)
endfunction()

function(expect_refusal name real macro version id)
  set(wrapper "${WORK_DIR}/${name}")
  file(WRITE "${wrapper}" "#!/bin/sh\nexec \"${real}\" -U${macro} -D${macro}=${version} \"$@\"\n")
  file(CHMOD "${wrapper}" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
  configure_with("build-${name}" "${wrapper}")
  if(rc EQUAL 0)
    message(FATAL_ERROR "${name}: hypar configured with ${id} ${version}")
  endif()
  if(NOT err MATCHES "hypar needs a C\\+\\+20 compiler: GCC 11 or newer, or Clang 14 or newer .* is ${id} ${version}\\.")
    message(FATAL_ERROR "${name}: no clear message about the compiler:\n${err}")
  endif()
  message(STATUS "${name}: refused with the message")
endfunction()

expect_refusal(g++-10 "${GXX}" __GNUC__ 10 GNU)
if(CLANGXX)
  expect_refusal(clang++-13 "${CLANGXX}" __clang_major__ 13 Clang)
endif()
configure_with(build-real "${GXX}")
if(err MATCHES "hypar needs a C\\+\\+20 compiler")
  message(FATAL_ERROR "the real compiler ${GXX} was refused:\n${err}")
endif()
message(STATUS "${GXX}: accepted")
