# Test registration helpers. Every part of hypar registers its tests with these, so adding a part
# never means touching the harness.
#
#   hypar_add_unit_test(<name> SOURCES a.cpp... [LABELS label] [LIBRARIES lib...] [TIMEOUT s])
#       A GoogleTest program; each TEST becomes its own ctest entry, labelled `unit` (by the folder)
#       and `label`. Label `concurrency` marks the tests the ThreadSanitizer build runs.
#   hypar_add_mpi_test(<name> SOURCES a.cpp... [RANKS 1 2 3 4] [THREADS 1 2] [LABELS l...]
#                      [LIBRARIES lib...] [TIMEOUT s])
#       A GoogleTest program with the MPI-aware main (tests/support/mpi_test_main.cpp), registered
#       once per rank count as <name>.<R>ranks (and .<T>threads when several THREADS are given),
#       run through mpiexec with --oversubscribe.
#   hypar_add_example(<name> [SOURCES ...] [RANKS R] [ARGS ...] [PASS_REGULAR_EXPRESSION re])
#       Builds examples/<name>.cpp and runs it as test example.<name>. Examples check their own
#       result against a sequential computation and exit non-zero on a mismatch; with
#       PASS_REGULAR_EXPRESSION the output must also match (and the exit status still counts).
#   hypar_mpiexec_command(<out-var> <ranks>)
#       The command prefix that starts <ranks> ranks, for tests that run programs under MPI; give
#       such tests ENVIRONMENT "${HYPAR_MPI_TEST_ENVIRONMENT}".

# Environment shared by every test: sanitizer settings and what Open MPI needs in a container.
set(HYPAR_SANITIZER_SUPPRESSIONS "${PROJECT_SOURCE_DIR}/tests/support/sanitizers")
set(_hypar_asan "detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1")
set(HYPAR_TEST_ENVIRONMENT
  "ASAN_OPTIONS=${_hypar_asan}"
  "LSAN_OPTIONS=suppressions=${HYPAR_SANITIZER_SUPPRESSIONS}/lsan.supp:print_suppressions=0"
  "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
  "TSAN_OPTIONS=suppressions=${HYPAR_SANITIZER_SUPPRESSIONS}/tsan.supp:ignore_noninstrumented_modules=1:halt_on_error=1:second_deadlock_stack=1"
  "OMPI_ALLOW_RUN_AS_ROOT=1"
  "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"
  "OMPI_MCA_rmaps_base_oversubscribe=1"
  "OMPI_MCA_btl_vader_single_copy_mechanism=none"
  "OMPI_MCA_btl=self,vader,tcp"
  "OMPI_MCA_btl_tcp_if_include=lo"
  "OMPI_MCA_oob_tcp_if_include=lo"
  "PMIX_MCA_gds=hash"
  # Open MPI unloads its plugins at MPI_Finalize, which leaves LeakSanitizer's stacks of their
  # (deliberate, process-lifetime) allocations pointing at unknown modules; keeping the plugins
  # loaded lets lsan.supp name them.
  "OMPI_MCA_mca_base_component_disable_dlclose=1")
# Programs started by mpiexec: the same, with full (slow) unwinding for every allocation, because
# Open MPI's libraries have no frame pointers and fast unwinding stops inside them, and without
# the leak check at exit: LeakSanitizer's stop-the-world tracer crashes ("Tracer caught signal
# 11", "LeakSanitizer has encountered a fatal error") at the exit of Open MPI processes, twice in a
# row for the same test on a busy CI machine, so a retry does not make it reliable. Address and UB
# checks stay on for every MPI program; leaks are checked by every program that runs without MPI
# (the unit tests and examples, which cover the same hypar code).
set(HYPAR_MPI_TEST_ENVIRONMENT ${HYPAR_TEST_ENVIRONMENT})
list(FILTER HYPAR_MPI_TEST_ENVIRONMENT EXCLUDE REGEX "^ASAN_OPTIONS=")
string(REPLACE "detect_leaks=1" "detect_leaks=0" _hypar_asan_mpi "${_hypar_asan}")
list(APPEND HYPAR_MPI_TEST_ENVIRONMENT "ASAN_OPTIONS=${_hypar_asan_mpi}:fast_unwind_on_malloc=0")
# Under a sanitizer everything runs several times slower.
if(HYPAR_SANITIZE)
  set(HYPAR_TEST_TIMEOUT 900)
else()
  set(HYPAR_TEST_TIMEOUT 300)
endif()

if(HYPAR_BUILD_TESTS)
  add_library(hypar_test_support INTERFACE)
  target_include_directories(hypar_test_support INTERFACE "${PROJECT_SOURCE_DIR}/tests/support")
  target_link_libraries(hypar_test_support INTERFACE hypar::hypar GTest::gtest)
  if(HYPAR_WITH_MPI)
    add_library(hypar_mpi_test_main STATIC "${PROJECT_SOURCE_DIR}/tests/support/mpi_test_main.cpp")
    target_link_libraries(hypar_mpi_test_main PUBLIC hypar_test_support MPI::MPI_CXX)
    hypar_apply_project_options(hypar_mpi_test_main)
  endif()
