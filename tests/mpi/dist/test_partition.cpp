// partition_files: exact cover, record-aligned cuts, balance, errors agreed on every rank.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <hypar/dist.hpp>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using hypar::dist::FileChunk;
using hypar::dist::PartitionOptions;

namespace {

hypar::dist::Communicator world() {
  return hypar::dist::Communicator(MPI_COMM_WORLD);
}

/// A temp folder made by rank 0, known to all ranks, removed at the end.
class SharedDir {
 public:
  explicit SharedDir(const hypar::dist::Communicator& comm) : comm_(comm) {
    if (comm.rank() == 0) {
      std::string tmpl = (fs::temp_directory_path() / "hypar-partition-XXXXXX").string();
      path_ = mkdtemp(tmpl.data());
    }
    comm.broadcast(path_, 0);
  }
  ~SharedDir() {
    comm_.barrier();
    if (comm_.rank() == 0)
      fs::remove_all(path_);
  }
  const std::string& path() const { return path_; }

 private:
  const hypar::dist::Communicator& comm_;
  std::string path_;
};

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// Serialises this rank's chunks and gathers everyone's on every rank.
std::vector<FileChunk> all_chunks(const hypar::dist::Communicator& comm,
                                  const std::vector<FileChunk>& mine, std::vector<int>& owner) {
  struct Flat {
    std::uint64_t file_index, offset, length;
    int rank;
  };
  std::vector<Flat> flat;
  for (const auto& c : mine)
    flat.push_back({c.file_index, c.offset, c.length, comm.rank()});
  const auto everyone = comm.all_gather(flat);
  std::vector<FileChunk> out;
  owner.clear();
  for (const auto& f : everyone) {
    out.push_back({"", static_cast<std::size_t>(f.file_index), f.offset, f.length});
    owner.push_back(f.rank);
  }
  return out;
}

void check_partition(const hypar::dist::Communicator& comm, const std::vector<std::string>& paths,
                     const PartitionOptions& options) {
  std::vector<hypar::ItemError> errors;
  const auto mine = hypar::dist::partition_files(comm, paths, options, errors);
  for (const auto& c : mine) {
    ASSERT_LT(c.file_index, paths.size());
    EXPECT_EQ(c.path, paths[c.file_index]);
  }
  std::vector<int> owner;
  auto chunks = all_chunks(comm, mine, owner);
  // Exact cover: per file, the chunks tile [0, size) without gap or overlap.
  std::vector<std::pair<std::size_t, std::size_t>> order;  // (file, position in chunks)
  std::vector<std::size_t> idx(chunks.size());
  for (std::size_t i = 0; i < idx.size(); ++i)
    idx[i] = i;
  std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
    return std::tie(chunks[a].file_index, chunks[a].offset) <
           std::tie(chunks[b].file_index, chunks[b].offset);
  });
  std::uint64_t total = 0;
  std::size_t k = 0;
  for (std::size_t f = 0; f < paths.size(); ++f) {
    std::error_code ec;
    const bool usable = fs::is_regular_file(paths[f], ec);
    if (!usable) {
      EXPECT_TRUE(
          std::any_of(errors.begin(), errors.end(), [&](const auto& e) { return e.index == f; }))
          << paths[f] << " should be an error";
      continue;
    }
    const std::string data = read_all(paths[f]);
    std::uint64_t at = 0;
    bool any = false;
    while (k < idx.size() && chunks[idx[k]].file_index == f) {
      const auto& c = chunks[idx[k]];
      any = true;
      EXPECT_EQ(c.offset, at) << paths[f] << ": gap or overlap";
      at = c.offset + c.length;
      if (at < data.size()) {
        // An inner cut ends a record.
        if (options.record_size > 0) {
          EXPECT_EQ(at % options.record_size, 0u) << paths[f] << " cut at " << at;
        } else {
          EXPECT_EQ(data[at - 1], options.delimiter) << paths[f] << " cut at " << at;
        }
      }
      ++k;
    }
    EXPECT_TRUE(any) << paths[f] << " has no chunk (an empty file is one empty chunk)";
    EXPECT_EQ(at, data.size()) << paths[f];
    total += data.size();
  }
  EXPECT_EQ(k, idx.size()) << "chunks of unknown files";
  // Balance: each rank gets at most total/p + chunk_bytes + one record.
  std::uint64_t longest_record = 1;
  for (const auto& p : paths) {
    std::error_code ec;
    if (!fs::is_regular_file(p, ec))
      continue;
    const std::string data = read_all(p);
    std::size_t start = 0;
    for (std::size_t i = 0; i <= data.size(); ++i) {
      if (i == data.size() || data[i] == options.delimiter) {
        longest_record = std::max<std::uint64_t>(longest_record, i + 1 - start);
        start = i + 1;
      }
    }
  }
  if (options.record_size > 0)
    longest_record = options.record_size;
  std::vector<std::uint64_t> per_rank(static_cast<std::size_t>(comm.size()), 0);
  for (std::size_t i = 0; i < chunks.size(); ++i)
    per_rank[static_cast<std::size_t>(owner[i])] += chunks[i].length;
  for (int r = 0; r < comm.size(); ++r) {
    EXPECT_LE(
        per_rank[static_cast<std::size_t>(r)],
        total / static_cast<std::uint64_t>(comm.size()) + options.chunk_bytes + longest_record)
        << "rank " << r;
  }
  // Every rank reports the same errors.
  std::vector<std::size_t> error_indices;
  for (const auto& e : errors)
    error_indices.push_back(e.index);
  std::vector<std::size_t> root_indices = error_indices;
  comm.broadcast(root_indices, 0);
  EXPECT_EQ(error_indices, root_indices);
}

