// hypar-stats: wc for clusters. Thin: parse flags, expand inputs, partition, count, report.
//
//   mpirun -n RANKS hypar-stats [--format table|csv|json] [--threads N] [--chunk-size SIZE] PATH...
//
// run() reads as its phases:
// 1. expand_inputs: rank 0 reads --files-from and walks the inputs (directories in sorted order)
//    and broadcasts the list;
// 2. partition: dist::partition_files balances the bytes over the ranks, cutting big files after
//    newlines (rank 0 opens every file once to measure it);
// 3. count: each rank counts its chunks (engine.hpp: reader threads -> bounded channel ->
//    counting workers running the SIMD text_stats kernel), then coalesces its pieces per file;
// 4. merge_on_root: the pieces meet on rank 0, which merges them in file order;
// 5. report: rank 0 prints one stderr line per bad input and the table, CSV or JSON on stdout,
//    checking that stdout really took it ("write error" otherwise).
// Every rank exits with the same code: 0 all counted, 1 some inputs failed (or the results could
// not be written), 2 usage or fatal error.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <hypar/core.hpp>
#include <hypar/core/interrupt.hpp>
#include <hypar/dist.hpp>
#include <hypar/io/walk.hpp>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "corpus.hpp"
#include "engine.hpp"
#include "options.hpp"
#include "report.hpp"

