// hypar-stats: wc for clusters. Thin: parse flags, expand inputs, partition, count, report.
//
//   mpirun -n RANKS hypar-stats [--format table|csv|json] [--threads N] [--chunk-size SIZE] PATH...
//
// 1. rank 0 expands the inputs (files, directories walked in sorted order) and broadcasts them;
// 2. dist::partition_files balances the bytes over the ranks, cutting big files after newlines;
// 3. each rank counts its chunks (engine.hpp: reader thread -> bounded channel -> counting workers
//    running the SIMD text_stats kernel), then coalesces its pieces per file;
// 4. the pieces and errors meet on rank 0, which merges them in file order and prints;
// 5. every rank exits with the same code: 0 all counted, 1 some inputs failed, 2 usage or fatal.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <hypar/core.hpp>
#include <hypar/dist.hpp>
#include <hypar/io/walk.hpp>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "corpus.hpp"
#include "engine.hpp"
#include "options.hpp"
#include "report.hpp"

namespace {

using hypar_stats::FileResult;
using hypar_stats::Options;

constexpr int exit_ok = 0;
constexpr int exit_some_failed = 1;
constexpr int exit_fatal = 2;

/// Packs strings into one buffer for a broadcast ('\0' separated; paths never hold a NUL).
std::string pack(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    out += s;
    out += '\0';
  }
  return out;
}
std::vector<std::string> unpack(const std::string& packed) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i < packed.size(); ++i) {
    if (packed[i] == '\0') {
      out.emplace_back(packed, start, i - start);
      start = i + 1;
    }
  }
  return out;
}

/// The expanded inputs, known on every rank: rank 0 walks, the others receive.
std::vector<hypar::io::InputFile> expand_everywhere(hypar::dist::Communicator& comm,
                                                    const std::vector<std::string>& inputs,
                                                    const hypar::io::WalkOptions& walk) {
  std::vector<std::string> fields;
  if (comm.rank() == 0) {
    for (const auto& f : hypar::io::expand_inputs(inputs, walk)) {
      fields.push_back(f.path);
      fields.push_back(std::to_string(f.size));
      fields.push_back(std::to_string(f.error_code));
      fields.push_back(f.error);
    }
  }
  std::string packed = pack(fields);
  comm.broadcast(packed, 0);
  fields = unpack(packed);
  std::vector<hypar::io::InputFile> files;
  for (std::size_t i = 0; i + 3 < fields.size(); i += 4) {
    hypar::io::InputFile f;
    f.path = fields[i];
    f.size = std::stoull(fields[i + 1]);
    f.error_code = std::stoi(fields[i + 2]);
    f.error = fields[i + 3];
    files.push_back(std::move(f));
  }
  return files;
}

/// Reads --files-from on rank 0 and shares the list; an unreadable list is fatal on every rank.
std::optional<std::vector<std::string>> read_list_everywhere(hypar::dist::Communicator& comm,
                                                             const std::string& list_path) {
  std::string packed;
  int ok = 1;
  if (comm.rank() == 0) {
    try {
      packed = pack(hypar::io::read_path_list(list_path));
    } catch (const hypar::Error& e) {
      std::fprintf(stderr, "hypar-stats: --files-from: %s\n", e.what());
      ok = 0;
    }
  }
  comm.broadcast(ok, 0);
  if (!ok)
    return std::nullopt;
  comm.broadcast(packed, 0);
  return unpack(packed);
}

