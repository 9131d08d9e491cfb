// partition_files: rank 0 measures the files and finds record-aligned cuts; every rank takes the
// pieces that start in its share of the bytes. See docs/distributed.md.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <hypar/dist/partition.hpp>
#include <hypar/par.hpp>
#include <optional>

namespace hypar::dist {

namespace {

/// position * ranks can exceed 64 bits for huge inputs on many ranks.
__extension__ typedef unsigned __int128 wide_uint;

/// A piece of one file, as rank 0 broadcasts it.
struct Piece {
  std::uint64_t file_index;
  std::uint64_t offset;
  std::uint64_t length;
};

/// One file as rank 0 measured it (broadcast to every rank).
struct Measured {
  std::uint64_t size = 0;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
};

/// An open file descriptor, closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

/// Opens `path` for reading and measures it; returns 0 or an errno (EINVAL for "not a regular
/// file"). A stat first keeps a FIFO from ever being opened; O_NONBLOCK keeps one that replaced the
/// file since from blocking the open, and fstat then judges what was really opened.
int measure(const std::string& path, Measured& out, std::optional<Fd>& fd) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return errno;
  if (!S_ISREG(st.st_mode))
    return EINVAL;
  fd.emplace(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (fd->get() < 0)
    return errno;
  if (::fstat(fd->get(), &st) != 0)
    return errno;
  if (!S_ISREG(st.st_mode))
    return EINVAL;
  out = {static_cast<std::uint64_t>(st.st_size), static_cast<std::uint64_t>(st.st_dev),
         static_cast<std::uint64_t>(st.st_ino)};
  return 0;
}

}  // namespace

std::vector<std::uint64_t> record_cuts(std::uint64_t size, const PartitionOptions& o,
                                       const ReadAt& read, int& error, std::size_t block) {
  if (o.chunk_bytes == 0 || block == 0)
    throw Error("hypar::dist::record_cuts: chunk_bytes and the read block must be above 0");
  std::vector<std::uint64_t> cuts;
  error = 0;
  if (o.record_size > 0) {
    const std::uint64_t step =
        std::max<std::uint64_t>(o.record_size, o.chunk_bytes / o.record_size * o.record_size);
    for (std::uint64_t c = step; c < size; c += step)
      cuts.push_back(c);
    cuts.push_back(size);
    return cuts;
  }
  if (size <= o.chunk_bytes) {
    cuts.push_back(size);
    return cuts;
  }
  // Reads of at most chunk_bytes: a chunk's search then starts at or after the end of the
  // previous read (cut + chunk_bytes - 1 >= at + n), so no byte is read twice even with chunks
  // smaller than the block (a 64 KiB read per 4 KiB chunk read each byte 16 times).
  std::vector<char> buffer(static_cast<std::size_t>(std::min<std::uint64_t>(block, o.chunk_bytes)));
  std::uint64_t start = 0;
  while (size - start > o.chunk_bytes) {
    std::uint64_t at = start + o.chunk_bytes - 1;
    std::uint64_t cut = 0;  // 0: no delimiter until the end of the file
    while (at < size && cut == 0) {
      const std::int64_t n = read(at, std::span<char>(buffer));
      if (n < 0) {
        error = static_cast<int>(-n);
        return {};
      }
      if (n == 0)
        break;  // the file shrank since it was measured
      const void* hit = std::memchr(buffer.data(), o.delimiter, static_cast<std::size_t>(n));
      if (hit) {
        cut = at + static_cast<std::uint64_t>(static_cast<const char*>(hit) - buffer.data()) + 1;
      } else {
        at += static_cast<std::uint64_t>(n);
      }
    }
    if (cut == 0 || cut >= size)
      break;  // the rest is one chunk
    cuts.push_back(cut);
    start = cut;
  }
  cuts.push_back(size);
  return cuts;
}

std::vector<FileChunk> partition_files(const Communicator& comm,
                                       const std::vector<std::string>& paths,
                                       const PartitionOptions& options,
                                       std::vector<ItemError>& errors) {
  if (options.chunk_bytes == 0)
    throw Error("hypar::dist::partition_files: chunk_bytes must be above 0");
  // Rank 0 measures and cuts; the others receive the same decisions.
  std::vector<std::int64_t> status(paths.size(), 0);  // 0 fine, else errno
  std::vector<Measured> measured(paths.size());
  std::vector<Piece> pieces;
  if (comm.rank() == 0) {
    // Every path measured and cut on its own, on rank 0's threads: a stat and an open are round
    // trips to a network file system's metadata server, and rank 0 does them for every rank
    // (100 000 small files on a local disk: 0.75 s on one thread). The pieces are then laid out
    // in path order, so the result does not depend on the thread count.
    std::vector<std::vector<std::uint64_t>> cuts(paths.size());
    hypar::par_range(std::size_t{0}, paths.size()).with_min_len(16).for_each([&](std::size_t i) {
      std::optional<Fd> fd;
      status[i] = measure(paths[i], measured[i], fd);
      if (status[i] != 0)
        return;
      const int file = fd->get();
      auto pread_at = [file](std::uint64_t offset, std::span<char> buffer) -> std::int64_t {
        for (;;) {
          const ssize_t n = ::pread(file, buffer.data(), buffer.size(), static_cast<off_t>(offset));
          if (n >= 0)
            return n;
          if (errno != EINTR)
            return -errno;
        }
      };
      int error = 0;
      cuts[i] = record_cuts(measured[i].size, options, pread_at, error);
      status[i] = error;
    });
    for (std::size_t i = 0; i < paths.size(); ++i) {
      if (status[i] != 0)
        continue;
      std::uint64_t start = 0;
      for (std::uint64_t cut : cuts[i]) {
        pieces.push_back({i, start, cut - start});
        start = cut;
      }
    }
  }
  comm.broadcast(status, 0);
  comm.broadcast(measured, 0);
  comm.broadcast(pieces, 0);

  errors.clear();
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (status[i] == 0)
      continue;
    const int code = static_cast<int>(status[i]);
    errors.push_back(
        {i, paths[i], code, code == EINVAL ? "not a regular file" : std::strerror(code)});
  }

  // The piece whose first byte lies in rank r's share [r T / p, (r + 1) T / p) goes to rank r.
  wide_uint total = 0;
  for (const Piece& p : pieces)
    total += p.length;
  const auto ranks = static_cast<wide_uint>(comm.size());
  std::vector<FileChunk> mine;
  wide_uint position = 0;
  for (const Piece& p : pieces) {
    const int owner =
        total == 0 ? 0 : static_cast<int>(std::min<wide_uint>(ranks - 1, position * ranks / total));
    if (owner == comm.rank()) {
      const Measured& m = measured[p.file_index];
      mine.push_back({paths[p.file_index], static_cast<std::size_t>(p.file_index), p.offset,
                      p.length, m.size, m.device, m.inode});
    }
    position += p.length;
  }
  return mine;
}

std::vector<FileChunk> partition_files(const Communicator& comm,
                                       const std::vector<std::string>& paths,
                                       const PartitionOptions& options) {
  std::vector<ItemError> ignored;
  return partition_files(comm, paths, options, ignored);
}

int agree_exit_code(const Communicator& comm, int local_code) {
  return comm.all_reduce(local_code, maximum{});
}

}  // namespace hypar::dist
