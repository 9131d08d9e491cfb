# cmake -P script: runs COMMAND (words joined with "|") and passes only if it exits 0 AND its
# output matches REGEX. (ctest's PASS_REGULAR_EXPRESSION alone ignores the exit
# code, which would let a sanitizer report or a failed self-check after the expected line slip
# through.)
string(REPLACE "|" ";" COMMAND "${COMMAND}")
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "exit status ${rc}")
endif()
if(NOT out MATCHES "${REGEX}")
  message(FATAL_ERROR "the output does not match '${REGEX}'")
endif()
