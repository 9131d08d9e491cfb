// Seed pattern "Parallel File Processing": statistics of many files at once, each file read and
// counted by whichever thread is free, with a per-file result that is either the counts or the
// error (the seed's Vec<Result<Stats, Error>>). The counts use hypar::kernels::text_stats (the
// rules of `LC_ALL=C wc`) and are checked against a byte-by-byte count.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <hypar/hypar.hpp>
#include <hypar/kernels.hpp>
#include <iterator>
#include <string>
#include <vector>

namespace fs = std::filesystem;

/// The seed's Result<Stats, Error>: counts, or what went wrong.
struct FileStats {
  std::string path;
  hypar::kernels::TextStats stats{};
  std::string error;  // empty when the file was read
};

FileStats compute_stats(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return {path.string(), {}, "cannot open"};
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return {path.string(),
          hypar::kernels::text_stats(std::as_bytes(std::span(content.data(), content.size()))), ""};
}

int main() {
  // A few files to process, one of them missing.
  const fs::path dir = fs::temp_directory_path() / "hypar-example-files";
  fs::create_directories(dir);
  std::vector<fs::path> paths;
  for (int i = 0; i < 40; ++i) {
    const fs::path p = dir / ("file" + std::to_string(i) + ".txt");
    std::ofstream(p) << std::string(static_cast<std::size_t>(i), 'x')
                     << "\nline two has five words\n";
    paths.push_back(p);
  }
  paths.push_back(dir / "missing.txt");

  const std::vector<FileStats> results = hypar::par_iter(paths).map(compute_stats).collect();

  bool ok = results.size() == paths.size();
  std::uint64_t lines = 0, words = 0;
  for (std::size_t i = 0; i + 1 < results.size(); ++i) {
    const auto& r = results[i];
    ok = ok && r.error.empty() && r.path == paths[i].string();
    ok = ok && r.stats.lines() == 2 && r.stats.words() == (i == 0 ? 5u : 6u) &&
         r.stats.bytes() == i + 1 + 24;
    lines += r.stats.lines();
    words += r.stats.words();
  }
  ok = ok && results.back().error == "cannot open";
  std::printf("%zu files: %llu lines, %llu words; %s: %s\n", results.size(),
              static_cast<unsigned long long>(lines), static_cast<unsigned long long>(words),
              results.back().path.c_str(), results.back().error.c_str());
  fs::remove_all(dir);
  if (!ok) {
    std::printf("FAILED\n");
    return 1;
  }
  std::printf("OK\n");
  return 0;
}
