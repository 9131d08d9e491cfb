// hypar-sort: the Sort Benchmark's 100-byte records over MPI ranks, gensort / valsort 1.5
// compatible. Thin: parse flags, call the framework (records::Generator, records::sort_files,
// records::summarize / merge / valsort_report, io::SharedOutput), print on rank 0.
//
//   mpirun -n R hypar-sort gen [-a] [-s] [--teragen] [--fsync] [-b FIRST] RECORDS OUT
//   mpirun -n R hypar-sort sort INPUT... -o OUTPUT [--memory SIZE] [--tmp DIR] [--parts] [--fsync]
//   mpirun -n R hypar-sort check FILE... [-o SUMMARY]   |   hypar-sort check -s SUMMARY
//
// gen: every rank generates its contiguous share of the records (one skip-ahead, no
//   communication) buffer by buffer and writes it at 100 x its first index into the shared
//   output (io::SharedOutput: a temporary name, renamed only when every rank succeeded; OUT is
//   never left partial; --fsync: on the disk before the rename). --parts: every rank writes its
//   share to its own OUT.part-NNNNN.
// sort: records::sort_files (io/record_sort.hpp) inside a thread pool of --threads; the summary
//   (records, per-phase seconds, peak memory) on stdout, progress on stderr.
// check: rank 0 measures the inputs (regular files, sizes multiples of 100 bytes); the ranks split
//   the concatenation's records evenly, each preads its share buffer by buffer into a
//   records::Summary, and rank 0 merges the summaries in rank order (each carries its first and
//   last record, so pairs across rank and file boundaries are checked like any other) and writes
//   valsort's report to stderr.
// Every rank exits with the same code: 0 done (check: every record in order), 1 an input or
// output failed, or check found unordered records or no records (as valsort), 2 usage error.
#include <fcntl.h>
#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <hypar/core.hpp>
#include <hypar/core/interrupt.hpp>
#include <hypar/dist.hpp>
#include <hypar/io/record_files.hpp>
#include <hypar/io/record_sort.hpp>
#include <hypar/io/records.hpp>
#include <hypar/io/shared_output.hpp>
#include <hypar/sync/progress.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "options.hpp"