endif()

include(GoogleTest)

function(hypar_add_unit_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LABELS;LIBRARIES" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT ${HYPAR_TEST_TIMEOUT})
  endif()
  add_executable(${name} ${ARG_SOURCES} "${PROJECT_SOURCE_DIR}/tests/support/sanitizer_defaults.cpp")
  target_link_libraries(${name} PRIVATE hypar_test_support GTest::gtest_main ${ARG_LIBRARIES})
  hypar_apply_project_options(${name})
  # gtest_discover_tests writes PROPERTIES into a generated script that flattens list values, so
  # a unit test gets at most one label here (the folder adds `unit`), and its sanitizer settings
  # are compiled in (tests/support/sanitizer_defaults.cpp) instead of passed as ENVIRONMENT.
  list(LENGTH ARG_LABELS _label_count)
  if(_label_count GREATER 1)
    message(FATAL_ERROR "hypar_add_unit_test(${name}): at most one label (got ${ARG_LABELS})")
  endif()
  set(_properties TIMEOUT ${ARG_TIMEOUT})
  if(ARG_LABELS)
    list(APPEND _properties LABELS ${ARG_LABELS})
  endif()
  gtest_discover_tests(${name}
    DISCOVERY_MODE PRE_TEST
    DISCOVERY_TIMEOUT 120
    PROPERTIES ${_properties})
endfunction()

# --oversubscribe and --bind-to are Open MPI's flags (MPICH's Hydra runs more ranks than cores and
# binds nothing by default, and rejects both), so they are added only when mpiexec is Open MPI's:
# `mpiexec --version` prints "mpiexec (OpenRTE) 4.1.4" or "mpiexec (Open MPI) 5.0.x" there.
if(HYPAR_WITH_MPI AND NOT DEFINED HYPAR_MPIEXEC_IS_OPEN_MPI)
  execute_process(COMMAND ${MPIEXEC_EXECUTABLE} --version OUTPUT_VARIABLE _hypar_mpiexec_version
                  ERROR_VARIABLE _hypar_mpiexec_version TIMEOUT 30)
  if(_hypar_mpiexec_version MATCHES "Open MPI|OpenRTE")
    set(_hypar_open_mpi ON)
  else()
    set(_hypar_open_mpi OFF)
  endif()
  set(HYPAR_MPIEXEC_IS_OPEN_MPI ${_hypar_open_mpi} CACHE BOOL
      "mpiexec is Open MPI's (tests then pass --oversubscribe --bind-to none)")
endif()

function(hypar_mpiexec_command out ranks)
  set(_vendor_flags "")
  if(HYPAR_MPIEXEC_IS_OPEN_MPI)
    set(_vendor_flags --oversubscribe --bind-to none)
  endif()
  set(${out} ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${ranks} ${_vendor_flags}
      ${MPIEXEC_PREFLAGS} PARENT_SCOPE)
endfunction()

cmake_host_system_information(RESULT _hypar_host_cores QUERY NUMBER_OF_LOGICAL_CORES)

function(hypar_add_mpi_test name)
  # VARIANT v: registers `name.v.<R>ranks` running the executable of `name` (built by an earlier
  # call) with ENVIRONMENT added, e.g. HYPAR_TEST_MPI_THREAD_MULTIPLE=1.
  cmake_parse_arguments(ARG "" "TIMEOUT;VARIANT" "SOURCES;RANKS;THREADS;LABELS;LIBRARIES;ENVIRONMENT" ${ARGN})
  if(NOT HYPAR_WITH_MPI)
    return()
  endif()
  if(NOT ARG_RANKS)
    set(ARG_RANKS 1 2 3 4)
  endif()
  if(NOT ARG_THREADS)
    set(ARG_THREADS 1)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT ${HYPAR_TEST_TIMEOUT})
  endif()
  list(LENGTH ARG_THREADS _thread_variants)
  if(NOT TARGET ${name})
    add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE hypar_mpi_test_main ${ARG_LIBRARIES})
    hypar_apply_project_options(${name})
  endif()
  set(_prefix "${name}")
  if(ARG_VARIANT)
    set(_prefix "${name}.${ARG_VARIANT}")
  endif()
  foreach(ranks IN LISTS ARG_RANKS)
    foreach(threads IN LISTS ARG_THREADS)
      set(test_name "${_prefix}.${ranks}ranks")
      if(_thread_variants GREATER 1)
        string(APPEND test_name ".${threads}threads")
      endif()
      hypar_mpiexec_command(launcher ${ranks})
      add_test(NAME ${test_name} COMMAND ${launcher} $<TARGET_FILE:${name}> ${MPIEXEC_POSTFLAGS})
      math(EXPR cores "${ranks} * ${threads}")
      # More threads than cores: OpenMP teams that spin at their barriers and MPI ranks that
      # busy-poll starve each other (a halo-exchange test ran 300 times slower), so oversubscribed
      # variants wait passively. Races are still exercised: the threads run concurrently.
      set(_wait "")
      if(threads GREATER 1 AND cores GREATER _hypar_host_cores)
        set(_wait "OMP_WAIT_POLICY=passive")
      endif()
      set_tests_properties(${test_name} PROPERTIES
        LABELS "mpi;${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT} PROCESSORS ${cores}
        ENVIRONMENT "${HYPAR_MPI_TEST_ENVIRONMENT};HYPAR_NUM_THREADS=${threads};OMP_NUM_THREADS=${threads};${_wait};${ARG_ENVIRONMENT}")
    endforeach()
  endforeach()
