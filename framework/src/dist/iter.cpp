// hypar::dist::par_range: the failure agreement shared by every distributed terminal.

#include <hypar/dist/iter.hpp>
#include <string>

namespace hypar::dist::detail {

void agree_on_failure(const Communicator& comm, const std::exception_ptr& local_failure) {
  // The lowest rank that failed, or size() if none: one MPI_Allreduce(MIN).
  const int mine = local_failure ? comm.rank() : comm.size();
  const int first_failed = comm.all_reduce(mine, minimum{});
  if (first_failed == comm.size())
    return;
  if (local_failure)
    std::rethrow_exception(local_failure);
  throw Error("hypar::dist: a parallel operation failed on rank " + std::to_string(first_failed) +
              " (its own error is reported there); every rank stops it");
}

}  // namespace hypar::dist::detail