int run(hypar::dist::Communicator& comm, const Options& options) {
  const bool root = comm.rank() == 0;
  const auto start = std::chrono::steady_clock::now();

  // 1. Inputs.
  std::vector<std::string> inputs = options.paths;
  std::vector<std::string> display;  // names shown for the built-in corpus
  if (options.files_from) {
    auto listed = read_list_everywhere(comm, *options.files_from);
    if (!listed)
      return exit_fatal;
    inputs.insert(inputs.end(), listed->begin(), listed->end());
  } else if (inputs.empty()) {
    int ok = 1;
    try {
      inputs = hypar_stats::materialize_corpus();  // on every node; the same folder everywhere
    } catch (const std::exception& e) {
      std::fprintf(stderr, "hypar-stats: rank %d: built-in corpus: %s\n", comm.rank(), e.what());
      ok = 0;
    }
    if (comm.all_reduce(ok, [](int a, int b) { return a < b ? a : b; }) == 0)
      return exit_fatal;
    for (const auto& p : inputs)
      display.push_back("builtin/" + p.substr(p.rfind('/') + 1));
  }
  hypar::io::WalkOptions walk;
  walk.follow_directory_links = options.follow;
  const auto files = expand_everywhere(comm, inputs, walk);

  std::vector<FileResult> results(files.size());
  std::vector<std::string> countable;        // paths handed to the partitioner
  std::vector<std::size_t> countable_index;  // their position in `files`
  bool failed = false;
  for (std::size_t i = 0; i < files.size(); ++i) {
    results[i].path = display.empty() ? files[i].path : display[i];
    if (files[i].ok()) {
      countable.push_back(files[i].path);
      countable_index.push_back(i);
    } else {
      results[i].ok = false;
      results[i].error = files[i].error;
      failed = true;
    }
  }
  if (failed && options.fail_fast) {
    if (root) {
      for (const auto& r : results) {
        if (!r.ok)
          std::fprintf(stderr, "hypar-stats: %s: %s\n", r.path.c_str(), r.error.c_str());
      }
      std::fprintf(stderr, "hypar-stats: stopped before counting (--fail-fast)\n");
    }
    return exit_some_failed;
  }

  // 2. Partition the bytes over the ranks.
  hypar::dist::PartitionOptions partition;
  partition.delimiter = '\n';
  partition.chunk_bytes = options.chunk_bytes;
  std::vector<hypar::ItemError> partition_errors;
  const auto chunks = hypar::dist::partition_files(comm, countable, partition, partition_errors);

  // 3. Count this rank's chunks.
  std::vector<hypar_stats::Chunk> work;
  for (const auto& c : chunks) {
    work.push_back({c.path, static_cast<std::uint64_t>(c.file_index),
                    static_cast<std::uint64_t>(c.offset), static_cast<std::uint64_t>(c.length)});
  }
  std::uint64_t total_bytes = 0;
  for (const auto& c : work)
    total_bytes += c.length;
  hypar_stats::EngineOptions engine;
  engine.threads = options.threads ? options.threads : hypar::default_num_threads();
  // Progress: drawn by rank 0 only (a bar on a terminal, lines in a log), counting the bytes of
  // every rank; all ranks take part because the counts travel in collectives. Rank 0 decides.
  const bool terminal = isatty(STDERR_FILENO) == 1;
  int show_progress = root && options.progress.value_or(terminal) ? 1 : 0;
  comm.broadcast(show_progress, 0);
  std::optional<hypar::dist::Progress> progress;
  if (show_progress != 0) {
    progress.emplace(comm, total_bytes, "hypar-stats",
                     hypar::Progress::Options{.style = terminal ? hypar::Progress::Style::bar
                                                                : hypar::Progress::Style::lines,
                                              .unit = hypar::Progress::Unit::bytes});
  }
  auto pieces = hypar_stats::count_chunks(work, engine, [&](std::uint64_t n) {
    if (progress)
      progress->add(n);
  });
  if (progress)
    progress->finish();

  // 4. Everything meets on rank 0.
  auto all_pieces = comm.gather(pieces, 0);
  const std::uint64_t bytes_counted = comm.all_reduce(total_bytes, std::plus<>{});
  int code = exit_ok;
  if (root) {
    hypar_stats::coalesce(all_pieces);
    std::map<std::size_t, hypar::kernels::TextStats> stats;
    for (const auto& e : partition_errors) {
      auto& r = results[countable_index[e.index]];
      r.ok = false;
      r.error = e.message;
    }
    for (const auto& p : all_pieces) {
      auto& r = results[countable_index[p.file_index]];
      if (p.error_code != 0) {
        r.ok = false;
        r.error = std::strerror(p.error_code);
        continue;
      }
      auto& s = stats[p.file_index];
      s = hypar::kernels::merge(s, p.stats);
    }
    for (std::size_t k = 0; k < countable_index.size(); ++k) {
      auto& r = results[countable_index[k]];
      if (!r.ok)
        continue;
      const auto it = stats.find(k);
      if (it == stats.end())
        continue;  // an empty file: all zero
      r.lines = it->second.lines();
      r.words = it->second.words();
      r.bytes = it->second.bytes();
      r.max_line_length = it->second.max_line_length();
    }
    for (const auto& r : results) {
      if (!r.ok) {
        std::fprintf(stderr, "hypar-stats: %s: %s\n", r.path.c_str(), r.error.c_str());
        code = exit_some_failed;
      }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto total = hypar_stats::total_of(results);
    hypar_stats::RunInfo info{comm.size(), static_cast<int>(engine.threads), seconds,
                              bytes_counted};
    switch (options.format) {
      case hypar_stats::Format::table:
        hypar_stats::write_table(std::cout, results, total);
        std::fprintf(
            stderr,
            "hypar-stats: %zu files, %.3f GB in %.3f s (%.2f GB/s) on %d ranks x %zu threads\n",
            results.size(), static_cast<double>(bytes_counted) / 1e9, seconds,
            seconds > 0 ? static_cast<double>(bytes_counted) / seconds / 1e9 : 0.0, comm.size(),
            engine.threads);
        break;
      case hypar_stats::Format::csv:
        hypar_stats::write_csv(std::cout, results, total);
        break;
      case hypar_stats::Format::json:
        hypar_stats::write_json(std::cout, results, total, info);
        break;
    }
    std::cout.flush();
  }
  // Every rank leaves with rank 0's verdict, after rank 0 has printed.
  comm.broadcast(code, 0);
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    // The command line is parsed before MPI starts (parsing is local and the same on every rank):
    // a run that shows progress asks for MPI_THREAD_MULTIPLE, so that the display can sum the
    // ranks' counts from a helper thread while they work; other runs keep hypar's default.
    const auto parsed = hypar_stats::parse_command_line(argc, argv);
    const bool may_show_progress = parsed.kind != hypar_stats::ParseOutcome::Kind::exit &&
                                   parsed.options.progress.value_or(isatty(STDERR_FILENO) == 1);
    hypar::dist::Environment env(argc, argv,
                                 may_show_progress ? hypar::dist::ThreadLevel::multiple
                                                   : hypar::dist::ThreadLevel::funneled);
    auto comm = env.world();
    if (parsed.kind == hypar_stats::ParseOutcome::Kind::exit) {
      if (comm.rank() == 0) {
        std::fputs(parsed.output.c_str(), parsed.to_stderr ? stderr : stdout);
        std::fflush(nullptr);
      }
      comm.barrier();
      return parsed.exit_code;
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