TEST(Partition, RandomFileSetsCoverExactlyOnRecordBoundaries) {
  auto comm = world();
  SharedDir dir(comm);
  for (int round = 0; round < 12; ++round) {
    std::vector<std::string> paths;
    std::mt19937_64 rng(1000 + static_cast<unsigned>(round));
    const int files = 1 + static_cast<int>(rng() % 9);
    for (int f = 0; f < files; ++f) {
      const std::string path = dir.path() + "/r" + std::to_string(round) + "_" + std::to_string(f);
      // Every rank draws the same numbers (so all agree on chunk_bytes below); rank 0 writes.
      std::string data;
      const std::size_t size = (rng() % 4 == 0) ? 0 : rng() % 20000;
      for (std::size_t i = 0; i < size; ++i) {
        data += (rng() % 23 == 0) ? '\n' : static_cast<char>('a' + rng() % 26);
      }
      if (rng() % 5 == 0)
        data += std::string(3000, 'L');  // a long record
      if (comm.rank() == 0)
        std::ofstream(path, std::ios::binary) << data;
      paths.push_back(path);
    }
    comm.barrier();
    PartitionOptions options;
    options.chunk_bytes = 64 + rng() % 4000;
    SCOPED_TRACE("round " + std::to_string(round) + ", chunk_bytes " +
                 std::to_string(options.chunk_bytes));
    check_partition(comm, paths, options);
  }
}

TEST(Partition, FixedSizeRecordsAndOtherDelimiters) {
  auto comm = world();
  SharedDir dir(comm);
  const std::string records = dir.path() + "/records.bin";
  const std::string csv = dir.path() + "/data.csv";
  if (comm.rank() == 0) {
    std::ofstream(records, std::ios::binary) << std::string(100 * 977, 'r');
    std::string data;
    for (int i = 0; i < 5000; ++i)
      data += "field" + std::to_string(i) + ";";
    std::ofstream(csv, std::ios::binary) << data;
  }
  comm.barrier();
  PartitionOptions fixed;
  fixed.record_size = 100;
  fixed.chunk_bytes = 4096;
  check_partition(comm, {records}, fixed);
  PartitionOptions semicolons;
  semicolons.delimiter = ';';
  semicolons.chunk_bytes = 1000;
  check_partition(comm, {csv}, semicolons);
}

TEST(Partition, MissingAndSpecialFilesAreErrorsOnEveryRank) {
  auto comm = world();
  SharedDir dir(comm);
  const std::string good = dir.path() + "/good.txt";
  const std::string fifo = dir.path() + "/fifo";
  if (comm.rank() == 0) {
    std::ofstream(good) << "one\ntwo\n";
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  }
  comm.barrier();
  const std::vector<std::string> paths{dir.path() + "/missing", good, fifo, dir.path()};
  std::vector<hypar::ItemError> errors;
  const auto mine = hypar::dist::partition_files(comm, paths, {}, errors);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].index, 0u);
  EXPECT_EQ(errors[0].code, ENOENT);
  EXPECT_EQ(errors[1].index, 2u);
  EXPECT_EQ(errors[1].message, "not a regular file");
  EXPECT_EQ(errors[2].index, 3u);
  const auto count = comm.all_reduce(static_cast<int>(mine.size()), std::plus<>{});
  EXPECT_EQ(count, 1);
  check_partition(comm, paths, {});
}

