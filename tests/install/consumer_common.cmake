# Shared by the cmake -P scripts that build an outside consumer of hypar (installed package,
# subproject, pkg-config): running a step, and running the consumer's program.

# run(command...): runs it, stops the script with its output when it fails; its standard output
# (trailing white space stripped) is left in `last_output`.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

# run_consumer(program what): runs the consumer's program (under LAUNCHER when WITH_MPI) and
# checks that it reported success; `what` names it in the messages.
function(run_consumer program what)
  separate_arguments(launcher UNIX_COMMAND "${LAUNCHER}")
  if(WITH_MPI)
    run(${launcher} "${program}")
  else()
    run("${program}")
  endif()
  message(STATUS "${what} output:\n${last_output}")
  if(NOT last_output MATCHES "outside project: ok")
    message(FATAL_ERROR "${what} did not report success")
  endif()
endfunction()
