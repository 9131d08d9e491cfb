/* Small tools for scripts/soak.sh, which compiles this file with the system C compiler (cc) into
 * its work folder at the start of each soak (a fraction of a second; no build system involved).
 *
 *   soak-helper peak PREFIX CMD [ARG...]
 *       Runs CMD and writes its peak resident set (getrusage's ru_maxrss of the waited-for child,
 *       in KiB) to PREFIX.rR, R being the MPI rank (OMPI_COMM_WORLD_RANK, PMI_RANK or
 *       PMIX_RANK, else 0), so that `mpirun -n 2 soak-helper peak P hypar-sort ...` gives one file
 *       per rank. SIGTERM, SIGINT and SIGHUP are passed on to CMD. Exits with CMD's status, or
 *       128 + N when a signal N ended it (as a shell reports it).
 *   soak-helper leak KIB_PER_S
 *       Holds on to KIB_PER_S KiB more every second, in 16 steps, each written to (so resident)
 *       and kept reachable (a leak LeakSanitizer would not see, as a growing cache is), until it
 *       is killed: the soak's --self-test and --inject-leak use it to prove that the memory
 *       check fails on growth.
 *   soak-helper steady MIB
 *       Allocates and writes MIB MiB, then frees and reallocates it 10 times a second, until it is
 *       killed: a busy process whose resident set does not grow (the check must pass it).
 *   soak-helper touch MIB
 *       Allocates and writes MIB MiB, then exits 0: a known peak for `peak` to measure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t child_pid = 0;

static void forward(int sig) {
  if (child_pid > 0)
    kill((pid_t)child_pid, sig);
}

static long parse_positive(const char* what, const char* text) {
  char* end = NULL;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v <= 0 || v > (1L << 20)) {
    fprintf(stderr, "soak-helper: %s must be an integer in 1..%ld, got '%s'\n", what, 1L << 20,
            text);
    exit(2);
  }
  return v;
}

static void nap(long nanoseconds) {
  struct timespec t = {nanoseconds / 1000000000L, nanoseconds % 1000000000L};
  while (nanosleep(&t, &t) != 0 && errno == EINTR) {
  }
}

static char* touched(size_t bytes) {
  char* p = malloc(bytes);
  if (p == NULL) {
    fprintf(stderr, "soak-helper: cannot allocate %zu bytes\n", bytes);
    exit(1);
  }
  memset(p, 0x5a, bytes);
  return p;
}

static const char* rank_of_environment(void) {
  const char* names[] = {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i) {
    const char* v = getenv(names[i]);
    if (v != NULL && *v != '\0')
      return v;
  }
  return "0";
}

static int peak(const char* prefix, char** argv) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = forward;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  pid_t pid = fork();
  if (pid < 0) {
    perror("soak-helper: fork");
    return 127;
  }
  if (pid == 0) {
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    execvp(argv[0], argv);
    fprintf(stderr, "soak-helper: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  child_pid = pid;
  int status = 0;
  struct rusage usage;
  while (wait4(pid, &status, 0, &usage) < 0) {
    if (errno != EINTR) {
      perror("soak-helper: wait4");
      return 127;
    }
  }
  char path[4096];
  snprintf(path, sizeof path, "%s.r%s", prefix, rank_of_environment());
  FILE* f = fopen(path, "w");
  if (f == NULL || fprintf(f, "%ld\n", (long)usage.ru_maxrss) < 0 || fclose(f) != 0) {
    fprintf(stderr, "soak-helper: cannot write %s: %s\n", path, strerror(errno));
    return 127;
  }
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

static _Noreturn void leak(long kib_per_second) {
  /* A singly linked list of blocks: every block stays reachable from `head`. */
  const size_t step = (size_t)kib_per_second * 1024 / 16;
  void** head = NULL;
  for (;;) {
    void** block = (void**)touched(step < sizeof(void*) ? sizeof(void*) : step);
    block[0] = head;
    head = block;
    nap(1000000000L / 16);
  }
}

static _Noreturn void steady(long mib) {
  const size_t bytes = (size_t)mib << 20;
  char* p = touched(bytes);
  for (;;) {
    nap(100000000L);
    free(p);
    p = touched(bytes);
  }
}

int main(int argc, char** argv) {
  if (argc >= 4 && strcmp(argv[1], "peak") == 0)
    return peak(argv[2], argv + 3);
  if (argc == 3 && strcmp(argv[1], "leak") == 0)
    leak(parse_positive("KIB_PER_S", argv[2]));
  if (argc == 3 && strcmp(argv[1], "steady") == 0)
    steady(parse_positive("MIB", argv[2]));
  if (argc == 3 && strcmp(argv[1], "touch") == 0) {
    const size_t bytes = (size_t)parse_positive("MIB", argv[2]) << 20;
    char* p = touched(bytes);
    free(p);
    return 0;
  }
  fprintf(
      stderr,
      "usage: soak-helper peak PREFIX CMD [ARG...] | leak KIB_PER_S | steady MIB | touch MIB\n");
  return 2;
}
