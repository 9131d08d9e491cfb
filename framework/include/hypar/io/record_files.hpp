#pragma once
// Record files laid end to end: the inputs of hypar-sort's sort and check, and the even split of
// their records over the ranks. Needs MPI (HYPAR_WITH_MPI) for the collective checks.

#include <cstdint>
#include <hypar/dist/communicator.hpp>
#include <mutex>
#include <string>
#include <vector>

namespace hypar::records {

/// A range of record positions: [begin, begin + count).
struct RecordRange {
  std::uint64_t begin = 0, count = 0;
};

/// Rank `rank`'s even, contiguous share of `total` records over `ranks` ranks: the first
/// total % ranks ranks get one more. No overflow for any 64-bit total.
RecordRange share_of(std::uint64_t total, int rank, int ranks) noexcept;

/// The input list of sort and check: each path as given, or for a directory its regular files
/// whose names do not start with '.', in name order. Rank 0 looks and broadcasts (collective).
/// Throws hypar::Error (on every rank) for a path that does not exist or a directory that cannot
/// be listed.
std::vector<std::string> expand_inputs(const dist::Communicator& comm,
                                       const std::vector<std::string>& inputs);

/// Rank 0 checks every path (a regular file that opens, a whole number of 100-byte records) and
/// the ranks agree on the record counts, returned on every rank. Collective. Throws hypar::Error,
/// with the same message on every rank, naming the first bad file.
std::vector<std::uint64_t> measure_inputs(const dist::Communicator& comm,
                                          const std::vector<std::string>& paths);

/// Read access to any range of records of files laid end to end (files opened on first use and
/// kept open; read() is thread-safe, by pread).
class RecordFiles {
 public:
  /// `records[i]` is the record count of `paths[i]` (measure_inputs).
  RecordFiles(std::vector<std::string> paths, const std::vector<std::uint64_t>& records);
  RecordFiles(const RecordFiles&) = delete;
  RecordFiles& operator=(const RecordFiles&) = delete;
  ~RecordFiles();

  /// Records in all files.
  std::uint64_t total() const noexcept { return first_.back(); }
  /// Copies records [begin, begin + count) of the concatenation to `out` (100 x count bytes).
  /// Throws hypar::Error naming the file that could not be opened or read.
  void read(std::uint64_t begin, std::uint64_t count, std::uint8_t* out);

 private:
  int fd_of(std::size_t file);

  std::vector<std::string> paths_;
  std::vector<std::uint64_t> first_;  ///< global position of each file's first record, then total
  std::vector<int> fds_;
  std::mutex mutex_;
};

}  // namespace hypar::records
