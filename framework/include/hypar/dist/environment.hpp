#pragma once
// Starting and stopping MPI.

#include <functional>
#include <hypar/dist/communicator.hpp>
#include <string>
#include <utility>
#include <vector>

namespace hypar::dist {

/// The thread support a program asks MPI for.
enum class ThreadLevel {
  funneled,    ///< only the thread that initialised MPI calls it (hypar's default)
  serialized,  ///< one thread at a time, any thread (e.g. a ThreadPool's master inside install)
  multiple,    ///< any thread may call MPI at any time
};

/// Initialises MPI with MPI_Init_thread and finalises it at destruction, like
/// `MPI_Init_thread(...); ...; MPI_Finalize();`. If MPI is already initialised (by the user or a
/// library), the environment adopts it and leaves finalisation to its owner. Throws hypar::Error
/// when MPI cannot provide the requested thread level, saying which level it gave.
/// Construct exactly one, in main, before any other hypar::dist call.
///
/// A lone process (started without mpirun, srun or another launcher) has nobody to talk to, yet
/// Open MPI's start-up probes the network for it: it forks a helper daemon and tries UCX, 0.37 s
/// on a workstation before main's work begins. Before MPI_Init the environment therefore gives a
/// lone process Open MPI's settings for one process alone (detail::lone_process_mpi_settings:
/// no daemon, the ob1 messaging layer with only its self transport), which start in 0.04 s. A
/// variable the user set is never changed, processes started by a launcher get nothing, and
/// HYPAR_SINGLETON_TUNING=0 turns it off (for a lone process that calls MPI_Comm_spawn, which
/// needs the daemon).
class Environment {
 public:
  Environment(int& argc, char**& argv, ThreadLevel level = ThreadLevel::funneled);
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  /// MPI_COMM_WORLD, with errors returned as hypar::MpiError exceptions.
  Communicator world() const;
  /// True when this environment called MPI_Init_thread (and will call MPI_Finalize).
  bool owns_mpi() const noexcept { return owns_; }
  /// The thread level MPI provided.
  int provided_thread_level() const noexcept { return provided_; }

 private:
  bool owns_ = false;
  int provided_ = 0;
};

namespace detail {

/// The environment variables (name, value) that a lone Open MPI process gets before MPI_Init:
/// OMPI_MCA_ess_singleton_isolated=1, OMPI_MCA_pml=ob1 and OMPI_MCA_btl=self, leaving out every
/// one that `lookup` already finds set. Empty when `lookup` finds a launcher's variable
/// (OMPI_COMM_WORLD_SIZE, PMIX_RANK, PMI_RANK, PMI_SIZE, PMI_FD, SLURM_STEP_NUM_TASKS) or
/// HYPAR_SINGLETON_TUNING=0. `lookup` is getenv in Environment (a parameter for the tests).
std::vector<std::pair<std::string, std::string>> lone_process_mpi_settings(
    const std::function<const char*(const char*)>& lookup);

}  // namespace detail

/// Ends every rank of `comm` at once with `code` (MPI_Abort): for a fatal error on one rank while
/// others may wait in a collective. Does not return.
[[noreturn]] void abort(const Communicator& comm, int code);

}  // namespace hypar::dist