TEST(Partition, SizeZeroFilesAreOneChunkAndUnopenableOnesAreErrors) {
  // /proc/version reports size 0 but has content: never cut, one chunk read to end of file.
  // /proc/sys/vm/drop_caches is write-only even for root: rank 0's open refuses it.
  auto comm = world();
  SharedDir dir(comm);
  const std::string big = dir.path() + "/big";
  if (comm.rank() == 0)
    std::ofstream(big) << std::string(100000, 'x') << '\n' << std::string(100000, 'y') << '\n';
  comm.barrier();
  const bool locked = access("/proc/sys/vm/drop_caches", F_OK) == 0 &&
                      access("/proc/sys/vm/drop_caches", R_OK) != 0;
  std::vector<std::string> paths{"/proc/version", big};
  if (locked)
    paths.push_back("/proc/sys/vm/drop_caches");
  PartitionOptions options;
  options.chunk_bytes = 4096;
  std::vector<hypar::ItemError> errors;
  const auto mine = hypar::dist::partition_files(comm, paths, options, errors);
  struct stat st {};
  ASSERT_EQ(stat(big.c_str(), &st), 0);
  int version_chunks = 0;
  for (const auto& c : mine) {
    if (c.file_index == 0) {
      ++version_chunks;
      EXPECT_TRUE(c.to_end_of_file());
      EXPECT_EQ(c.length, 0u);
    } else {
      EXPECT_EQ(c.file_index, 1u);
      EXPECT_FALSE(c.to_end_of_file());
      EXPECT_EQ(c.file_size, static_cast<std::uint64_t>(st.st_size));
      EXPECT_EQ(c.inode, static_cast<std::uint64_t>(st.st_ino));
    }
  }
  EXPECT_EQ(comm.all_reduce(version_chunks, std::plus<>{}), 1);
  ASSERT_EQ(errors.size(), locked ? 1u : 0u);
  if (locked) {
    EXPECT_EQ(errors[0].index, 2u);
    EXPECT_EQ(errors[0].code, EACCES);
  }
}

TEST(Partition, ManySmallFilesBalanceAcrossRanks) {
  auto comm = world();
  SharedDir dir(comm);
  std::vector<std::string> paths;
  for (int f = 0; f < 200; ++f) {
    const std::string path = dir.path() + "/s" + std::to_string(f);
    if (comm.rank() == 0)
      std::ofstream(path) << std::string(1000, 'x') << '\n';
    paths.push_back(path);
  }
  comm.barrier();
  PartitionOptions options;
  options.chunk_bytes = 1 << 20;
  const auto mine = hypar::dist::partition_files(comm, paths, options);
  std::uint64_t bytes = 0;
  for (const auto& c : mine)
    bytes += c.length;
  const std::uint64_t total = 200 * 1001;
  EXPECT_LE(bytes, total / static_cast<std::uint64_t>(comm.size()) + 1001);
  EXPECT_GE(bytes + 1001, total / static_cast<std::uint64_t>(comm.size()));
}

// ---- record_cuts: the cut finder alone, on bytes in memory -------------------------------------

/// `text` as a file read through record_cuts' callback; counts what is read and checks that no
/// byte is read twice.
struct CountingReader {
  std::string text;
  std::uint64_t bytes_read = 0;
  std::uint64_t read_end = 0;
  bool overlap = false;
  std::int64_t operator()(std::uint64_t offset, std::span<char> buffer) {
    overlap = overlap || offset < read_end;
    if (offset >= text.size())
      return 0;
    const std::size_t n = std::min<std::size_t>(buffer.size(), text.size() - offset);
    std::copy_n(text.data() + offset, n, buffer.data());
    bytes_read += n;
    read_end = offset + n;
    return static_cast<std::int64_t>(n);
  }
};

// Found by fuzz_partition: with chunks smaller than the 64 KiB read block, every cut read a whole
// block, so each byte was read block / chunk times (16 times at hypar-stats' smallest
// --chunk-size, 4K); the reads now stop at chunk_bytes and never overlap.
TEST(RecordCuts, ChunksSmallerThanTheReadBlockReadEachByteOnce) {
  CountingReader reader;
  for (int i = 0; i < 3000; ++i)
    reader.text += (i % 5 == 4) ? '\n' : 'a';
  PartitionOptions options;
  options.chunk_bytes = 16;
  int error = -1;
  const auto cuts = hypar::dist::record_cuts(
      reader.text.size(), options,
      [&](std::uint64_t offset, std::span<char> buffer) { return reader(offset, buffer); }, error);
  EXPECT_EQ(error, 0);
  EXPECT_FALSE(reader.overlap);
  EXPECT_LE(reader.bytes_read, reader.text.size());
  // Each chunk ends just after the first newline at or beyond start + 15: lines of 5 bytes, so
  // chunks of 20 bytes.
  ASSERT_EQ(cuts.size(), 150u);
  for (std::size_t k = 0; k < cuts.size(); ++k)
    EXPECT_EQ(cuts[k], 20 * (k + 1));
}

TEST(RecordCuts, AFailedReadGivesItsErrnoAndNoCuts) {
  PartitionOptions options;
  options.chunk_bytes = 8;
  int error = 0;
  const auto cuts = hypar::dist::record_cuts(
      100, options, [](std::uint64_t, std::span<char>) -> std::int64_t { return -EIO; }, error);
  EXPECT_EQ(error, EIO);
  EXPECT_TRUE(cuts.empty());
}

}  // namespace
