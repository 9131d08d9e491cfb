// MPI start-up and shutdown, and the rank layout check.
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <hypar/core/interrupt.hpp>
#include <hypar/core/threads.hpp>
#include <hypar/dist/environment.hpp>
#include <hypar/dist/timeout.hpp>
#include <string>

namespace hypar::dist {

namespace {

const char* level_name(int level) {
  switch (level) {
    case MPI_THREAD_SINGLE:
      return "MPI_THREAD_SINGLE";
    case MPI_THREAD_FUNNELED:
      return "MPI_THREAD_FUNNELED";
    case MPI_THREAD_SERIALIZED:
      return "MPI_THREAD_SERIALIZED";
    case MPI_THREAD_MULTIPLE:
      return "MPI_THREAD_MULTIPLE";
    default:
      return "an unknown level";
  }
}

/// The CPUs this rank's threads may run on: its affinity mask, or, when OpenMP binds threads to
/// places (OMP_PLACES / OMP_PROC_BIND), the CPUs of all places. The OpenMP runtime pins the main
/// thread to the first place at start-up, so the mask alone would then show one place only.
long long rank_cpus() {
  long long cpus = static_cast<long long>(available_cpus());
  if (omp_get_proc_bind() != omp_proc_bind_false && omp_get_num_places() > 0) {
    long long in_places = 0;
    for (int p = 0; p < omp_get_num_places(); ++p)
      in_places += omp_get_place_num_procs(p);
    cpus = std::max(cpus, in_places);
  }
  return cpus;
}

/// Rank 0 warns once when the layout wastes or oversubscribes cores: the threads a rank will run
/// (hypar's default thread count) against the CPUs it may run on (rank_cpus).
void check_layout(const Communicator& world) {
  if (const char* off = std::getenv("HYPAR_NO_LAYOUT_WARNING"); off && *off && *off != '0')
    return;
  struct Layout {
    long long threads;
    long long cpus;
  };
  Layout mine{static_cast<long long>(default_num_threads()), rank_cpus()};
  const auto all = world.gather(mine, 0);
  if (world.rank() != 0)
    return;
  int bound_to_one = 0, oversubscribed = 0;
  for (const auto& l : all) {
    if (l.cpus == 1 && l.threads > 1)
      ++bound_to_one;
    if (l.threads > l.cpus)
      ++oversubscribed;
  }
  if (bound_to_one > 0) {
    std::fprintf(
        stderr,
        "hypar: warning: %d of %d ranks may run on one core but use more threads: all their "
        "threads share that core (mpirun binds each rank to one core by default; use "
        "--map-by slot:PE=<threads> or --bind-to none). HYPAR_NO_LAYOUT_WARNING=1 hides this.\n",
        bound_to_one, world.size());
  } else if (oversubscribed > 0) {
    std::fprintf(stderr,
                 "hypar: warning: %d of %d ranks use more threads than the CPUs they may run on "
                 "(oversubscribed). HYPAR_NO_LAYOUT_WARNING=1 hides this.\n",
                 oversubscribed, world.size());
  }
}

}  // namespace

namespace detail {

std::vector<std::pair<std::string, std::string>> lone_process_mpi_settings(
    const std::function<const char*(const char*)>& lookup) {
  auto set = [&lookup](const char* name) {
    const char* value = lookup(name);
    return value != nullptr;
  };
  // mpirun (Open MPI's own variables, and PMIx's), srun (PMIx or PMI-2), MPICH's hydra (PMI).
  for (const char* launched : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE",
                               "PMI_FD", "SLURM_STEP_NUM_TASKS"}) {
    if (set(launched))
      return {};
  }
  if (const char* off = lookup("HYPAR_SINGLETON_TUNING"); off && std::string(off) == "0")
    return {};
  std::vector<std::pair<std::string, std::string>> settings;
  // No helper daemon (a singleton then cannot MPI_Comm_spawn); ob1 rather than UCX, whose probe
  // of the network devices is most of the start-up; ob1 needs only the self transport here.
  for (const auto& [name, value] :
       {std::pair{"OMPI_MCA_ess_singleton_isolated", "1"}, std::pair{"OMPI_MCA_pml", "ob1"},
        std::pair{"OMPI_MCA_btl", "self"}}) {
    if (!set(name))
      settings.emplace_back(name, value);
  }
  return settings;
}

}  // namespace detail

Environment::Environment(int& argc, char**& argv, ThreadLevel level) {
  const int wanted = level == ThreadLevel::multiple     ? MPI_THREAD_MULTIPLE
                     : level == ThreadLevel::serialized ? MPI_THREAD_SERIALIZED
                                                        : MPI_THREAD_FUNNELED;
  int initialized = 0;
  detail::check(MPI_Initialized(&initialized), "MPI_Initialized");
  if (initialized) {
    detail::check(MPI_Query_thread(&provided_), "MPI_Query_thread");
  } else {
#ifdef OPEN_MPI
    for (const auto& [name, value] : detail::lone_process_mpi_settings(std::getenv))
      ::setenv(name.c_str(), value.c_str(), 0);
#endif
    detail::check(MPI_Init_thread(&argc, &argv, wanted, &provided_), "MPI_Init_thread");
    owns_ = true;
  }
  if (provided_ < wanted) {
    const std::string message = std::string("hypar: MPI provides ") + level_name(provided_) +
                                " but hypar needs " + level_name(wanted) +
                                "; use an MPI library built with thread support";
    if (owns_)
      MPI_Finalize();
    owns_ = false;
    throw Error(message);
  }
  if (owns_)
    check_layout(world());
  if (world().size() > 1)
    hypar::detail::set_interrupt_linger(300);  // see core/interrupt.cpp
  if (const char* text = std::getenv("HYPAR_TIMEOUT"); text && *text) {
    char* end = nullptr;
    const double seconds = std::strtod(text, &end);
    if (end == text || *end != '\0' || !(seconds >= 0) || seconds > 1e9)
      throw Error(std::string("hypar: HYPAR_TIMEOUT=") + text +
                  ": not a number of seconds (0 for no timeout)");
    set_timeout(seconds);
  }
}

Environment::~Environment() {
  if (!owns_)
    return;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized)
    MPI_Finalize();
}

Communicator Environment::world() const {
  return Communicator(MPI_COMM_WORLD);
}

void abort(const Communicator& comm, int code) {
  MPI_Abort(comm.native(), code);
  std::_Exit(code);  // MPI_Abort does not return; this only satisfies [[noreturn]]
}

}  // namespace hypar::dist