namespace {

namespace records = hypar::records;
using hypar::dist::Communicator;
using hypar_sort::Format;
using hypar_sort::Options;

constexpr int exit_ok = 0;
constexpr int exit_failed = 1;
constexpr int exit_usage = 2;

std::string errno_text(int code) {
  return std::strerror(code);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Writes `text` to `stream`; false on a write error.
bool put(const std::string& text, std::FILE* stream) {
  return std::fwrite(text.data(), 1, text.size(), stream) == text.size() &&
         std::fflush(stream) == 0;
}

// ---- gen ----------------------------------------------------------------------------------------

int run_gen(const Communicator& comm, const Options& o) {
  const auto t0 = std::chrono::steady_clock::now();
  const bool root = comm.rank() == 0;
  const hypar_sort::GenOptions& g = o.gen;
  records::GenOptions go;
  go.format = g.teragen ? records::RecordFormat::teragen
              : g.ascii ? records::RecordFormat::ascii
                        : records::RecordFormat::binary;
  go.skew = g.skew;

  std::unique_ptr<hypar::io::SharedOutput> out;
  try {
    out = std::make_unique<hypar::io::SharedOutput>(comm, g.output, g.parts, g.fsync);
  } catch (const hypar::Error& e) {  // the same message on every rank
    if (root)
      std::fprintf(stderr, "hypar-sort: gen: %s: %s\nhypar-sort: gen: %s%s not written\n",
                   g.output.c_str(), e.what(), g.output.c_str(), g.parts ? ".part-*" : "");
    return exit_failed;
  }

  // Every rank: its share, one buffer at a time (memory: one buffer, never the share). One file:
  // at 100 x the share's first index; a part: from its start.
  const records::RecordRange share = records::share_of(g.records, comm.rank(), comm.size());
  const std::uint64_t base = g.parts ? 0 : share.begin * records::record_size;
  records::Uint128 sum;
  std::string error;
  try {
    records::Generator gen(g.first + share.begin, go);
    std::vector<std::uint8_t> buffer(
        static_cast<std::size_t>(std::min(share.count, o.buffer_records)) * records::record_size);
    for (std::uint64_t done = 0; done < share.count;) {
      const std::uint64_t n = std::min(share.count - done, o.buffer_records);
      const std::span<std::uint8_t> chunk(buffer.data(),
                                          static_cast<std::size_t>(n) * records::record_size);
      gen.fill(chunk);
      sum += records::checksum(chunk);
      out->write_at(chunk.data(), chunk.size(), base + done * records::record_size);
      done += n;
    }
  } catch (const std::exception& e) {
    error = e.what();
  }
  std::vector<std::string> all;
  const bool ok = out->commit(error, all);
  const std::vector<records::Uint128> sums = comm.gather(sum, 0);
  int code = exit_ok;
  if (root) {
    if (!ok) {
      for (const auto& m : all)
        std::fprintf(stderr, "hypar-sort: gen: %s: %s\n", g.output.c_str(), m.c_str());
      std::fprintf(stderr, "hypar-sort: gen: %s%s not written\n", g.output.c_str(),
                   g.parts ? ".part-*" : "");
      code = exit_failed;
    } else {
      records::Uint128 total;
      for (const auto& s : sums)
        total += s;
      std::string text;
      if (o.format == Format::json) {
        nlohmann::ordered_json j;
        j["command"] = "gen";
        j["output"] = g.output;
        if (g.parts)
          j["parts"] = comm.size();
        j["format"] = g.teragen ? "teragen" : g.ascii ? "ascii" : "binary";
        j["skew"] = g.skew;
        j["first"] = g.first;
        j["records"] = g.records;
        j["bytes"] = g.records * records::record_size;
        j["checksum"] = records::to_hex(total);
        j["ranks"] = comm.size();
        j["seconds"] = seconds_since(t0);
        text = j.dump(2) + "\n";
      } else if (!o.quiet) {
        text = "Records: " + std::to_string(g.records) + "\nChecksum: " + records::to_hex(total) +
               "\n";
      }
      if (!put(text, stdout)) {
        std::fprintf(stderr, "hypar-sort: gen: write error on stdout: %s\n",
                     errno_text(errno).c_str());
        code = exit_failed;
      }
    }
  }
  comm.broadcast(code, 0);
  return code;
}

// ---- sort ---------------------------------------------------------------------------------------

/// The default record memory of a rank: half the machine's RAM, shared by the ranks on it.
std::uint64_t default_memory(const Communicator& comm) {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  const std::uint64_t ram =
      pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page)
                            : std::uint64_t{1} << 30;
  MPI_Comm node = MPI_COMM_NULL;
  int on_node = 1;
  if (MPI_Comm_split_type(comm.native(), MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) ==
      MPI_SUCCESS) {
    MPI_Comm_size(node, &on_node);
    MPI_Comm_free(&node);
  }
  return std::max<std::uint64_t>(ram / 2 / static_cast<std::uint64_t>(std::max(on_node, 1)),
                                 std::uint64_t{64} << 20);
}

int run_sort(const Communicator& comm, const Options& o, std::size_t threads) {
  const bool root = comm.rank() == 0;
  const hypar_sort::SortOptions& so = o.sort;
  records::SortFilesOptions options;
  options.memory = so.memory != 0 ? so.memory : default_memory(comm);
  options.tmp_dir = so.tmp_dir;
  options.parts = so.parts;
  options.sync = so.fsync;
  options.buffer_records = o.buffer_records;
  // Progress on rank 0: its share of the records (an even split), read and then written.
  std::optional<hypar::Progress> progress;
  records::SortFilesReport report;
  try {
    const std::vector<std::string> inputs = records::expand_inputs(comm, so.inputs);
    if (root && so.progress.value_or(::isatty(STDERR_FILENO) == 1) && !o.quiet) {
      std::uint64_t bytes = 0;
      for (const auto& path : inputs) {
        struct stat st {};
        if (::stat(path.c_str(), &st) == 0)
          bytes += static_cast<std::uint64_t>(st.st_size);
      }
      const std::uint64_t share =
          bytes / records::record_size / static_cast<std::uint64_t>(comm.size()) + 1;
      progress.emplace(2 * share, "hypar-sort records");
      options.progress = &*progress;
    }
    report = records::sort_files(comm, inputs, so.output, options);
  } catch (const hypar::Error& e) {  // agreed: the same message on every rank
    if (progress)
      progress->finish();
    if (root)
      std::fprintf(stderr, "hypar-sort: sort: %s\nhypar-sort: sort: %s%s not written\n", e.what(),
                   so.output.c_str(), so.parts ? ".part-*" : "");
    return exit_failed;
  }
  if (progress) {
    progress->add(progress->total() - std::min(progress->total(), progress->position()));
    progress->finish();
  }
  int code = exit_ok;
  if (root) {
    const auto& t = report.times;
    std::string text;
    if (o.format == Format::json) {
      nlohmann::ordered_json j;
      j["command"] = "sort";
      j["inputs"] = report.inputs.size();
      j["output"] = so.output;
      if (so.parts)
        j["parts"] = comm.size();
      j["records"] = report.records;
      j["bytes"] = report.records * records::record_size;
      j["ranks"] = comm.size();
      j["threads"] = threads;
      j["memory_per_rank"] = options.memory;
      j["out_of_core"] = report.out_of_core;
      j["runs"] = report.runs;
      j["rank_records"] = report.rank_records;
      j["peak_rss_bytes"] = report.peak_rss_bytes;
      nlohmann::ordered_json phases;
      phases["read"] = t.read;
      phases["sample"] = t.sample;
      phases["exchange"] = t.exchange;
      phases["local_sort"] = t.local_sort;
      phases["spill"] = t.spill;
      phases["merge"] = t.merge;
      phases["write"] = t.write;
      j["seconds_per_phase"] = phases;
      j["seconds"] = report.seconds;
      j["gb_per_second"] = report.seconds > 0
                               ? static_cast<double>(report.records) * 100.0 / report.seconds / 1e9
                               : 0.0;
      text = j.dump(2) + "\n";
    } else if (!o.quiet) {
      char line[512];
      std::snprintf(
          line, sizeof line,
          "Records: %llu (%.3f GB) from %zu input%s on %d rank%s x %zu thread%s, %s\n"
          "Seconds: %.3f (%.3f GB/s): read %.3f, sample %.3f, exchange %.3f, local "
          "sort %.3f, spill %.3f, merge %.3f, write %.3f\n",
          static_cast<unsigned long long>(report.records),
          static_cast<double>(report.records) * 100.0 / 1e9, report.inputs.size(),
          report.inputs.size() == 1 ? "" : "s", comm.size(), comm.size() == 1 ? "" : "s", threads,
          threads == 1 ? "" : "s",
          report.out_of_core ? ("out of core, " + std::to_string(report.runs) + " runs").c_str()
                             : "in memory",
          report.seconds,
          report.seconds > 0 ? static_cast<double>(report.records) * 100.0 / report.seconds / 1e9
                             : 0.0,
          t.read, t.sample, t.exchange, t.local_sort, t.spill, t.merge, t.write);
      text = line;
    }
    if (!put(text, stdout)) {
      std::fprintf(stderr, "hypar-sort: sort: write error on stdout: %s\n",
                   errno_text(errno).c_str());
      code = exit_failed;
    }
  }
  comm.broadcast(code, 0);
  return code;
}

/// Gathers every rank's error messages (in rank order) to rank 0; true on every rank when there
/// were none. Collective.
bool agree_no_errors(const Communicator& comm, const std::vector<std::string>& mine,
                     std::vector<std::string>& all) {
  all = comm.gather(mine, 0);
  int ok = all.empty() ? 1 : 0;
  comm.broadcast(ok, 0);
  return ok != 0;
}

// ---- check --------------------------------------------------------------------------------------

/// The summary of this rank's share of the concatenated inputs. Throws hypar::Error naming the
/// file that could not be read.
records::Summary summarize_share(const Communicator& comm, const Options& o,
                                 const std::vector<std::uint64_t>& counts) {
  records::RecordFiles files(o.check.inputs, counts);
  const records::RecordRange share = records::share_of(files.total(), comm.rank(), comm.size());
  records::Summary summary;
  std::vector<std::uint8_t> buffer(
      static_cast<std::size_t>(std::min(share.count, o.buffer_records)) * records::record_size);
  for (std::uint64_t done = 0; done < share.count;) {
    const std::uint64_t n = std::min(share.count - done, o.buffer_records);
    const std::span<std::uint8_t> chunk(buffer.data(),
                                        static_cast<std::size_t>(n) * records::record_size);
    files.read(share.begin + done, n, chunk.data());
    records::extend(summary, chunk);
    done += n;
  }
  return summary;
}

int run_check(const Communicator& comm, const Options& o) {
  const auto t0 = std::chrono::steady_clock::now();
  const bool root = comm.rank() == 0;
  records::Summary summary;
  std::vector<std::string> mine, all;
  std::size_t parts = 0;
  if (o.check.read_summary) {
    // valsort -s: rank 0 reads the summaries and merges them; nothing to share out.
    if (root) {
      try {
        const auto list = records::read_summary_file(*o.check.read_summary);
        parts = list.size();
        summary = records::merge(list);
      } catch (const hypar::Error& e) {
        mine.push_back(e.what());
      }
    }
  } else {
    std::vector<std::uint64_t> counts;
    try {
      counts = records::measure_inputs(comm, o.check.inputs);  // throws alike on every rank
    } catch (const hypar::Error& e) {
      if (root)
        std::fprintf(stderr, "hypar-sort: check: %s\n", e.what());
      return exit_failed;
    }
    parts = counts.size();
    records::Summary local;
    try {
      local = summarize_share(comm, o, counts);
    } catch (const std::exception& e) {
      mine.push_back(e.what());
    }
    const std::vector<records::Summary> per_rank = comm.gather(local, 0);
    if (root)
      summary = records::merge(per_rank);
  }
  int code = exit_ok;
  if (!agree_no_errors(comm, mine, all)) {
    if (root) {
      for (const auto& m : all)
        std::fprintf(stderr, "hypar-sort: check: %s\n", m.c_str());
    }
    return exit_failed;
  }
  if (root) {
    if (!o.quiet && !put(records::valsort_report(summary), stderr))
      code = exit_failed;
    if (summary.records == 0 || !summary.ordered())
      code = exit_failed;
    if (o.check.write_summary) {
      try {
        records::write_summary_file(*o.check.write_summary, summary);
      } catch (const hypar::Error& e) {
        std::fprintf(stderr, "hypar-sort: check: -o: %s\n", e.what());
        code = exit_failed;
      }
    }
    if (o.format == Format::json) {
      nlohmann::ordered_json j;
      j["command"] = "check";
      j[o.check.read_summary ? "summaries" : "files"] = parts;
      j["records"] = summary.records;
      j["bytes"] = summary.records * records::record_size;
      j["checksum"] = records::to_hex(summary.checksum);
      j["duplicates"] = summary.duplicates;
      j["unordered"] = summary.unordered;
      if (!summary.ordered())
        j["first_unordered"] = summary.first_unordered;
      j["ordered"] = summary.records > 0 && summary.ordered();
      j["ranks"] = comm.size();
      j["seconds"] = seconds_since(t0);
      if (!put(j.dump(2) + "\n", stdout))
        code = exit_failed;
    }
  }
  comm.broadcast(code, 0);
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  // A write past the file size limit (ulimit -f) fails with EFBIG, reported and cleaned up like a
  // full disk, instead of killing the rank with SIGXFSZ and leaving the temporary file behind.
  std::signal(SIGXFSZ, SIG_IGN);
  // Buffers of 256 KiB and more always come from mmap and go back to the system when freed.
  // glibc's default raises this threshold after each free of a large block, after which the
  // sort's per-round and per-run buffers fragment the heap and the resident set creeps well
  // above --memory (measured: 46 instead of 31 MiB at --memory 16M).
  ::mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  try {
    // SIGINT / SIGTERM (Ctrl-C, mpirun's or the scheduler's stop): temporary files removed,
    // exit 130 / 143. First, so that the threads MPI starts inherit the blocked signals.
    hypar::handle_interrupts("hypar-sort");
    const auto parsed = hypar_sort::parse_command_line(argc, argv);
    // sort runs inside a ThreadPool's install, on the pool's master thread: MPI is called by one
    // thread at a time, not necessarily the one that started it (SERIALIZED).
    hypar::dist::Environment env(argc, argv, hypar::dist::ThreadLevel::serialized);
    auto comm = env.world();
    if (parsed.options.timeout >= 0)
      hypar::dist::set_timeout(parsed.options.timeout);  // --timeout over HYPAR_TIMEOUT
    if (parsed.kind == hypar_sort::ParseOutcome::Kind::exit) {
      if (comm.rank() == 0)
        std::fputs(parsed.output.c_str(), parsed.to_stderr ? stderr : stdout);
      return parsed.exit_code;
    }
    try {
      const Options& o = parsed.options;
      if (o.command == Options::Command::gen)
        return run_gen(comm, o);
      if (o.command == Options::Command::check)
        return run_check(comm, o);
      const std::size_t threads = o.sort.threads ? o.sort.threads : hypar::default_num_threads();
      int code = exit_failed;
      auto pool = hypar::ThreadPoolBuilder().num_threads(threads).build();
      pool.install([&] { code = run_sort(comm, o, threads); });
      return code;
    } catch (const std::exception& e) {
      // A failure on one rank outside the agreed paths (MPI): say so; MPI_Abort ends the others.
      std::fprintf(stderr, "hypar-sort: rank %d: fatal: %s\n", comm.rank(), e.what());
      std::fflush(nullptr);
      hypar::dist::abort(comm, exit_failed);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hypar-sort: fatal: %s\n", e.what());
    return exit_failed;
  }
}
