# cmake -P script: install the build, then compile outside/main.cpp with nothing but the compiler
# and `pkg-config --cflags --libs hypar` (no CMake package), and run it.
#   -DBUILD_DIR= -DWORK_DIR= -DSOURCE_DIR=outside/ -DCXX= -DCXX_FLAGS= -DPKG_CONFIG= -DWITH_MPI=
#   -DLAUNCHER="mpiexec -n 2 ..." -DCHECK_VECTORISED=ON|OFF
file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")

include("${CMAKE_CURRENT_LIST_DIR}/consumer_common.cmake")  # run(), run_consumer()

run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")
set(pc "${prefix}/lib/pkgconfig/hypar.pc")
if(NOT EXISTS "${pc}")
  message(FATAL_ERROR "the install has no lib/pkgconfig/hypar.pc")
endif()
# Only the installed tree: the build's own directories must not be needed.
set(ENV{PKG_CONFIG_PATH} "${prefix}/lib/pkgconfig")
run(${PKG_CONFIG} --modversion hypar)
message(STATUS "pkg-config --modversion hypar: ${last_output}")
run(${PKG_CONFIG} --cflags --libs hypar)
set(flags "${last_output}")
message(STATUS "pkg-config --cflags --libs hypar: ${flags}")
# Every directory it names is the installed tree's or a dependency's, never hypar's build or source
# tree (the install prefix itself lies inside the build tree here).
separate_arguments(flag_list UNIX_COMMAND "${flags}")
get_filename_component(real_prefix "${prefix}" REALPATH)
foreach(flag IN LISTS flag_list)
  if(flag MATCHES "^-[IL](.+)$")
    get_filename_component(dir "${CMAKE_MATCH_1}" REALPATH)
    if(dir MATCHES "^${real_prefix}(/|$)")
      continue()
    endif()
    foreach(tree "${BUILD_DIR}" "${CMAKE_CURRENT_LIST_DIR}/../..")
      get_filename_component(tree "${tree}" REALPATH)
      if(dir MATCHES "^${tree}(/|$)")
        message(FATAL_ERROR "hypar.pc points into hypar's build or source tree (${flag}): ${flags}")
      endif()
    endforeach()
  endif()
endforeach()

separate_arguments(extra UNIX_COMMAND "${CXX_FLAGS}")
set(program "${WORK_DIR}/outside")
run(${CXX} ${extra} "${SOURCE_DIR}/main.cpp" -o "${program}" ${flag_list})
run_consumer("${program}" "the program built with pkg-config")

# hypar.pc's -fno-math-errno reaches the user's code: the sqrt loop vectorises with its flags.
if(CHECK_VECTORISED)
  set(report "${WORK_DIR}/with-pkg-config.vec")
  run(${CXX} ${extra} -O3 -c "${SOURCE_DIR}/user_sqrt_loop.cpp" -o "${WORK_DIR}/user_sqrt_loop.o"
      "-fopt-info-vec-optimized=${report}" ${flag_list})
  file(READ "${report}" vec)
  if(NOT vec MATCHES "user_sqrt_loop.cpp:[0-9]+:[0-9]+: optimized: loop vectorized")
    message(FATAL_ERROR "a user's std::sqrt loop built with hypar.pc's flags was not vectorised "
                        "(is -fno-math-errno in its Cflags?): ${flags}\n${vec}")
  endif()
endif()
