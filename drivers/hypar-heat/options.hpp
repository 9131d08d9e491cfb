#pragma once
// hypar-heat command line.

#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <string>

namespace hypar_heat {

/// The initial field.
struct Init {
  enum class Kind { hotspot, sine, file } kind = Kind::hotspot;
  int k = 1, l = 1;  ///< sine: u0 = sin(k pi x) sin(l pi y)
  std::string path;  ///< file: an HDF5 field (dataset /u)
};

/// Output formats of the summary.
enum class Format { table, json };

/// Everything the command line says. Sizes of 0 mean "not given" where a file may supply them.
struct Options {
  /// --timeout: the bound on one MPI wait in seconds (dist::set_timeout); negative: not given.
  double timeout = -1;
  int nx = 0, ny = 0;  ///< interior points (0: 256, or the size of the --init / --restart file)
  long long steps = 2000;
  double r = 0.25;
  Init init;
  bool neumann = false;
  std::optional<std::string> output;      ///< --output FIELD.h5
  std::optional<std::string> checkpoint;  ///< --checkpoint FILE.h5
  long long checkpoint_every = 0;
  std::optional<std::string> restart;  ///< --restart FILE.h5
  std::optional<std::string> png;      ///< --png OUT.png or a frame pattern with %d
  long long png_every = 0;
  int png_size = 1024;
  std::optional<std::array<double, 2>>
      png_limits;      ///< unset: automatic (frames: the initial range)
  int time_block = 0;  ///< 0: hypar-heat chooses
  int halo_width = 0;  ///< 0: the time block
  bool overlap = true;
  std::size_t threads = 0;  ///< 0: hypar's default
  Format format = Format::table;
  std::optional<bool> progress;  ///< unset: a bar when stderr is a terminal
  bool demo = false;             ///< no arguments at all: the built-in demonstration
};

/// The most threads a rank may run.
inline constexpr std::size_t max_threads = 4096;

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

/// What a run starts from when --init FILE or --restart FILE gives the field.
struct FileStart {
  int nx = 0, ny = 0;        ///< the file's interior points
  long long first_step = 0;  ///< the checkpoint's step (0 for --init)
};

/// Checks a field file, as hypar::io::read_field_info describes it (`nx` x `ny` points, both at
/// least 1, and its numeric attributes), against the options: the size must agree with --nx /
/// --ny where they are given, and a --restart file must be a hypar-heat checkpoint (attributes
/// steps, r and neumann) made with the same --r and --boundary, at a whole step from 0 to
/// --steps. Pure (no file, no MPI). Throws std::invalid_argument saying what disagrees (the
/// caller prefixes the flag and the path).
FileStart check_field_file(const Options& o, int nx, int ny,
                           const std::map<std::string, double>& attributes);

}  // namespace hypar_heat
