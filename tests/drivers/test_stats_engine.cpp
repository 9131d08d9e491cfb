// The hypar-stats engine on files that change under it: replaced by `mv` mid-run, truncated before
// their count, and files whose size reads as 0. Expected counts come from the file contents the
// test wrote (lines and longest line computed here), never from the engine's kernel.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "engine.hpp"

using hypar::dist::FileChunk;
using namespace hypar_stats;

namespace {

void write_file(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

/// The one chunk of `path` as rank 0 would measure it (size, inode), cut every `cut` bytes.
std::vector<FileChunk> measure(const std::string& path, std::uint64_t cut) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0);
  const auto size = static_cast<std::uint64_t>(st.st_size);
  std::vector<FileChunk> chunks;
  for (std::uint64_t at = 0; at < size || (size == 0 && at == 0); at += cut) {
    chunks.push_back({path, 0, at, std::min(cut, size - at), size,
                      static_cast<std::uint64_t>(st.st_dev),
                      static_cast<std::uint64_t>(st.st_ino)});
    if (size == 0)
      break;
  }
  return chunks;
}

std::string temp_path(const std::string& name) {
  return (::testing::TempDir().empty() ? std::string("/tmp/") : ::testing::TempDir()) +
         "hypar-stats-engine-" + std::to_string(::getpid()) + "-" + name;
}

/// `n` lines of `width` copies of `c`: lines = n, longest line = width.
std::string lines_of(std::size_t n, std::size_t width, char c) {
  std::string line(width, c);
  line += '\n';
  std::string out;
  out.reserve(n * line.size());
  for (std::size_t i = 0; i < n; ++i)
    out += line;
  return out;
}

}  // namespace

TEST(StatsEngine, FileReplacedByMvMidRunIsCountedAsTheFileMeasured) {
  // The old file: 1-byte lines; the new one, same size: 7-byte lines. A mix would show lines and
  // a longest line between the two; the engine must count the old file exactly, from the
  // descriptor it opened once, or report the file as changed.
  const std::string path = temp_path("rotated.log"), fresh = temp_path("fresh.log");
  const std::string old_data = lines_of(8 << 20, 1, 'a');  // 16 MiB
  write_file(path, old_data);
  write_file(fresh, lines_of((8 << 20) / 4, 7, 'b'));  // also 16 MiB
  EngineOptions options;
  options.threads = 2;
  options.buffer_bytes = 64 << 10;  // 256 blocks; the pool holds far fewer, so reads trail
  bool moved = false;
  const auto pieces = count_chunks(measure(path, 1 << 20), options, [&](std::uint64_t) {
    if (!moved) {
      moved = true;  // after the first block is counted: rotate the file under the engine
      ASSERT_EQ(std::rename(fresh.c_str(), path.c_str()), 0);
    }
  });
  ASSERT_TRUE(moved);
  ASSERT_EQ(pieces.size(), 1u);
  if (pieces[0].error_code == 0) {
    EXPECT_EQ(pieces[0].stats.bytes(), old_data.size());
    EXPECT_EQ(pieces[0].stats.lines(), 8u << 20);
    EXPECT_EQ(pieces[0].stats.max_line_length(), 1u);
  } else {
    EXPECT_EQ(pieces[0].error_code, error_file_changed);
  }
  std::remove(path.c_str());
}

TEST(StatsEngine, FileReplacedBeforeItIsOpenedIsAnError) {
  const std::string path = temp_path("replaced.txt"), fresh = temp_path("replacement.txt");
  write_file(path, lines_of(1000, 3, 'x'));
  const auto chunks = measure(path, 1 << 20);
  write_file(fresh, lines_of(1000, 3, 'y'));
  ASSERT_EQ(std::rename(fresh.c_str(), path.c_str()), 0);  // same size, another file
  const auto pieces = count_chunks(chunks, EngineOptions{});
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(pieces[0].error_code, error_file_changed);
  EXPECT_NE(describe_error(pieces[0].error_code).find("changed"), std::string::npos);
  std::remove(path.c_str());
}

TEST(StatsEngine, FileTruncatedAfterMeasuringIsAnErrorNotAPrefix) {
  // Long lines first, then short ones; truncated into the long part. Counting up to the new end
  // would report lines and a longest line that the file never had together.
  const std::string path = temp_path("truncated.txt");
  write_file(path, lines_of(100, 1000, 'L') + lines_of(100000, 2, 's'));
  const auto chunks = measure(path, 64 << 10);
  ASSERT_EQ(::truncate(path.c_str(), 50 * 1001 + 17), 0);
  for (std::size_t threads : {1u, 4u}) {
    EngineOptions options;
    options.threads = threads;
    const auto pieces = count_chunks(chunks, options);
    ASSERT_EQ(pieces.size(), 1u);
    EXPECT_EQ(pieces[0].error_code, error_file_changed) << threads << " threads";
  }
  std::remove(path.c_str());
}

