#pragma once
// Starting and stopping MPI.

#include <hypar/dist/communicator.hpp>

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

/// Ends every rank of `comm` at once with `code` (MPI_Abort): for a fatal error on one rank while
/// others may wait in a collective. Does not return.
[[noreturn]] void abort(const Communicator& comm, int code);

}  // namespace hypar::dist
