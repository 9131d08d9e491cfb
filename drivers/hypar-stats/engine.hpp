#pragma once
// The counting engine of hypar-stats inside one rank (ARCHITECTURE.md, "The main job", step 3).
//
// Design: a two-stage hypar::Pipeline over this rank's blocks (its chunks cut into reads of
// `buffer_bytes`):
//   feeder -> [read: `threads` workers] -> bounded channel -> [count: `threads` workers] -> main
// A reader takes a buffer from a pool (a lock-free hypar::ArrayQueue; a new buffer when the pool
// is empty) and `pread`s its block into it. A counter runs the SIMD text_stats kernel over the
// buffer, appends the counts to its thread's piece list (hypar::ThreadLocal: no lock, no shared
// cache line), gives the buffer back to the pool and passes the byte count on, which the main
// thread adds to the progress display. Several readers keep the page-cache copies of different
// blocks going at once (one reader would cap the rate at one core's copy speed), and the bounded
// channels keep the buffers in flight to a few per thread: memory is bounded by the pipeline,
// whatever the file sizes. The pieces of all threads are coalesced at the end (merged across
// block boundaries in file order).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <hypar/kernels/text.hpp>
#include <string>
#include <vector>

namespace hypar_stats {

/// A byte range of one input file, as the partitioner hands it to a rank.
struct Chunk {
  std::string path;
  std::uint64_t file_index = 0;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

/// The counts of a contiguous byte range of one file. Trivially copyable, so that ranks can
/// gather them to rank 0, where the pieces of each file are merged in offset order.
struct Piece {
  std::uint64_t file_index = 0;
  std::uint64_t offset = 0;           ///< where the counted range starts in the file
  hypar::kernels::TextStats stats{};  ///< stats.bytes() is the length of the counted range
  std::int32_t error_code = 0;        ///< errno when the file could not be opened or read
};

/// How the engine runs inside a rank.
struct EngineOptions {
  std::size_t threads = 1;                          ///< counting threads
  std::size_t buffer_bytes = std::size_t{4} << 20;  ///< one read
};

/// Counts `chunks` and returns the pieces coalesced (see coalesce). A file that cannot be opened
/// or read gives a Piece with its errno; a file that shrank gives the counts of what could still be
/// read; bytes past a chunk's end are never read. `progress(n)` is called on the calling thread
/// after every block of n bytes. Memory: about 4 x threads x buffer_bytes, plus one Piece per
/// block.
std::vector<Piece> count_chunks(const std::vector<Chunk>& chunks, const EngineOptions& options,
                                const std::function<void(std::uint64_t)>& progress = {});

/// Sorts pieces by (file, offset) and merges the pieces of one file whose ranges touch, so a rank
/// sends at most a few pieces per file; a file with an error keeps one error piece.
void coalesce(std::vector<Piece>& pieces);

}  // namespace hypar_stats
