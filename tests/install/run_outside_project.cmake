# cmake -P script: install, build the outside project against the installed package, run it.
file(REMOVE_RECURSE "${WORK_DIR}")
set(prefix "${WORK_DIR}/prefix")

include("${CMAKE_CURRENT_LIST_DIR}/consumer_common.cmake")  # run(), run_consumer()

run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")
if(NOT EXISTS "${prefix}/lib/cmake/hypar/hyparConfig.cmake"
   OR NOT EXISTS "${prefix}/lib/cmake/hypar/hyparConfigVersion.cmake")
  message(FATAL_ERROR "the install has no hyparConfig.cmake / hyparConfigVersion.cmake")
endif()
run(${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${WORK_DIR}/build" -G Ninja
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}")
run(${CMAKE_COMMAND} --build "${WORK_DIR}/build")
run_consumer("${WORK_DIR}/build/outside" "the outside project")

# hypar's interface option -fno-math-errno reaches the user's code: the sqrt loop vectorises with
# hypar::hypar linked and not without it (GCC, whose default is -fmath-errno).
if(CHECK_VECTORISED)
  set(vectorised "user_sqrt_loop.cpp:[0-9]+:[0-9]+: optimized: loop vectorized")
  file(READ "${WORK_DIR}/build/with-hypar.vec" with_hypar)
  if(NOT with_hypar MATCHES "${vectorised}")
    message(FATAL_ERROR "a user's std::sqrt loop built against hypar::hypar was not vectorised "
                        "(is -fno-math-errno in the exported usage requirements?):\n${with_hypar}")
  endif()
  file(READ "${WORK_DIR}/build/without-hypar.vec" without_hypar)
  if(without_hypar MATCHES "${vectorised}")
    message(FATAL_ERROR "the control loop (no hypar, -fmath-errno) vectorised too: the check "
                        "cannot tell the option's effect:\n${without_hypar}")
  endif()
  message(STATUS "the user's sqrt loop vectorises with hypar::hypar and not without it")
endif()
