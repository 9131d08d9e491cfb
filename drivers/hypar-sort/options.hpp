#pragma once
// hypar-sort command line: the subcommands gen, sort and check.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hypar_sort {

/// Output formats of the summary.
enum class Format { text, json };

/// `hypar-sort gen [-a] [-s] [--teragen] [-b FIRST] RECORDS OUT`.
struct GenOptions {
  bool ascii = false;    ///< -a: gensort's printable records
  bool skew = false;     ///< -s: gensort's skewed keys
  bool teragen = false;  ///< --teragen: Hadoop TeraGen's layout
  bool parts = false;    ///< --parts: OUT.part-NNNNN per rank instead of one file
  bool fsync = false;    ///< --fsync: the output on the disk before it is renamed
  std::uint64_t first = 0;
  std::uint64_t records = 0;
  std::string output;
};

/// `hypar-sort check FILE... [-o SUMMARY] | check -s SUMMARY`.
struct CheckOptions {
  std::vector<std::string> inputs;
  std::optional<std::string> write_summary;  ///< -o FILE
  std::optional<std::string> read_summary;   ///< -s FILE
};

/// `hypar-sort sort INPUT... -o OUTPUT [--memory SIZE] [--tmp DIR] [--parts] [--threads N]`.
struct SortOptions {
  std::vector<std::string> inputs;  ///< files or directories of parts
  std::string output;               ///< -o
  std::uint64_t memory = 0;         ///< --memory in bytes; 0: half the RAM over the ranks
  std::string tmp_dir;              ///< --tmp ("" = the output's directory)
  bool parts = false;               ///< --parts: OUTPUT.part-NNNNN per rank
  bool fsync = false;               ///< --fsync: the output on the disk before it is renamed
  std::size_t threads = 0;          ///< --threads per rank (0: the default)
  std::optional<bool> progress;     ///< --progress / --no-progress (default: when stderr is a tty)
};

/// Everything the command line says.
struct Options {
  /// --timeout: the bound on one MPI wait in seconds (dist::set_timeout); negative: not given.
  double timeout = -1;
  enum class Command { gen, sort, check } command = Command::gen;
  GenOptions gen;
  SortOptions sort;
  CheckOptions check;
  bool quiet = false;
  Format format = Format::text;
  /// Records per read or write buffer (bounded memory: a rank holds one buffer, never its share).
  std::uint64_t buffer_records = default_buffer_records;
  static constexpr std::uint64_t default_buffer_records = 40960;  // 4 096 000 bytes
};

/// What parsing the command line decided.
struct ParseOutcome {
  enum class Kind { run, exit } kind = Kind::run;
  int exit_code = 0;   ///< with Kind::exit: 0 after --help/--version, 2 after a usage error
  std::string output;  ///< with Kind::exit: what to print
  bool to_stderr = false;
  Options options;
};

/// Parses argv. Never prints and never exits: the caller prints on rank 0 only.
ParseOutcome parse_command_line(int argc, const char* const* argv);

}  // namespace hypar_sort
