// hypar-stats command line, with CLI11.
#include "options.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <hypar/version.hpp>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "corpus.hpp"

namespace hypar_stats {
namespace {

/// Options that take a value, and flags that take none.
constexpr std::array valued = {"--files-from", "--format", "--threads", "--chunk-size"};
constexpr std::array flags = {"--progress",  "--no-progress", "--follow",
                              "--fail-fast", "--help",        "--version"};

/// What CLI11 lets through and should not: "--chunk-size=" (an empty value, after which CLI11
/// takes the next argument as the value) and "--follow=3" (a value for a flag). Returns the
/// complaint, or "" when argv is fine. Stops at "--", after which everything is a path.
std::string misused_option(int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--")
      break;
    const auto eq = arg.find('=');
    if (!arg.starts_with("--") || eq == std::string_view::npos)
      continue;
    const std::string name(arg.substr(0, eq));
    if (std::find(valued.begin(), valued.end(), name) != valued.end() && eq + 1 == arg.size())
      return name + " needs a value (" + name + "=VALUE or " + name + " VALUE)";
    if (std::find(flags.begin(), flags.end(), name) != flags.end())
      return name + " takes no value";
  }
  return "";
}

/// Without --threads: a thread count above max_threads in the variables hypar reads, or "".
std::string env_thread_problem() {
  for (const char* variable : {"HYPAR_NUM_THREADS", "OMP_NUM_THREADS"}) {
    const char* value = std::getenv(variable);
    if (value == nullptr)
      continue;
    unsigned long long n = 0;
    const std::string_view text(value);
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec == std::errc::result_out_of_range || (ec == std::errc{} && n > max_threads)) {
      return std::string(variable) + "=" + value + " is above the limit of " +
             std::to_string(max_threads) + " threads per rank";
    }
    if (ec == std::errc{} && end == text.data() + text.size() && n > 0)
      return "";  // the variable hypar will use, and it is fine
  }
  return "";
}

}  // namespace

ParseOutcome parse_command_line(int argc, const char* const* argv) {
  ParseOutcome outcome;
  Options& o = outcome.options;
  CLI::App app{
      "hypar-stats: lines, words, bytes and the longest line of every file, counted as\n"
      "`LC_ALL=C wc -lwcL` counts them, spread over MPI ranks and the threads of each rank.\n"
      "Run it with mpirun or srun: mpirun -n RANKS hypar-stats [OPTIONS] [PATH...]\n"
      "Exit status: 0 every input counted, 1 some inputs failed (each reported), 2 usage or fatal\n"
      "error.\n" +
          corpus_description(),
      "hypar-stats"};
  std::string format = "table";
  std::string chunk = "64M";
  bool progress = false, no_progress = false;
  long long threads = 0;
  app.add_option("PATH", o.paths,
                 "files and directories (walked recursively, in sorted order); none: the built-in "
                 "corpus");
  app.add_option("--files-from", o.files_from, "read paths from FILE, one per line ('-': stdin)")
      ->type_name("FILE");
  app.add_option("--format", format, "output format: table, csv or json (default: table)")
      ->type_name("FORMAT");
  app.add_option(
         "--timeout", o.timeout,
         "end the job with a report (which ranks stop answering) and exit 124 when one MPI wait "
         "lasts SECONDS (default: HYPAR_TIMEOUT, or no bound)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0.0, 1e9));
  app.add_option("--threads", threads,
                 "threads per rank (default: HYPAR_NUM_THREADS, "
                 "OMP_NUM_THREADS, or the cores this rank may use)")
      ->type_name("N");
  app.add_option("--chunk-size", chunk,
                 "split files larger than SIZE into chunks of about SIZE "
                 "bytes (suffixes K, M, G; default 64M)")
      ->type_name("SIZE");
  app.add_flag("--progress", progress,
               "draw progress on rank 0 even when stderr is not a terminal");
  app.add_flag("--no-progress", no_progress, "never draw progress");
  app.add_flag("--follow", o.follow, "follow symbolic links to directories while walking");
  app.add_flag("--fail-fast", o.fail_fast, "stop at the first input that cannot be counted");
  app.set_version_flag("--version", std::string("hypar-stats (hypar) ") + hypar::version_string);

  auto usage_error = [&](const std::string& message) {
    outcome.kind = ParseOutcome::Kind::exit;
    outcome.exit_code = 2;
    outcome.to_stderr = true;
    outcome.output = "hypar-stats: " + message + " (try --help)\n";
    return outcome;
  };
  if (const std::string misuse = misused_option(argc, argv); !misuse.empty())
    return usage_error(misuse);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    outcome.kind = ParseOutcome::Kind::exit;
    outcome.output = app.help();
    return outcome;
  } catch (const CLI::CallForVersion&) {
    outcome.kind = ParseOutcome::Kind::exit;
    outcome.output = app.version() + "\n";
    return outcome;
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what());
  }

  if (format == "table") {
    o.format = Format::table;
  } else if (format == "csv") {
    o.format = Format::csv;
  } else if (format == "json") {
    o.format = Format::json;
  } else {
    return usage_error("--format must be table, csv or json, not '" + format + "'");
  }
  if (threads < 0)
    return usage_error("--threads must be 0 (the default) or more");
  if (static_cast<unsigned long long>(threads) > max_threads) {
    return usage_error("--threads " + std::to_string(threads) + " is above the limit of " +
                       std::to_string(max_threads) + " threads per rank");
  }
  if (threads == 0) {
    if (const std::string problem = env_thread_problem(); !problem.empty())
      return usage_error(problem);
  }
  o.threads = static_cast<std::size_t>(threads);
  try {
    o.chunk_bytes = parse_size(chunk);
  } catch (const std::invalid_argument& e) {
    return usage_error(std::string("--chunk-size: ") + e.what());
  }
  if (o.chunk_bytes < 4096)
    return usage_error("--chunk-size must be at least 4K");
  if (progress && no_progress)
    return usage_error("--progress and --no-progress contradict");
  if (progress)
    o.progress = true;
  if (no_progress)
    o.progress = false;
  return outcome;
}

}  // namespace hypar_stats
