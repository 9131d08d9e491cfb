// Sanitizer settings compiled into every unit-test program, so they apply however the program is
// started (ctest, by hand, a debugger). Environment variables still override them. The
// suppressions name only third-party libraries; hypar's own code is never suppressed.

extern "C" {

const char* __asan_default_options() {
  return "detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1";
}

const char* __ubsan_default_options() {
  return "print_stacktrace=1:halt_on_error=1";
}

const char* __tsan_default_options() {
  // libgomp is not instrumented: its barriers and task queues are invisible to TSan.
  return "ignore_noninstrumented_modules=1:halt_on_error=1:second_deadlock_stack=1";
}

const char* __tsan_default_suppressions() {
  return "called_from_lib:libgomp.so.1\n";
}

const char* __lsan_default_suppressions() {
  // Process-lifetime allocations of Open MPI and its helpers (see sanitizers/lsan.supp).
  return "leak:libmpi.so\nleak:libopen-pal.so\nleak:libopen-rte.so\nleak:libpmix.so\n"
         "leak:libhwloc.so\nleak:libevent\nleak:mca_\n";
}

}  // extern "C"
