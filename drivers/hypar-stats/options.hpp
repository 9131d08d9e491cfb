#pragma once
// hypar-stats command line.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "report.hpp"

namespace hypar_stats {

/// The most threads a rank may run (--threads, HYPAR_NUM_THREADS, OMP_NUM_THREADS): above it a
/// usage error. 4096 is above any node's hardware threads today and keeps the engine's threads and
/// buffers (linear in the thread count, engine.hpp) within reason.
inline constexpr std::size_t max_threads = 4096;

/// Everything the command line says.
struct Options {
  /// --timeout: the bound on one MPI wait in seconds (dist::set_timeout); negative: not given.
  double timeout = -1;
  std::vector<std::string> paths;
  std::optional<std::string> files_from;  ///< --files-from FILE ('-' = standard input)
  Format format = Format::table;
  std::size_t threads = 0;  ///< 0 = hypar's default (checked against max_threads too)
  std::uint64_t chunk_bytes = std::uint64_t{64} << 20;
  std::optional<bool> progress;  ///< unset = a bar when stderr is a terminal
  bool follow = false;
  bool fail_fast = false;
};

/// What parsing the command line decided.
struct ParseOutcome {
  enum class Kind { run, exit } kind = Kind::run;
  int exit_code = 0;   ///< with Kind::exit: 0 after --help/--version, 2 after a usage error
  std::string output;  ///< with Kind::exit: what to print (help text, version, or the error line)
  bool to_stderr = false;
  Options options;
};

/// Parses argv (and, without --threads, checks HYPAR_NUM_THREADS and OMP_NUM_THREADS against
/// max_threads). Never prints and never exits: the caller prints on rank 0 only.
ParseOutcome parse_command_line(int argc, const char* const* argv);

}  // namespace hypar_stats
