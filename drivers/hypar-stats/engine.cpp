// The counting engine: a read stage and a count stage of a hypar::Pipeline (see engine.hpp).
#include "engine.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <hypar/chan.hpp>
#include <hypar/flow.hpp>
#include <hypar/sync.hpp>
#include <memory>
#include <span>
#include <utility>

namespace hypar_stats {
namespace {

/// One read: a block of a chunk.
struct Block {
  std::size_t chunk = 0;
  std::uint64_t offset = 0;  // in the file
  std::uint64_t length = 0;
};

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
      break;  // end of file: the file shrank since it was partitioned
    done += static_cast<std::size_t>(n);
  }
  return static_cast<long long>(done);
}

/// A read buffer of EngineOptions::buffer_bytes, not zeroed (pread fills what is counted).
using Buffer = std::unique_ptr<std::byte[]>;

/// A block read into a buffer (or the reason it could not be).
struct Filled {
  const Chunk* chunk = nullptr;
  std::uint64_t offset = 0;
  Buffer buffer;
  std::size_t size = 0;  ///< bytes read (fewer than asked if the file shrank)
  std::int32_t error_code = 0;
};

/// Reads one block into `buffer`.
Filled read_block(const Chunk& chunk, const Block& block, Buffer buffer) {
  Filled filled{&chunk, block.offset, std::move(buffer), 0, 0};
  const int fd = ::open(chunk.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    filled.error_code = errno;
    return filled;
  }
  const long long got =
      read_at(fd, filled.buffer.get(), static_cast<std::size_t>(block.length), block.offset);
  ::close(fd);
  if (got < 0) {
    filled.error_code = static_cast<std::int32_t>(-got);
  } else {
    filled.size = static_cast<std::size_t>(got);
  }
  return filled;
}

}  // namespace

std::vector<Piece> count_chunks(const std::vector<Chunk>& chunks, const EngineOptions& options,
                                const std::function<void(std::uint64_t)>& progress) {
  const std::size_t buffer_bytes = std::max<std::size_t>(4096, options.buffer_bytes);
  std::vector<Block> blocks;
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    for (std::uint64_t at = 0; at < chunks[c].length; at += buffer_bytes) {
      blocks.push_back(
          {c, chunks[c].offset + at, std::min<std::uint64_t>(buffer_bytes, chunks[c].length - at)});
    }
  }
  const std::size_t threads = std::max<std::size_t>(1, options.threads);
  // Buffers circulate: a reader takes one, a counter gives it back. The pool never blocks: an
  // empty pool means more blocks are in flight than ever before, and a new buffer is made. The
  // pipeline bounds the blocks in flight (readers' batches, the queue into the count stage,
  // counters' batches), and the pool is sized to hold them all, so no buffer is ever dropped and
  // made again: memory stays at a few buffers per thread.
  const std::size_t readers =
      std::max<std::size_t>(1, threads / 2);  // a page-cache copy is faster than a count
  const std::size_t in_flight =
      2 * (readers + threads) * std::min<std::size_t>(threads, 64) + threads + 2;
  hypar::ArrayQueue<Buffer> pool(in_flight);
  hypar::ThreadLocal<std::vector<Piece>> counted;
  auto read = [&](const Block& block) {
    Buffer buffer = pool.pop().value_or(nullptr);
    if (!buffer)
      buffer = std::make_unique_for_overwrite<std::byte[]>(buffer_bytes);
    return read_block(chunks[block.chunk], block, std::move(buffer));
  };
  auto count = [&](Filled filled) {
    Piece piece;
    piece.file_index = filled.chunk->file_index;
    piece.offset = filled.offset;
    piece.error_code = filled.error_code;
    if (filled.error_code == 0) {
      piece.stats =
          hypar::kernels::text_stats(std::span<const std::byte>(filled.buffer.get(), filled.size));
    }
    counted.local().push_back(piece);
    (void)pool.push(std::move(filled.buffer));  // a full pool drops the buffer
    return filled.size;
  };
  hypar::Pipeline::from(std::span<const Block>(blocks))
      .stage(read, {.workers = readers, .capacity = threads})
      .stage(count, {.workers = threads, .capacity = threads})
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
