#pragma once
// How many threads hypar uses by default, and what the process may run on.

#include <cstddef>
#include <optional>
#include <string_view>

namespace hypar {

/// The number of CPUs this process may run on: the size of its affinity mask, so it is right under
/// Slurm cgroups, `taskset` and `mpirun --bind-to`. Never less than 1.
std::size_t available_cpus();

/// The default size of a thread pool: `HYPAR_NUM_THREADS`, then the first entry of
/// `OMP_NUM_THREADS`, then `available_cpus()`. A variable that is unset, empty or 0 is skipped; one
/// that is not a non-negative integer throws hypar::Error naming the variable.
std::size_t default_num_threads();

namespace detail {
/// Parses an environment value such as "4" or "4,2" (OpenMP's nested list): the first entry.
/// Returns nullopt for an empty value; throws hypar::Error (naming `variable`) when malformed.
std::optional<std::size_t> parse_thread_count(std::string_view variable, std::string_view value);
}  // namespace detail

}  // namespace hypar
