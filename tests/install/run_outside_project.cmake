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