endfunction()

function(hypar_add_example name)
  cmake_parse_arguments(ARG "" "RANKS;PASS_REGULAR_EXPRESSION" "SOURCES;ARGS;LIBRARIES" ${ARGN})
  if(NOT ARG_SOURCES)
    set(ARG_SOURCES "${name}.cpp")
  endif()
  if(ARG_RANKS AND NOT HYPAR_WITH_MPI)
    return()
  endif()
  set(target example_${name})
  add_executable(${target} ${ARG_SOURCES})
  set_target_properties(${target} PROPERTIES OUTPUT_NAME ${name})
  target_link_libraries(${target} PRIVATE hypar::hypar ${ARG_LIBRARIES})
  hypar_apply_project_options(${target})
  if(NOT HYPAR_BUILD_TESTS)
    return()
  endif()
  set(command $<TARGET_FILE:${target}> ${ARG_ARGS})
  set(env "${HYPAR_TEST_ENVIRONMENT}")
  if(ARG_RANKS)
    hypar_mpiexec_command(launcher ${ARG_RANKS})
    set(command ${launcher} ${command})
    set(env "${HYPAR_MPI_TEST_ENVIRONMENT}")
  endif()
  if(ARG_PASS_REGULAR_EXPRESSION)
    # Both the exit status and the output must be right.
    # The command travels as one -D value with "|" between its words (an escaped ";" would not
    # split back into a list); run_and_match.cmake turns it back into a list.
    string(REPLACE ";" "|" command_list "${command}")
    add_test(NAME example.${name}
             COMMAND ${CMAKE_COMMAND} "-DCOMMAND=${command_list}"
                     "-DREGEX=${ARG_PASS_REGULAR_EXPRESSION}"
                     -P "${PROJECT_SOURCE_DIR}/tests/support/run_and_match.cmake")
  else()
    add_test(NAME example.${name} COMMAND ${command})
  endif()
  set_tests_properties(example.${name} PROPERTIES LABELS "example" TIMEOUT ${HYPAR_TEST_TIMEOUT}
                       ENVIRONMENT "${env}")
endfunction()

# hypar_add_compile_test(<name> SOURCE file.cpp [MUST_FAIL] [ERROR_REGEX re] [LIBRARIES lib...])
#     A compile-time contract, checked by building `file.cpp` (an object library left out of
#     `all`) with `cmake --build` from a ctest test, one at a time (RESOURCE_LOCK: two builds in one
#     tree would race on Ninja's logs), with the project's warnings:
#     - MUST_FAIL: `file.cpp` misuses hypar and must not compile (test compile_fail.<name>).
#       ERROR_REGEX (implies MUST_FAIL) must then match the build's output: the static_assert's
#       text or the unmet requirement, so that the test also fails when the snippet stops
#       compiling for another reason (a typo, a missing include). Match the snippet's first error.
#     - otherwise it must compile (test compile_ok.<name>): the positive control, which proves
#       that the harness can compile valid code, so a compile_fail test fails for its misuse.
#     (KaMPIng's kamping_register_compilation_failure_test does the same for its collectives.)
function(hypar_add_compile_test name)
  cmake_parse_arguments(ARG "MUST_FAIL" "SOURCE;ERROR_REGEX" "LIBRARIES" ${ARGN})
  if(NOT ARG_SOURCE)
    message(FATAL_ERROR "hypar_add_compile_test(${name}): SOURCE is required")
  endif()
  if(ARG_MUST_FAIL OR ARG_ERROR_REGEX)
    set(kind compile_fail)
  else()
    set(kind compile_ok)
  endif()
  set(target ${kind}_${name})
  add_library(${target} OBJECT EXCLUDE_FROM_ALL "${ARG_SOURCE}")
  target_link_libraries(${target} PRIVATE hypar::hypar ${ARG_LIBRARIES})
  hypar_apply_project_options(${target})
  add_test(NAME ${kind}.${name}
           COMMAND ${CMAKE_COMMAND} --build "${CMAKE_BINARY_DIR}" --target ${target} --config $<CONFIG>)
  set_tests_properties(${kind}.${name} PROPERTIES LABELS "compile" TIMEOUT ${HYPAR_TEST_TIMEOUT}
                       RESOURCE_LOCK hypar_build_tree)
  if(ARG_ERROR_REGEX)
    # With a pass expression ctest ignores the exit status; a build that succeeds prints no
    # compiler error, so it cannot match.
    set_tests_properties(${kind}.${name} PROPERTIES PASS_REGULAR_EXPRESSION "${ARG_ERROR_REGEX}")
  elseif(ARG_MUST_FAIL)
    set_tests_properties(${kind}.${name} PROPERTIES WILL_FAIL TRUE)
  endif()
endfunction()