namespace {

using hypar::dist::Communicator;
using hypar_stats::FileResult;
using hypar_stats::Options;

constexpr int exit_ok = 0;
constexpr int exit_some_failed = 1;
constexpr int exit_fatal = 2;

/// The inputs, the same on every rank.
struct Inputs {
  std::vector<hypar::io::InputFile> files;
  std::vector<std::string> display;  ///< names shown for the built-in corpus (else empty)
};

/// The size and error of an InputFile, as they travel between ranks.
struct FileFacts {
  std::uint64_t size;
  std::int32_t error_code;
};

/// Writes all of `text` to standard output; returns 0 or the errno of the failed write/flush.
int write_stdout(const std::string& text) {
  if (!text.empty() && std::fwrite(text.data(), 1, text.size(), stdout) != text.size())
    return errno != 0 ? errno : EIO;
  if (std::fflush(stdout) != 0 || std::ferror(stdout))
    return errno != 0 ? errno : EIO;
  return 0;
}

/// Rank 0's `ok`, on every rank.
bool agree(const Communicator& comm, int ok) {
  comm.broadcast(ok, 0);
  return ok != 0;
}

/// Phase 1. The paths to count on every rank: the arguments, --files-from (read on rank 0), or
/// the built-in corpus; then walked on rank 0. nullopt when the job cannot start (fatal).
std::optional<Inputs> expand_inputs(const Communicator& comm, const Options& options) {
  Inputs in;
  std::vector<std::string> paths = options.paths;
  if (options.files_from) {
    std::vector<std::string> listed;
    int ok = 1;
    if (comm.rank() == 0) {
      try {
        listed = hypar::io::read_path_list(*options.files_from);
      } catch (const hypar::Error& e) {
        std::fprintf(stderr, "hypar-stats: --files-from: %s\n", e.what());
        ok = 0;
      }
    }
    if (!agree(comm, ok))
      return std::nullopt;
    comm.broadcast(listed, 0);  // lengths travel, so a NUL inside a line stays inside it
    paths.insert(paths.end(), listed.begin(), listed.end());
  } else if (paths.empty()) {
    int ok = 1;
    try {
      paths = hypar_stats::materialize_corpus();  // on every node; the same folder everywhere
    } catch (const std::exception& e) {
      std::fprintf(stderr, "hypar-stats: rank %d: built-in corpus: %s\n", comm.rank(), e.what());
      ok = 0;
    }
    if (comm.all_reduce(ok, hypar::dist::minimum{}) == 0)
      return std::nullopt;
    for (const auto& p : paths)
      in.display.push_back("builtin/" + p.substr(p.rfind('/') + 1));
  }

  hypar::io::WalkOptions walk;
  walk.follow_directory_links = options.follow;
  std::vector<std::string> names, errors;
  std::vector<FileFacts> facts;
  if (comm.rank() == 0) {
    for (auto& f : hypar::io::expand_inputs(paths, walk)) {
      names.push_back(std::move(f.path));
      errors.push_back(std::move(f.error));
      facts.push_back({f.size, f.error_code});
    }
  }
  comm.broadcast(names, 0);
  comm.broadcast(errors, 0);
  comm.broadcast(facts, 0);
  for (std::size_t i = 0; i < names.size(); ++i)
    in.files.push_back({std::move(names[i]), facts[i].size, facts[i].error_code, errors[i]});
  return in;
}

/// The result rows in input order, with the walk's errors filled in.
std::vector<FileResult> initial_results(const Inputs& in) {
  std::vector<FileResult> results(in.files.size());
  for (std::size_t i = 0; i < in.files.size(); ++i) {
    results[i].path = in.display.empty() ? in.files[i].path : in.display[i];
    if (!in.files[i].ok()) {
      results[i].ok = false;
      results[i].error = in.files[i].error;
    }
  }
  return results;
}

/// What partition() decided, the same on every rank but for `chunks`.
struct Partition {
  std::vector<hypar::dist::FileChunk> chunks;  ///< this rank's share
  std::vector<std::size_t> input_index;        ///< chunk.file_index -> position in the inputs
};

/// Phase 2. This rank's share of the files that the walk found usable; files that rank 0 could
/// not open get their error in `results`.
Partition partition(const Communicator& comm, const Inputs& in, const Options& options,
                    std::vector<FileResult>& results) {
  Partition part;
  std::vector<std::string> countable;
  for (std::size_t i = 0; i < in.files.size(); ++i) {
    if (in.files[i].ok()) {
      countable.push_back(in.files[i].path);
      part.input_index.push_back(i);
    }
  }
  hypar::dist::PartitionOptions po;
  po.delimiter = '\n';
  po.chunk_bytes = options.chunk_bytes;
  std::vector<hypar::ItemError> errors;
  part.chunks = hypar::dist::partition_files(comm, countable, po, errors);
  for (const auto& e : errors) {
    auto& r = results[part.input_index[e.index]];
    r.ok = false;
    r.error = e.message;
  }
  return part;
}

/// Phase 3. Counts this rank's chunks, drawing progress on rank 0 (a bar on a terminal, lines in
/// a log) over every rank's bytes; all ranks take part because the counts travel in collectives.
std::vector<hypar_stats::Piece> count(const Communicator& comm, const Partition& part,
                                      const Options& options, std::size_t threads) {
  std::uint64_t total_bytes = 0;
  for (const auto& c : part.chunks)
    total_bytes += c.length;
  const bool terminal = isatty(STDERR_FILENO) == 1;
  int show_progress = comm.rank() == 0 && options.progress.value_or(terminal) ? 1 : 0;
  comm.broadcast(show_progress, 0);
  std::optional<hypar::dist::Progress> progress;
  if (show_progress != 0) {
    progress.emplace(comm, total_bytes, "hypar-stats",
                     hypar::Progress::Options{.style = terminal ? hypar::Progress::Style::bar
                                                                : hypar::Progress::Style::lines,
                                              .unit = hypar::Progress::Unit::bytes});
  }
  hypar_stats::EngineOptions engine;
  engine.threads = threads;
  engine.stop_at_first_error = options.fail_fast;
  auto pieces = hypar_stats::count_chunks(part.chunks, engine, [&](std::uint64_t n) {
    if (progress)
      progress->add(n);
  });
  if (progress)
    progress->finish();
  return pieces;
}

/// Phase 4. Gathers every rank's pieces on rank 0 and fills in `results` there.
void merge_on_root(const Communicator& comm, const Partition& part,
                   const std::vector<hypar_stats::Piece>& pieces,
                   std::vector<FileResult>& results) {
  auto all = comm.gather(pieces, 0);
  if (comm.rank() != 0)
    return;
  hypar_stats::coalesce(all);
  std::map<std::size_t, hypar::kernels::TextStats> stats;
  for (const auto& p : all) {
    auto& r = results[part.input_index[p.file_index]];
    if (p.error_code != 0) {
      r.ok = false;
      r.error = hypar_stats::describe_error(p.error_code);
      continue;
    }
    stats[p.file_index] = hypar::kernels::merge(stats[p.file_index], p.stats);
  }
  for (const auto& [index, s] : stats) {
    auto& r = results[part.input_index[index]];
    if (!r.ok)
      continue;
    r.lines = s.lines();
    r.words = s.words();
    r.bytes = s.bytes();
    r.max_line_length = s.max_line_length();
  }
}

/// One stderr line per bad input, on rank 0; returns whether there was any.
bool report_failures(const std::vector<FileResult>& results) {
  bool any = false;
  for (const auto& r : results) {
    if (!r.ok) {
      std::fprintf(stderr, "hypar-stats: %s: %s\n", hypar_stats::quote_name(r.path).c_str(),
                   r.error.c_str());
      any = true;
    }
  }
  return any;
}

/// Phase 5, on rank 0: the failures on stderr, the results on stdout; returns the exit code.
int report(const std::vector<FileResult>& results, const Options& options,
           const hypar_stats::RunInfo& info) {
  const bool failed = report_failures(results);
  if (failed && options.fail_fast) {
    std::fprintf(stderr, "hypar-stats: stopped at the first failure (--fail-fast): no counts\n");
    return exit_some_failed;
  }
  const auto total = hypar_stats::total_of(results);
  std::ostringstream out;
  switch (options.format) {
    case hypar_stats::Format::table:
      hypar_stats::write_table(out, results, total);
      break;
    case hypar_stats::Format::csv:
      hypar_stats::write_csv(out, results, total);
      break;
    case hypar_stats::Format::json:
      hypar_stats::write_json(out, results, total, info);
      break;
  }
  if (const int error = write_stdout(out.str()); error != 0) {
    std::fprintf(stderr, "hypar-stats: write error: %s\n", std::strerror(error));
    return exit_some_failed;
  }
  if (options.format == hypar_stats::Format::table) {
    std::fprintf(stderr,
                 "hypar-stats: %zu files, %.3f GB in %.3f s (%.2f GB/s) on %d ranks x %d threads\n",
                 results.size(), static_cast<double>(info.bytes) / 1e9, info.seconds,
                 info.seconds > 0 ? static_cast<double>(info.bytes) / info.seconds / 1e9 : 0.0,
                 info.ranks, info.threads);
  }
  return failed ? exit_some_failed : exit_ok;
}

int run(const Communicator& comm, const Options& options) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  auto lap = [last = start]() mutable {
    const auto now = clock::now();
    return std::chrono::duration<double>(now - std::exchange(last, now)).count();
  };
  hypar_stats::RunInfo::Phases phases;
  const bool root = comm.rank() == 0;
  const auto in = expand_inputs(comm, options);
  if (!in)
    return exit_fatal;
  auto results = initial_results(*in);
  phases.walk = lap();
  const auto part = partition(comm, *in, options, results);
  phases.partition = lap();
  // --fail-fast: a file the walk or rank 0's open refused stops the job before counting (the
  // results are the same on every rank, so every rank stops).
  const bool failed_early =
      std::any_of(results.begin(), results.end(), [](const FileResult& r) { return !r.ok; });
  if (options.fail_fast && failed_early) {
    if (root) {
      report_failures(results);
      std::fprintf(stderr, "hypar-stats: stopped before counting (--fail-fast)\n");
    }
    return exit_some_failed;
  }
  const std::size_t threads = options.threads ? options.threads : hypar::default_num_threads();
  const auto pieces = count(comm, part, options, threads);
  phases.count = lap();
  std::uint64_t counted = 0;
  for (const auto& p : pieces)
    counted += p.stats.bytes();
  phases.count_max = comm.reduce(phases.count, hypar::dist::maximum{}, 0);
  merge_on_root(comm, part, pieces, results);
  const std::uint64_t bytes = comm.all_reduce(counted, std::plus<>{});
  phases.merge = lap();
  int code = exit_ok;
  if (root) {
    const double seconds = std::chrono::duration<double>(clock::now() - start).count();
    code = report(
        results, options,
        hypar_stats::RunInfo{comm.size(), static_cast<int>(threads), seconds, bytes, phases});
  }
  // Every rank leaves with rank 0's verdict, after rank 0 has printed.
  comm.broadcast(code, 0);
  return code;
}

