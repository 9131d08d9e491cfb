// hypar-stats command line, with CLI11.
#include "options.hpp"

#include <CLI/CLI.hpp>
#include <hypar/version.hpp>
#include <sstream>
#include <stdexcept>

#include "corpus.hpp"

namespace hypar_stats {

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
