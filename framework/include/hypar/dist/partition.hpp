#pragma once
// Splitting files across ranks: balanced by bytes, cut on record boundaries.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <hypar/core/error.hpp>
#include <hypar/dist/communicator.hpp>
#include <span>
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

/// Reads up to `buffer.size()` bytes at `offset` into `buffer` (as pread does: fewer near the end,
/// 0 at the end); returns the count, or -errno on a read error.
using ReadAt = std::function<std::int64_t(std::uint64_t offset, std::span<char> buffer)>;

/// Where partition_files cuts one file of `size` bytes: the offsets at which its chunks end, in
/// increasing order, the last being `size` (an empty file: {0}, one empty chunk). Each chunk starts
/// where the previous one ended. With `record_size` > 0 the cuts are the multiples of the largest
/// multiple of record_size not above chunk_bytes (at least record_size). Otherwise a file of at
/// most chunk_bytes is one chunk, and each chunk ends just after the first delimiter at or beyond
/// its start + chunk_bytes - 1 (so it holds at least chunk_bytes bytes and at most one record
/// more); when no delimiter follows, the rest is one chunk. `read` fetches the bytes near each cut,
/// `block` bytes at a time (at most chunk_bytes); the searches never overlap, so no byte is read
/// twice. A read that ends
/// early (the file shrank) makes the rest one chunk. Sequential equivalent: scanning the file for
/// those delimiters. Cost: O(chunks) reads of `block` bytes. Returns {} with `error` set to the
/// errno of a failed read (0 otherwise); throws hypar::Error when chunk_bytes or block is 0.
std::vector<std::uint64_t> record_cuts(std::uint64_t size, const PartitionOptions& options,
                                       const ReadAt& read, int& error,
                                       std::size_t block = std::size_t{64} << 10);

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
