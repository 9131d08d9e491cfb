// The counting engine: a read stage and a count stage of a hypar::Pipeline (see engine.hpp).
#include "engine.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <hypar/chan.hpp>
#include <hypar/flow.hpp>
#include <hypar/sync.hpp>
#include <memory>
#include <mutex>
#include <semaphore>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

namespace hypar_stats {

std::string describe_error(std::int32_t error_code) {
  if (error_code == error_file_changed)
    return "file changed while it was counted (replaced, or shorter than measured)";
  return std::strerror(error_code);
}

std::size_t reader_count(std::size_t threads) {
  return std::clamp<std::size_t>(threads / 2, 1, 8);  // a page-cache copy is faster than a count
}

std::size_t buffer_count(std::size_t threads) {
  threads = std::max<std::size_t>(1, threads);
  return 2 * threads + reader_count(threads);
}

std::size_t buffer_size(const EngineOptions& options) {
  constexpr std::size_t floor = std::size_t{64} << 10;
  const std::size_t wanted = std::max<std::size_t>(4096, options.buffer_bytes);
  const std::size_t fits = buffer_budget_bytes / buffer_count(options.threads);
  return std::min(wanted, std::max(fits, floor));
}

namespace {

using hypar::dist::FileChunk;

/// One read: a block of a chunk, or a group of small whole files (`chunks` > 0), read and counted
/// one after the other by one counter.
struct Block {
  std::size_t chunk = 0;     // the (first) chunk
  std::uint64_t offset = 0;  // in the file
  std::uint64_t length = 0;  // 0 for a chunk read to end of file; a group: the files' total
  std::size_t chunks = 0;    // a group: chunks [chunk, chunk + chunks); 0: a plain block
};

/// A group holds at most this many files and bytes, so that a tree of small files still spreads
/// over the counters (each group is read and counted by one of them).
constexpr std::size_t max_group_files = 256;
constexpr std::size_t max_group_bytes = std::size_t{1} << 20;
/// The largest file a group takes: the size of a counter's own read buffer.
constexpr std::size_t max_grouped_file_bytes = std::size_t{128} << 10;

/// Whether `chunk` can join a group: a whole file, not empty (an empty file is read to its end),
/// of at most max_grouped_file_bytes.
bool groupable(const FileChunk& chunk) {
  return !chunk.to_end_of_file() && chunk.offset == 0 && chunk.length > 0 &&
         chunk.length == chunk.file_size && chunk.length <= max_grouped_file_bytes;
}

/// Reads up to `size` bytes at `offset`; returns the bytes read (fewer at end of file) or -errno.
long long read_at(int fd, std::byte* buffer, std::size_t size, std::uint64_t offset) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, buffer + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return -errno;
    }
    if (n == 0)
      break;  // end of file
    done += static_cast<std::size_t>(n);
  }
  return static_cast<long long>(done);
}

/// A read buffer, not zeroed (pread fills what is counted).
using Buffer = std::unique_ptr<std::byte[]>;

/// A fixed number of buffers, made on first use. take() waits while all are in use; give() hands
/// one back. Only readers take, and counters always give back, so a wait always ends.
class BufferPool {
 public:
  BufferPool(std::size_t count, std::size_t bytes) : free_(count), tokens_(count), bytes_(bytes) {}
  Buffer take() {
    tokens_.acquire();
    Buffer b = free_.pop().value_or(nullptr);
    return b ? std::move(b) : std::make_unique_for_overwrite<std::byte[]>(bytes_);
  }
  void give(Buffer b) {
    (void)free_.push(std::move(b));  // never full: at most `count` buffers exist
    tokens_.release();
  }
  std::size_t bytes() const { return bytes_; }

 private:
  hypar::ArrayQueue<Buffer> free_;
  std::counting_semaphore<> tokens_;
  std::size_t bytes_;
};

/// A file of this rank, opened once by whichever reader needs it first, closed after the read of
/// its last block.
struct OpenFile {
  std::once_flag once;
  int fd = -1;
  std::int32_t error = 0;
  std::atomic<std::size_t> blocks_left{0};

  void open(const FileChunk& chunk) {
    fd = ::open(chunk.path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
      error = errno;
      return;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      error = errno;
    } else if (!S_ISREG(st.st_mode) || static_cast<std::uint64_t>(st.st_ino) != chunk.inode ||
               static_cast<std::uint64_t>(st.st_size) < chunk.file_size) {
      // Not the file rank 0 measured (st_dev is not compared: a network file system may number
      // its device differently on every node), or shorter than it was.
      error = error_file_changed;
    }
  }
  void done_with_block() {
    if (blocks_left.fetch_sub(1, std::memory_order_acq_rel) == 1 && fd >= 0) {
      ::close(fd);
      fd = -1;
    }
  }
};

