# cmake -P script: runs COMMAND (words joined with "|") and passes only if it exits 0 AND, when
# REGEX is given, its output matches it. (ctest's PASS_REGULAR_EXPRESSION alone ignores the exit
# code, which would let a sanitizer report or a failed self-check after the expected line slip
# through.)
#
# One retry, for one cause only: LeakSanitizer's own stop-the-world tracer sometimes crashes at
# exit ("LeakSanitizer has encountered a fatal error", "Tracer caught signal 11") in MPI programs
# on a loaded machine, while Open MPI's threads shut down. That is a failure of the tool, not a
# finding; a real leak report ("detected memory leaks") or any other failure is never retried.
string(REPLACE "|" ";" COMMAND "${COMMAND}")
foreach(attempt 1 2)
  execute_process(COMMAND ${COMMAND} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message("${out}${err}")
  if(rc EQUAL 0 OR attempt EQUAL 2)
    break()
  endif()
  if(NOT "${out}${err}" MATCHES "LeakSanitizer has encountered a fatal error" OR
     "${out}${err}" MATCHES "detected memory leaks")
    break()
  endif()
  message("run_and_match: LeakSanitizer's tracer crashed (a tool failure, not a leak); running once more")
endforeach()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "exit status ${rc}")
endif()
if(DEFINED REGEX AND NOT REGEX STREQUAL "" AND NOT out MATCHES "${REGEX}")
  message(FATAL_ERROR "the output does not match '${REGEX}'")
endif()