TEST(StatsEngine, FileOfReportedSizeZeroIsReadToEndOfFile) {
  std::ifstream in("/proc/version", std::ios::binary);
  if (!in)
    GTEST_SKIP() << "no /proc/version";
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto chunks = measure("/proc/version", 64 << 20);
  ASSERT_EQ(chunks.size(), 1u);
  ASSERT_TRUE(chunks[0].to_end_of_file());  // its st_size is 0
  const auto pieces = count_chunks(chunks, EngineOptions{});
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(pieces[0].error_code, 0);
  EXPECT_EQ(pieces[0].stats.bytes(), text.size());
  EXPECT_EQ(pieces[0].stats.lines(),
            static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n')));
}

TEST(StatsEngine, BufferPoolIsLinearInThreadsAndWithinItsBudget) {
  for (std::size_t threads : {1u, 2u, 8u, 64u, 1000u, 4096u}) {
    EngineOptions options;
    options.threads = threads;
    EXPECT_LE(buffer_count(threads), 3 * threads + 8) << threads;
    const std::size_t memory = buffer_count(threads) * buffer_size(options);
    if (buffer_size(options) > (64u << 10)) {
      EXPECT_LE(memory, buffer_budget_bytes) << threads;
    } else {
      EXPECT_LE(memory, buffer_count(threads) * (std::size_t{64} << 10)) << threads;
    }
  }
}

TEST(StatsEngine, TreeOfSmallFilesCountsEveryFileOnItsOwn) {
  // Small whole files travel in groups of up to 256 files or 1 MiB, each read and counted by one
  // counter (engine.cpp): every file must still get its own counts, a failing file its own error,
  // and the files around it theirs. Sizes from 0 (read to end of file, not grouped) to 12 KiB,
  // some at and just above the largest grouped file (128 KiB), and one big file cut into chunks.
  std::vector<std::string> paths, texts;
  std::vector<FileChunk> chunks;
  std::uint64_t seed = 12345;
  auto next = [&seed] {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::size_t>(seed >> 33);
  };
  const std::size_t files = 1500, big = 700, replaced = 321, removed = 977;
  for (std::size_t i = 0; i < files; ++i) {
    std::string text;
    std::size_t size = i % 50 == 0 ? 0 : next() % 12000;
    size = i == big ? (1u << 20) : i % 97 == 0 ? (128u << 10) + i % 2 : size;
    while (text.size() < size) {  // words of 1-9 letters, spaces and tabs, newlines
      const std::size_t r = next() % 16;
      text += r < 10 ? std::string(1 + r % 9, static_cast<char>('a' + r)) : (r < 13 ? " " : "\n");
      text += r == 15 ? "\t" : "";
    }
    text.resize(size);
    paths.push_back(temp_path("tree-" + std::to_string(i) + ".txt"));
    texts.push_back(text);
    write_file(paths.back(), text);
    for (auto chunk : measure(paths.back(), i == big ? 100000 : 1 << 30)) {
      chunk.file_index = i;
      chunks.push_back(chunk);
    }
  }
  write_file(temp_path("replacement.txt"), texts[replaced]);  // same size, another inode
  ASSERT_EQ(std::rename(temp_path("replacement.txt").c_str(), paths[replaced].c_str()), 0);
  ASSERT_EQ(std::remove(paths[removed].c_str()), 0);

  for (std::size_t threads : {1u, 3u}) {
    EngineOptions options;
    options.threads = threads;
    options.buffer_bytes = 64 << 10;
    const auto pieces = count_chunks(chunks, options);
    ASSERT_EQ(pieces.size(), files) << threads << " threads";
    for (std::size_t i = 0; i < files; ++i) {
      const Piece& p = pieces[i];
      ASSERT_EQ(p.file_index, i);
      if (i == replaced) {
        EXPECT_EQ(p.error_code, error_file_changed);
        continue;
      }
      if (i == removed) {
        EXPECT_EQ(p.error_code, ENOENT);
        continue;
      }
      const std::string& t = texts[i];
      std::uint64_t lines = 0, words = 0, longest = 0, width = 0;
      bool in_word = false;
      for (const char c : t) {
        const bool space = c == ' ' || c == '\t' || c == '\n';
        words += !space && !in_word ? 1 : 0;
        in_word = !space;
        if (c == '\n') {
          ++lines;
          width = 0;
        } else {
          width += c == '\t' ? 8 - width % 8 : 1;  // wc -L expands tabs to multiples of 8
          longest = std::max(longest, width);
        }
      }
      ASSERT_EQ(p.error_code, 0) << "file " << i;
      EXPECT_EQ(p.offset, 0u);
      EXPECT_EQ(p.stats.bytes(), t.size()) << "file " << i;
      EXPECT_EQ(p.stats.lines(), lines) << "file " << i;
      EXPECT_EQ(p.stats.words(), words) << "file " << i;
      EXPECT_EQ(p.stats.max_line_length(), longest) << "file " << i;
    }
  }
  for (const auto& path : paths)
    std::remove(path.c_str());
}