/// A block read into a buffer (or the reason it could not be, or skipped after a failure).
struct Filled {
  std::size_t chunk = 0;
  std::uint64_t offset = 0;
  Buffer buffer;
  std::size_t size = 0;  ///< bytes read
  std::int32_t error_code = 0;
  bool skipped = false;               ///< not read: an earlier file failed
  bool counted = false;               ///< a chunk read to EOF: `stats` is final
  hypar::kernels::TextStats stats{};  ///< when `counted`
  std::size_t group = 0;              ///< a group of small files: chunks [chunk, chunk + group)
};

/// Reads a whole chunk of unknown size to end of file, counting it buffer by buffer.
void read_to_end(int fd, Filled& filled, std::size_t buffer_bytes) {
  filled.counted = true;
  std::uint64_t at = 0;
  for (;;) {
    const long long got = read_at(fd, filled.buffer.get(), buffer_bytes, at);
    if (got < 0) {
      filled.error_code = static_cast<std::int32_t>(-got);
      return;
    }
    if (got == 0)
      return;
    const auto n = static_cast<std::size_t>(got);
    filled.stats = hypar::kernels::merge(
        filled.stats,
        hypar::kernels::text_stats(std::span<const std::byte>(filled.buffer.get(), n)));
    filled.size += n;
    at += n;
  }
}

}  // namespace

