// The counting engine: blocks as a parallel iterator, pread into per-thread buffers, text_stats.
#include "engine.hpp"

#include <hypar/core.hpp>
#include <hypar/par.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
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
      if (errno == EINTR) continue;
      return -errno;
    }
    if (n == 0) break;  // end of file: the file shrank since it was partitioned
    done += static_cast<std::size_t>(n);
  }
  return static_cast<long long>(done);
}

/// Counts one block with this thread's buffer (made once per thread, reused for every block).
Piece count_block(const Chunk& chunk, const Block& block, std::size_t buffer_bytes) {
  thread_local std::vector<std::byte> buffer;
  if (buffer.size() < buffer_bytes) buffer.resize(buffer_bytes);
  Piece piece;
  piece.file_index = chunk.file_index;
  piece.offset = block.offset;
  const int fd = ::open(chunk.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    piece.error_code = errno;
    return piece;
  }
  const long long got = read_at(fd, buffer.data(), static_cast<std::size_t>(block.length), block.offset);
  ::close(fd);
  if (got < 0) {
    piece.error_code = static_cast<std::int32_t>(-got);
    return piece;
  }
  piece.stats = hypar::kernels::text_stats(std::span<const std::byte>(buffer.data(), static_cast<std::size_t>(got)));
  return piece;
}

}  // namespace

std::vector<Piece> count_chunks(const std::vector<Chunk>& chunks, const EngineOptions& options,
                                const std::function<void(std::uint64_t)>& progress) {
  const std::size_t buffer_bytes = std::max<std::size_t>(4096, options.buffer_bytes);
  std::vector<Block> blocks;
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    for (std::uint64_t at = 0; at < chunks[c].length; at += buffer_bytes) {
      blocks.push_back({c, chunks[c].offset + at, std::min<std::uint64_t>(buffer_bytes, chunks[c].length - at)});
    }
  }
  auto pool = hypar::ThreadPoolBuilder().num_threads(std::max<std::size_t>(1, options.threads)).build();
  std::vector<Piece> pieces = pool.install([&] {
    return hypar::par_iter(blocks)
        .map([&](const Block& block) {
          Piece piece = count_block(chunks[block.chunk], block, buffer_bytes);
          if (progress) progress(block.length);
          return piece;
        })
        .collect<std::vector<Piece>>();
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
      if (last.error_code != 0) continue;  // the file already failed: one error is enough
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
