# cmake -P script: configure and build subproject/ (an outside project that add_subdirectory()s
# hypar's source tree), check what hypar did to it, then run its program.
#   -DHYPAR_SOURCE_DIR= -DSOURCE_DIR=subproject/ -DWORK_DIR= -DWITH_MPI= -DLAUNCHER="mpiexec -n 2 ..."
file(REMOVE_RECURSE "${WORK_DIR}")
set(build "${WORK_DIR}/build")
set(failures "")

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()
macro(expect condition message)
  if(NOT (${condition}))
    list(APPEND failures "${message}")
  endif()
endmacro()

# No CMAKE_BUILD_TYPE and no launcher: hypar must not choose them for the project.
run(${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${build}" -G Ninja "-DHYPAR_SOURCE_DIR=${HYPAR_SOURCE_DIR}"
    -DHYPAR_WITH_MPI=${WITH_MPI})

# ---- the cache: hypar's subproject defaults, and nothing forced on the outside project -------
file(STRINGS "${build}/CMakeCache.txt" cache)
foreach(option HYPAR_BUILD_DRIVERS HYPAR_BUILD_TESTS HYPAR_BUILD_EXAMPLES HYPAR_BUILD_BENCHMARKS
               HYPAR_NATIVE HYPAR_WARNINGS_AS_ERRORS)
  list(FILTER cache INCLUDE REGEX "^${option}:BOOL=" OUTPUT_VARIABLE line)
  expect("\"${line}\" STREQUAL \"${option}:BOOL=OFF\""
         "${option} should default to OFF in a subproject (cache: '${line}')")
endforeach()
file(STRINGS "${build}/CMakeCache.txt" build_type REGEX "^CMAKE_BUILD_TYPE:")
expect("\"${build_type}\" MATCHES \"^CMAKE_BUILD_TYPE:[A-Z]+=$\""
       "hypar set the outside project's CMAKE_BUILD_TYPE (${build_type})")

# ---- build, then what was built and how ----------------------------------------------------------
run(${CMAKE_COMMAND} --build "${build}")
file(READ "${build}/compile_commands.json" commands)
expect("NOT commands MATCHES \"-march=native\""
       "-march=native is in the compile commands of a subproject build")
foreach(part drivers tests examples)
  expect("NOT commands MATCHES \"${HYPAR_SOURCE_DIR}/${part}/\""
         "hypar's ${part}/ were compiled in a subproject build")
endforeach()
expect("commands MATCHES \"${HYPAR_SOURCE_DIR}/framework/src/\""
       "hypar's library was not compiled (the check above would prove nothing)")
file(GLOB_RECURSE programs LIST_DIRECTORIES false "${build}/hypar-stats" "${build}/*/hypar-stats"
     "${build}/*/hypar-bench")
expect("NOT programs" "hypar's drivers were built: ${programs}")
# A compiler launcher (ccache) chosen by hypar would show in the build rules of its targets.
file(READ "${build}/build.ninja" rules)
expect("NOT rules MATCHES \"ccache\"" "hypar set a compiler launcher (ccache) in a subproject build")

if(failures)
  list(JOIN failures "\n  " text)
  message(FATAL_ERROR "hypar as a subproject:\n  ${text}")
endif()

# ---- and the program works -----------------------------------------------------------------------
separate_arguments(launcher UNIX_COMMAND "${LAUNCHER}")
if(WITH_MPI)
  run(${launcher} "${build}/outside")
else()
  run("${build}/outside")
endif()
message(STATUS "subproject output:\n${last_output}")
if(NOT last_output MATCHES "outside project: ok")
  message(FATAL_ERROR "the subproject's program did not report success")
endif()
