#pragma once
// The counting engine of hypar-stats inside one rank (ARCHITECTURE.md, "The main job", step 3).
//
// Design: a two-stage hypar::Pipeline over this rank's blocks (its chunks cut into reads of one
// buffer each):
//   feeder -> [read: `readers` workers] -> bounded channel -> [count: `threads` workers] -> main
// A reader takes a buffer from a pool and `pread`s its block into it. A counter runs the SIMD
// text_stats kernel over the buffer, appends the counts to its thread's piece list
// (hypar::ThreadLocal: no lock, no shared cache line), gives the buffer back to the pool and
// passes the byte count on, which the main thread adds to the progress display. Several readers
// keep the page-cache copies of different blocks going at once (one reader would cap the rate at
// one core's copy speed).
//
// Memory is bounded by the pool, not by the pipeline's queues: the pool holds a fixed number of
// buffers (buffer_count below: linear in the threads, within about 128 MiB), a reader waits for
// one when all are in use, and only a reader ever waits for one, so the counters, which give them
// back, always progress. Items travel one per batch (capacity 1), so a reader never holds more
// than the one buffer it is filling.
//
// Files: each file is opened once per rank, when its first block is read, and every block of it
// is read from that one descriptor, which is closed after its last block. The descriptor must be
// the file rank 0 measured (same inode; the device number is not compared, since a network file
// system may number it differently on every node), at least as long as measured, and every read
// must get its full length: otherwise the file changed under the count and it becomes an error
// row (error_file_changed), never a mix of two files. A file whose size read as 0 (an empty file,
// or /proc/version) is one chunk, read to end of file by one reader.
//
// Small files: a whole file of at most 128 KiB is not a block of its own. Consecutive ones form a
// group (up to 256 files or 1 MiB), which the reader passes on unread; the counter that takes it
// opens, checks, reads and counts its files one after another into a buffer of its own (128 KiB
// per counting thread, outside the pool: only readers wait for the pool's buffers). A tree of
// 100 000 files of 1 KiB otherwise cost several thread hand-offs per file (2.5-5 s of yields and
// context switches on one thread, against 0.9 s now), and its open/read/close calls, which
// outweigh the counting, now run on every counting thread rather than on the readers alone.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <hypar/dist/partition.hpp>
#include <hypar/kernels/text.hpp>
#include <string>
#include <vector>

namespace hypar_stats {

/// The counts of a contiguous byte range of one file. Trivially copyable, so that ranks can
/// gather them to rank 0, where the pieces of each file are merged in offset order.
struct Piece {
  std::uint64_t file_index = 0;
  std::uint64_t offset = 0;           ///< where the counted range starts in the file
  hypar::kernels::TextStats stats{};  ///< stats.bytes() is the length of the counted range
  std::int32_t error_code = 0;        ///< errno, or error_file_changed
};

/// Piece::error_code of a file that was replaced, or shrank, while it was counted.
inline constexpr std::int32_t error_file_changed = -1;

/// One line for a human for a Piece::error_code (strerror, or "file changed while counting").
std::string describe_error(std::int32_t error_code);

/// How the engine runs inside a rank.
struct EngineOptions {
  std::size_t threads = 1;                          ///< counting threads
  std::size_t buffer_bytes = std::size_t{4} << 20;  ///< one read, at most (see buffer_count)
  /// Stop reading at the first file that fails (--fail-fast): blocks not yet read are skipped.
  bool stop_at_first_error = false;
};

/// The most memory the read buffers may take (the pool shrinks its buffers to stay within it,
/// down to 64 KiB each).
inline constexpr std::size_t buffer_budget_bytes = std::size_t{128} << 20;

/// The readers the engine runs for `threads` counting threads: half as many, 1 to 8.
std::size_t reader_count(std::size_t threads);

/// The buffers in the pool for `threads`: 2 per counter and 1 per reader (linear in threads).
std::size_t buffer_count(std::size_t threads);

/// The size of one buffer: options.buffer_bytes, shrunk so that buffer_count buffers fit in
/// buffer_budget_bytes, but never below 64 KiB.
std::size_t buffer_size(const EngineOptions& options);

/// Counts `chunks` (this rank's share, from dist::partition_files) and returns the pieces
/// coalesced (see coalesce). A file that cannot be opened or read gives a Piece with its errno;
/// a file that changed under the count (replaced, or shorter than measured) gives one with
/// error_file_changed; bytes past a chunk's end are never read, except for a chunk to be read
/// to end of file. `progress(n)` is called on the calling thread after every block of n bytes.
/// Memory: at most buffer_count(threads) x buffer_size(options) for the buffers (below
/// buffer_budget_bytes for up to 10 threads, then 64 KiB per buffer), 128 KiB per counting thread
/// once it counts a group of small files, plus one Piece per block or small file.
std::vector<Piece> count_chunks(const std::vector<hypar::dist::FileChunk>& chunks,
                                const EngineOptions& options,
                                const std::function<void(std::uint64_t)>& progress = {});

/// Sorts pieces by (file, offset) and merges the pieces of one file whose ranges touch, so a rank
/// sends at most a few pieces per file; a file with an error keeps one error piece.
void coalesce(std::vector<Piece>& pieces);

}  // namespace hypar_stats
