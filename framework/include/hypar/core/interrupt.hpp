#pragma once
// Clean stops on SIGINT and SIGTERM for command-line programs: the temporary files of unfinished
// outputs are removed and the process exits with 128 + the signal's number (130, 143), as a shell
// reports a program stopped by the signal.
//
//   int main(int argc, char** argv) {
//     hypar::handle_interrupts("hypar-sort");        // first: before MPI and any thread starts
//     hypar::dist::Environment env(argc, argv);
//     ...
//     hypar::RemoveOnInterrupt guard(temporary);      // while `temporary` may be left behind
//   }
//
// Design: a signal handler may call only async-signal-safe functions, and the temporary names
// live in std::strings that other threads create and free. So the signals are never delivered to
// a handler: handle_interrupts() blocks them in the calling thread, every thread started after it
// inherits the mask (MPI's and OpenMP's too, hence "first in main"), and one thread of its own
// waits for them with sigwait(). That thread is an ordinary thread: it takes the registry's lock,
// unlinks every registered path, prints one line and ends the process with _exit (no destructors
// run: the other threads may be anywhere, and MPI is not finalised; mpirun ends the other ranks,
// which receive the same signal). A second signal during the cleanup waits in the mask.
// Under mpirun, Ctrl-C (SIGINT) or a scheduler's SIGTERM reaches the ranks as SIGTERM: Open MPI
// forwards it, and sends SIGKILL a second later (odls_base_sigkill_timeout) to ranks still alive.

#include <string>

namespace hypar {

/// Starts the clean stop on SIGINT and SIGTERM for this process (see the file comment): blocks
/// both signals in the calling thread and waits for them on a thread of its own, which removes
/// every file registered with RemoveOnInterrupt, says so on stderr ("PROGRAM: interrupted
/// (SIGTERM); 3 temporary files removed"; nothing when there were none) and exits with 128 + the
/// signal number. Call it
/// first in main, before any thread starts (MPI_Init starts some); a second call does nothing.
/// Throws hypar::Error when the thread cannot start.
void handle_interrupts(std::string program);

/// True once handle_interrupts() has run in this process.
bool interrupts_handled() noexcept;

namespace detail {
/// How long the interrupt thread waits after its cleanup before it ends the process (0: not at
/// all). dist::Environment sets it for the ranks of a parallel job (see interrupt.cpp).
void set_interrupt_linger(long milliseconds) noexcept;
}  // namespace detail

/// Registers a file to remove when the process is interrupted (SIGINT/SIGTERM through
/// handle_interrupts), for as long as the guard lives: a temporary output, a spill file. The
/// guard never removes the file itself; its owner does that (or renames it) as usual, and then
/// the guard's end forgets the name. Cheap: a lock and a list insertion. Registering works without
/// handle_interrupts too (nothing removes the files then).
class RemoveOnInterrupt {
 public:
  RemoveOnInterrupt() = default;
  explicit RemoveOnInterrupt(std::string path);
  ~RemoveOnInterrupt();
  RemoveOnInterrupt(RemoveOnInterrupt&& other) noexcept;
  RemoveOnInterrupt& operator=(RemoveOnInterrupt&& other) noexcept;
  RemoveOnInterrupt(const RemoveOnInterrupt&) = delete;
  RemoveOnInterrupt& operator=(const RemoveOnInterrupt&) = delete;

  /// Forgets the file now (after it was renamed to its final name or removed).
  void release() noexcept;

 private:
  unsigned long id_ = 0;  ///< 0: no file
};

}  // namespace hypar