std::vector<Piece> count_chunks(const std::vector<FileChunk>& chunks, const EngineOptions& options,
                                const std::function<void(std::uint64_t)>& progress) {
  const std::size_t threads = std::max<std::size_t>(1, options.threads);
  BufferPool pool(buffer_count(threads), buffer_size(options));

  // One OpenFile per file of this rank, shared by its chunks; blocks in file order.
  std::unordered_map<std::size_t, std::size_t> slot_of;  // file_index -> slot
  std::vector<std::size_t> slot(chunks.size());
  for (std::size_t c = 0; c < chunks.size(); ++c)
    slot[c] = slot_of.emplace(chunks[c].file_index, slot_of.size()).first->second;
  std::vector<OpenFile> files(slot_of.size());
  std::vector<Block> blocks;
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    const FileChunk& chunk = chunks[c];
    const std::size_t before = blocks.size();
    if (groupable(chunk)) {
      // Small whole files share one read buffer and one hand-off: a tree of 100 000 files of a
      // few KiB would otherwise cost several thread hand-offs per file, far more than its read.
      Block* group = blocks.empty() ? nullptr : &blocks.back();
      if (group && group->chunks > 0 && group->chunks < max_group_files &&
          group->length + chunk.length <= max_group_bytes) {
        group->length += chunk.length;
        ++group->chunks;
      } else {
        blocks.push_back({c, 0, chunk.length, 1});
      }
      files[slot[c]].blocks_left += 1;
      continue;
    }
    if (chunk.to_end_of_file() || chunk.length == 0) {
      blocks.push_back({c, chunk.offset, 0});  // opened (and read to EOF) even when empty
    }
    for (std::uint64_t at = 0; at < chunk.length; at += pool.bytes()) {
      blocks.push_back(
          {c, chunk.offset + at, std::min<std::uint64_t>(pool.bytes(), chunk.length - at)});
    }
    files[slot[c]].blocks_left += blocks.size() - before;
  }

  std::atomic<bool> failed{false};
  hypar::ThreadLocal<std::vector<Piece>> counted;
  // A group is read by the counter that takes it, into that thread's own buffer (not the pool's:
  // only readers may wait for those), file after file: opened, checked, read, closed, counted.
  // The reader only passes it on, so the syscalls of a tree of small files, which outweigh their
  // counting, run on every counting thread, not only on the readers.
  hypar::ThreadLocal<Buffer> group_buffer;
  auto count_group = [&](const Filled& group) {
    Buffer& buffer = group_buffer.local();
    if (!buffer)
      buffer = std::make_unique_for_overwrite<std::byte[]>(max_grouped_file_bytes);
    std::size_t bytes = 0;
    for (std::size_t c = group.chunk; c < group.chunk + group.group; ++c) {
      OpenFile& file = files[slot[c]];
      if (options.stop_at_first_error && failed.load(std::memory_order_relaxed)) {
        file.done_with_block();
        continue;  // skipped: no piece
      }
      Piece piece;
      piece.file_index = chunks[c].file_index;
      std::call_once(file.once, [&] { file.open(chunks[c]); });
      piece.error_code = file.error;
      if (piece.error_code == 0) {
        const auto length = static_cast<std::size_t>(chunks[c].length);
        const long long got = read_at(file.fd, buffer.get(), length, 0);
        if (got < 0) {
          piece.error_code = static_cast<std::int32_t>(-got);
        } else if (static_cast<std::size_t>(got) != length) {
          piece.error_code = error_file_changed;  // end of file early: it shrank
        } else {
          piece.stats =
              hypar::kernels::text_stats(std::span<const std::byte>(buffer.get(), length));
          bytes += length;
        }
      }
      if (piece.error_code != 0)
        failed.store(true, std::memory_order_relaxed);
      file.done_with_block();
      counted.local().push_back(piece);
    }
    return bytes;
  };
  auto read = [&](const Block& block) {
    if (block.chunks > 0)  // a group: read by its counter
      return Filled{block.chunk, 0, nullptr, 0, 0, false, false, {}, block.chunks};
    const FileChunk& chunk = chunks[block.chunk];
    OpenFile& file = files[slot[block.chunk]];
    Filled filled{block.chunk, block.offset, nullptr, 0, 0, false, false, {}, 0};
    if (options.stop_at_first_error && failed.load(std::memory_order_relaxed)) {
      filled.skipped = true;
    } else {
      std::call_once(file.once, [&] { file.open(chunk); });
      if (file.error != 0) {
        filled.error_code = file.error;
      } else {
        filled.buffer = pool.take();
        if (chunk.to_end_of_file()) {
          read_to_end(file.fd, filled, pool.bytes());
        } else if (block.length > 0) {
          const long long got = read_at(file.fd, filled.buffer.get(),
                                        static_cast<std::size_t>(block.length), block.offset);
          if (got < 0) {
            filled.error_code = static_cast<std::int32_t>(-got);
          } else if (static_cast<std::uint64_t>(got) != block.length) {
            filled.error_code = error_file_changed;  // end of file early: it shrank
          } else {
            filled.size = static_cast<std::size_t>(got);
          }
        }
      }
      if (filled.error_code != 0)
        failed.store(true, std::memory_order_relaxed);
    }
    file.done_with_block();
    return filled;
  };
  auto count = [&](Filled filled) {
    if (filled.group > 0)
      return count_group(filled);
    if (!filled.skipped) {
      Piece piece;
      piece.file_index = chunks[filled.chunk].file_index;
      piece.offset = filled.offset;
      piece.error_code = filled.error_code;
      if (filled.error_code == 0) {
        piece.stats = filled.counted ? filled.stats
                                     : hypar::kernels::text_stats(std::span<const std::byte>(
                                           filled.buffer.get(), filled.size));
      }
      counted.local().push_back(piece);
    }
    if (filled.buffer)
      pool.give(std::move(filled.buffer));
    return filled.size;
  };
  // Capacity 1: one block per batch, so a reader holds at most the buffer it fills (see
  // engine.hpp); a hand-off per 4 MiB block costs nothing next to reading it.
  hypar::Pipeline::from(std::span<const Block>(blocks))
      .stage(read, {.workers = reader_count(threads), .capacity = 1})
      .stage(count, {.workers = threads, .capacity = 1})
      .for_each([&](std::size_t bytes) {
        if (progress)
          progress(bytes);
      });
  std::vector<Piece> pieces;
  pieces.reserve(blocks.size());
  counted.for_each([&](const std::vector<Piece>& mine) {
    pieces.insert(pieces.end(), mine.begin(), mine.end());
  });
  coalesce(pieces);
  return pieces;
}

void coalesce(std::vector<Piece>& pieces) {
  std::sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) {
    return a.file_index != b.file_index ? a.file_index < b.file_index : a.offset < b.offset;
  });
  std::vector<Piece> out;
  for (const Piece& p : pieces) {
    if (!out.empty() && out.back().file_index == p.file_index) {
      Piece& last = out.back();
      if (last.error_code != 0)
        continue;  // the file already failed: one error is enough
      if (p.error_code != 0) {
        last = p;
        continue;
      }
      if (last.offset + last.stats.bytes() == p.offset) {
        last.stats = hypar::kernels::merge(last.stats, p.stats);
        continue;
      }
    }
    out.push_back(p);
  }
  pieces = std::move(out);
}

}  // namespace hypar_stats
