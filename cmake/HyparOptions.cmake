# Project-wide compile options for hypar's own targets (never forced onto users of the package).

# Sanitizers apply to every target in the build, so that templates instantiated in tests and the
# compiled library agree on instrumentation.
if(HYPAR_SANITIZE)
  string(REPLACE "," ";" _hypar_sanitizers "${HYPAR_SANITIZE}")
  if("thread" IN_LIST _hypar_sanitizers AND "address" IN_LIST _hypar_sanitizers)
    message(FATAL_ERROR "HYPAR_SANITIZE: thread cannot be combined with address")
  endif()
  # -O1 and line tables only (-g1): what the sanitizers' authors advise for instrumented runs, and
  # it halves the sanitizer builds' compile time against RelWithDebInfo's -O2 -g (reports need
  # only file and line). Targets that set their own -O level (the sort tests) keep it.
  add_compile_options(-fsanitize=${HYPAR_SANITIZE} -fno-omit-frame-pointer -O1 -g1)
  add_link_options(-fsanitize=${HYPAR_SANITIZE})
  if("undefined" IN_LIST _hypar_sanitizers)
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
endif()

# Fuzzing: every target gets libFuzzer's coverage instrumentation (the fuzzers themselves link the
# libFuzzer runtime with -fsanitize=fuzzer, tests/fuzz/CMakeLists.txt), so the fuzzer steers by
# the coverage of hypar's code, not only its own.
if(HYPAR_BUILD_FUZZERS)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# hypar_apply_project_options(target): warnings (and -Werror when asked) on a target of ours.
function(hypar_apply_project_options target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
  # GCC's note about std::hardware_destructive_interference_size varying with -mtune (Clang has
  # neither the constant's warning nor the option).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-interference-size)
  endif()
  # GCC 12 reports false -Wrestrict errors inside std::string at -O3 (GCC bug 105651).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  # With sanitizers, GCC's -Wmaybe-uninitialized analyses the instrumented code and reports
  # libstdc++ internals (e.g. moving an empty std::optional<std::string>); Release builds keep it.
  if(HYPAR_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
  # Clang reports every `omp simd` loop that the sanitizers' instrumentation keeps from
  # vectorising (-Wpass-failed); the uninstrumented builds keep the warning.
  if((HYPAR_SANITIZE OR HYPAR_BUILD_FUZZERS) AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    target_compile_options(${target} PRIVATE -Wno-pass-failed)
  endif()
  if(HYPAR_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
