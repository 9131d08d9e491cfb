# cmake -P script: configure and build subproject/ (an outside project that add_subdirectory()s
# hypar's source tree), check what hypar did to it, then run its program.
#   -DHYPAR_SOURCE_DIR= -DSOURCE_DIR=subproject/ -DWORK_DIR= -DWITH_MPI= -DLAUNCHER="mpiexec -n 2 ..."
file(REMOVE_RECURSE "${WORK_DIR}")
set(build "${WORK_DIR}/build")
set(failures "")

include("${CMAKE_CURRENT_LIST_DIR}/consumer_common.cmake")  # run(), run_consumer()
macro(fail message)
  list(APPEND failures "${message}")
endmacro()

# No CMAKE_BUILD_TYPE and no launcher: hypar must not choose them for the project.
run(${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${build}" -G Ninja "-DHYPAR_SOURCE_DIR=${HYPAR_SOURCE_DIR}"
    -DHYPAR_WITH_MPI=${WITH_MPI})

# ---- the cache: hypar's subproject defaults, and nothing forced on the outside project -------
foreach(option HYPAR_BUILD_DRIVERS HYPAR_BUILD_TESTS HYPAR_BUILD_EXAMPLES HYPAR_BUILD_BENCHMARKS
               HYPAR_NATIVE HYPAR_WARNINGS_AS_ERRORS)
  file(STRINGS "${build}/CMakeCache.txt" line REGEX "^${option}:BOOL=")
  if(NOT line STREQUAL "${option}:BOOL=OFF")
    fail("${option} should default to OFF in a subproject (cache: '${line}')")
  endif()
endforeach()
file(STRINGS "${build}/CMakeCache.txt" build_type REGEX "^CMAKE_BUILD_TYPE:")
if(NOT build_type MATCHES "^CMAKE_BUILD_TYPE:[A-Z]+=$")
  fail("hypar set the outside project's CMAKE_BUILD_TYPE (${build_type})")
endif()

# ---- how it would build (the compile commands and build rules exist once configured) -----------
file(READ "${build}/compile_commands.json" commands)
if(commands MATCHES "-march=native")
  fail("-march=native is in the compile commands of a subproject build")
endif()
# (plain substring searches: the source path may hold characters special to a regex; the outside
# program's own source, tests/install/outside/main.cpp, is not one of hypar's tests)
string(REPLACE "${HYPAR_SOURCE_DIR}/tests/install/outside/" "<outside>/" commands "${commands}")
foreach(part drivers tests examples)
  string(FIND "${commands}" "${HYPAR_SOURCE_DIR}/${part}/" at)
  if(NOT at EQUAL -1)
    fail("hypar's ${part}/ would be compiled in a subproject build")
  endif()
endforeach()
string(FIND "${commands}" "${HYPAR_SOURCE_DIR}/framework/src/" at)
if(at EQUAL -1)
  fail("hypar's library is not compiled (the checks above would prove nothing)")
endif()
# A compiler launcher (ccache) chosen by hypar would show in the build rules of its targets.
file(READ "${build}/build.ninja" rules)
file(READ "${build}/CMakeFiles/rules.ninja" more_rules)
string(APPEND rules "${more_rules}")
if(rules MATCHES "ccache")
  fail("hypar set a compiler launcher (ccache) in a subproject build")
endif()

if(failures)
  list(JOIN failures "\n  " text)
  message(FATAL_ERROR "hypar as a subproject:\n  ${text}")
endif()

# ---- build: only the libraries and the program, which works ---------------------------------------
run(${CMAKE_COMMAND} --build "${build}")
file(GLOB_RECURSE programs LIST_DIRECTORIES false "${build}/*/hypar-stats" "${build}/*/hypar-bench")
if(programs)
  message(FATAL_ERROR "hypar as a subproject: its drivers were built: ${programs}")
endif()
run_consumer("${build}/outside" "the subproject's program")