/// A closed standard output would be reused by the first file the program (or MPI) opens, and
/// the results would land there. Put a read-only /dev/null in its place: every write to it fails
/// with EBADF, which is then reported as a write error, as wc reports it.
void guard_closed_stdout() {
  if (::fcntl(STDOUT_FILENO, F_GETFD) != -1 || errno != EBADF)
    return;
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd >= 0 && fd != STDOUT_FILENO) {
    ::dup2(fd, STDOUT_FILENO);  // dup2 clears FD_CLOEXEC on the copy
    ::close(fd);
  } else if (fd == STDOUT_FILENO) {
    ::fcntl(fd, F_SETFD, 0);
  }
}

}  // namespace

int main(int argc, char** argv) {
  guard_closed_stdout();
  try {
    // The command line is parsed before MPI starts (parsing is local and the same on every rank):
    // a run that shows progress asks for MPI_THREAD_MULTIPLE, so that the display can sum the
    // ranks' counts from a helper thread while they work; other runs keep hypar's default.
    // SIGINT / SIGTERM (Ctrl-C, mpirun's or the scheduler's stop): temporary files removed,
    // exit 130 / 143. First, so that the threads MPI starts inherit the blocked signals.
    hypar::handle_interrupts("hypar-stats");
    const auto parsed = hypar_stats::parse_command_line(argc, argv);
    const bool may_show_progress = parsed.kind != hypar_stats::ParseOutcome::Kind::exit &&
                                   parsed.options.progress.value_or(isatty(STDERR_FILENO) == 1);
    hypar::dist::Environment env(argc, argv,
                                 may_show_progress ? hypar::dist::ThreadLevel::multiple
                                                   : hypar::dist::ThreadLevel::funneled);
    auto comm = env.world();
    if (parsed.options.timeout >= 0)
      hypar::dist::set_timeout(parsed.options.timeout);  // --timeout over HYPAR_TIMEOUT
    if (parsed.kind == hypar_stats::ParseOutcome::Kind::exit) {
      int code = parsed.exit_code;
      if (comm.rank() == 0) {
        if (parsed.to_stderr) {
          std::fputs(parsed.output.c_str(), stderr);
        } else if (const int error = write_stdout(parsed.output); error != 0) {
          std::fprintf(stderr, "hypar-stats: write error: %s\n", std::strerror(error));
          code = exit_some_failed;
        }
      }
      comm.broadcast(code, 0);
      return code;
    }
    try {
      return run(comm, parsed.options);
    } catch (const std::exception& e) {
      // A failure on one rank: say so; MPI_Abort ends the others (they may be in a collective).
      std::fprintf(stderr, "hypar-stats: rank %d: fatal: %s\n", comm.rank(), e.what());
      std::fflush(nullptr);
      hypar::dist::abort(comm, exit_fatal);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hypar-stats: fatal: %s\n", e.what());
    return exit_fatal;
  }
  return exit_fatal;
}
