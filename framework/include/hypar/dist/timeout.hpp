#pragma once
// Bounded waits: a job whose ranks stop answering ends with a report instead of hanging.
//
// Over TCP, a cut link or a frozen host leaves the other ranks waiting in a collective for as
// long as the kernel keeps retrying (many minutes). With a timeout set (dist::set_timeout, the
// drivers' --timeout, or HYPAR_TIMEOUT for any program with a dist::Environment), every wait of
// hypar's MPI layer is bounded:
//
// - Collectives, halo exchanges and the other operations that MPI can run non-blocking are
//   started as such and polled. While polling, a rank answers the "are you there" pings of the
//   others on a communicator of its own. When one operation has waited `timeout` seconds, the rank
//   pings every other rank, waits a short grace (at most 5 s) for answers, and prints which ranks
//   did not answer, with their hosts: "hypar: rank 0 (node1): no progress for 10 s in
//   MPI_Allreduce; no answer from ranks 4-5 (node3)". Then it ends the job with MPI_Abort and
//   exit code 124 (as timeout(1) does), and ends itself 3 s later if the abort cannot reach the
//   others.
// - Calls that cannot be polled (a collective HDF5 write, MPI_Cart_create) are watched by a
//   thread of the library; past the timeout it prints which call did not return and ends the
//   process with 124, which makes mpirun end the job.
//
// Without a timeout (the default) nothing changes: the blocking MPI calls run as before and no
// thread is started. With one, each bounded operation costs a few polls more than a blocking
// call; the timeout should be far longer than any operation of the program can legitimately take
// (a rank still computing does not answer either and is named as not answering).

#include <mpi.h>

namespace hypar::dist {

/// The exit code of a rank that ends the job because of a timeout (as timeout(1) uses).
inline constexpr int kTimeoutExitCode = 124;

/// Bounds every wait of hypar's MPI layer to `seconds` (see the file comment); 0 turns the bound
/// off. Collective over MPI_COMM_WORLD the first time it turns the bound on (it creates the
/// communicator the pings travel on, and gathers the ranks' host names): call it on every rank
/// with the same value, after dist::Environment. Throws hypar::Error for a negative or non-finite
/// value. dist::Environment calls it with HYPAR_TIMEOUT when that is set.
void set_timeout(double seconds);

/// The bound in seconds; 0 when waits are unbounded.
double timeout() noexcept;

namespace detail {

/// True when a timeout is set: the operations then use the non-blocking forms and wait_bounded.
bool bounded_waits() noexcept;

/// Waits for `count` requests like MPI_Waitall, within the timeout (see the file comment): past
/// it the job ends with the report. Throws hypar::MpiError when MPI reports an error.
void wait_bounded(MPI_Request* requests, int count, const char* what);

/// Runs one MPI operation: `blocking()` when no timeout is set, else `start(&request)` and
/// wait_bounded. Both return an MPI error code.
template <class Blocking, class Start>
void run_bounded(const char* what, Blocking&& blocking, Start&& start);

/// Marks a call that cannot be polled (a collective HDF5 write) for the watch thread while it
/// lives: past the timeout the process reports `what` and ends with kTimeoutExitCode. Nests.
class UnpolledCall {
 public:
  explicit UnpolledCall(const char* what) noexcept;
  ~UnpolledCall();
  UnpolledCall(const UnpolledCall&) = delete;
  UnpolledCall& operator=(const UnpolledCall&) = delete;

 private:
  const char* previous_what_;
  long long previous_since_;
  bool active_;
};

}  // namespace detail
}  // namespace hypar::dist

#include <hypar/dist/error.hpp>

namespace hypar::dist::detail {

template <class Blocking, class Start>
void run_bounded(const char* what, Blocking&& blocking, Start&& start) {
  if (!bounded_waits()) {
    check(blocking(), what);
    return;
  }
  MPI_Request request = MPI_REQUEST_NULL;
  check(start(&request), what);
  wait_bounded(&request, 1, what);
}

}  // namespace hypar::dist::detail
