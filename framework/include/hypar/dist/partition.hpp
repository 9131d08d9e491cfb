#pragma once
// Splitting files across ranks: balanced by bytes, cut on record boundaries.

#include <cstdint>
#include <hypar/core/error.hpp>
#include <hypar/dist/communicator.hpp>
#include <string>
#include <vector>

namespace hypar::dist {

/// How partition_files cuts files.
struct PartitionOptions {
  char delimiter = '\n';        ///< a record ends after this byte (when record_size is 0)
  std::size_t record_size = 0;  ///< above 0: fixed-size records, cuts on multiples of it
  std::uint64_t chunk_bytes = std::uint64_t{64} << 20;  ///< files larger than this are cut
};

/// A byte range of one input file, and which file it was when rank 0 measured it.
struct FileChunk {
  std::string path;
  std::size_t file_index = 0;  ///< position of the file in the `paths` given
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  /// The file's size when measured. 0 means "size unknown": an empty file, or one whose reported
  /// size is 0 though it has content (/proc/version): its one chunk (offset 0, length 0) is to be
  /// read to end of file by the rank that owns it.
  std::uint64_t file_size = 0;
  std::uint64_t device = 0;  ///< st_dev of the file measured, to detect a replaced file
  std::uint64_t inode = 0;   ///< st_ino of the file measured

  /// True for the one chunk of a file of unknown size (read it to end of file).
  bool to_end_of_file() const { return file_size == 0; }
};

/// This rank's share of `paths` (collective: every rank passes the same list). Rank 0 looks at
/// every file once and the ranks agree on the result: files are laid end to end in the given
/// order, files larger than `chunk_bytes` are cut into chunks of about `chunk_bytes` that end just
/// after a delimiter byte (or on a multiple of `record_size`), and each piece goes to the rank
/// whose 1/p share of the total bytes holds the piece's first byte. So every byte of every file is
/// in exactly one chunk, an empty file is one empty chunk, and a rank gets at most
/// total/p + chunk_bytes + one record. Chunks come in file order. Cost: one stat per path and a
/// short read near every cut, on rank 0; one broadcast.
/// Rank 0 opens every file (so a file that exists but cannot be opened is an error here), and a
/// file whose size reads as 0 is never cut: it is one chunk read to end of file (see FileChunk).
/// A path that is missing, cannot be opened or is not a regular file gets no chunk: it is
/// reported in `errors` (the same list on every rank, by index), never thrown.
std::vector<FileChunk> partition_files(const Communicator& comm,
                                       const std::vector<std::string>& paths,
                                       const PartitionOptions& options,
                                       std::vector<ItemError>& errors);

/// As above, for callers that do not need the errors (unusable paths are skipped).
std::vector<FileChunk> partition_files(const Communicator& comm,
                                       const std::vector<std::string>& paths,
                                       const PartitionOptions& options = {});

/// The largest exit code of any rank, on every rank (collective): every rank of a driver exits
/// with the same status even when only one of them saw a failure.
int agree_exit_code(const Communicator& comm, int local_code);

}  // namespace hypar::dist
