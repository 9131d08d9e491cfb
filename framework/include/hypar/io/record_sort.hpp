#pragma once
// hypar::records::sort_files: the Sort Benchmark's 100-byte records sorted across the ranks of a
// communicator, from files to a file (or to part files), in memory or out of core. The engine of
// `hypar-sort sort`. Needs MPI (HYPAR_WITH_MPI).
//
// Design (docs/sorting.md, "hypar-sort"). The inputs are laid end to end and each rank takes an
// even, contiguous share of their records. The sort is stable: records with equal keys keep their
// input order (ties are broken by the record's position in the concatenated input).
// - In memory (a rank's share times 3 fits in `memory`): each rank reads its share in parallel
//   preads, dist::par_sort_by_key sorts across the ranks (splitters from a sample, one
//   all-to-all, a local sort, the 1.05 n/p balance guarantee), and each rank writes its slice at
//   100 x the number of records on the ranks before it (or into its part file).
// - Out of core: splitters from a sample read straight from the files; then the share is read in
//   rounds, each round's records (tagged with their input position) exchanged with one
//   all-to-all, and what arrives gathered into runs that fit the memory budget. The runs go down a
//   pipeline (hypar::Pipeline: Boost.Lockfree hand-offs): one stage sorts a run while the main
//   thread reads and exchanges the next, the next stage spills it to `tmp_dir`; only two run
//   buffers exist, handed back through a channel, so memory stays bounded. Then each rank merges
//   its runs (a k-way merge over buffered readers) into its output range while a writer thread
//   writes the previous buffer. Spill files are removed on every exit path.
// - The output appears atomically (io::SharedOutput): under a temporary name until every rank
//   succeeded, then renamed; on any failure nothing is left under the final name.

#include <cstdint>
#include <hypar/dist/communicator.hpp>
#include <hypar/io/record_files.hpp>
#include <hypar/io/records.hpp>
#include <hypar/sync/progress.hpp>
#include <string>
#include <vector>

namespace hypar::records {

/// How sort_files sorts.
struct SortFilesOptions {
  /// Bytes of record buffers one rank may hold; 0 means no limit (always in memory). The
  /// in-memory path needs about 3x the rank's share; below that the sort runs out of core with
  /// runs of about memory / 4.
  std::uint64_t memory = 0;
  /// Directory for the spilled runs of the out-of-core path ("" = the output's directory).
  std::string tmp_dir;
  /// Write one part file per rank (OUTPUT.part-NNNNN, concatenated in order) instead of one file.
  bool parts = false;
  /// fsync the output before it is renamed, so that it survives a crash of the machine too
  /// (io::SharedOutput's durability note); off, the rename alone keeps it atomic for the program.
  bool sync = false;
  /// Records per read, spill, merge and write buffer (each a few MB; bounded memory).
  std::uint64_t buffer_records = 40960;
  /// Counts records read and written (rank 0's own share, twice); may be null.
  Progress* progress = nullptr;
};

/// Seconds spent in each phase on one rank (the report holds the slowest rank's, per phase).
struct SortPhaseTimes {
  double read = 0;        ///< reading the inputs (out of core: including the per-round reads)
  double sample = 0;      ///< choosing the splitters
  double exchange = 0;    ///< moving records between ranks (classification and all-to-all)
  double local_sort = 0;  ///< sorting on each rank (out of core: sorting the runs)
  double spill = 0;       ///< writing runs to tmp_dir (out of core only)
  double merge = 0;       ///< merging runs into the output (out of core only)
  double write = 0;       ///< writing the output and its rename (and fsync, when asked)
};

/// What sort_files did (the same on every rank).
struct SortFilesReport {
  std::vector<std::string> inputs;          ///< the input files, directories expanded
  std::uint64_t records = 0;                ///< records sorted
  std::vector<std::uint64_t> rank_records;  ///< records each rank wrote
  bool out_of_core = false;                 ///< any rank spilled runs
  std::uint64_t runs = 0;                   ///< runs spilled, all ranks
  std::uint64_t peak_rss_bytes = 0;         ///< the largest peak resident set of any rank
  SortPhaseTimes times;                     ///< per phase, the slowest rank
  double seconds = 0;                       ///< wall time of the whole sort
};

/// Sorts the records of `inputs` (files, or directories whose non-hidden regular files are
/// taken in name order), concatenated in that order, into `output` by key (memcmp order of the
/// first 10 bytes), stably. Collective. Sequential equivalent: reading every input, a
/// std::stable_sort by key, writing the result. Throws hypar::Error, with the same message on
/// every rank, when an input is missing, unreadable, not a regular file or not a multiple of 100
/// bytes, or when the output or a spill file cannot be written (then nothing is left under the
/// output's name, and no spill file remains).
SortFilesReport sort_files(const dist::Communicator& comm, const std::vector<std::string>& inputs,
                           const std::string& output, const SortFilesOptions& options);

}  // namespace hypar::records
