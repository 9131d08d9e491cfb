// Materialising the built-in corpus on each node.
#include "corpus.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <hypar/version.hpp>
#include <stdexcept>

namespace hypar_stats {
namespace fs = std::filesystem;

std::string make_synthetic_text(std::size_t bytes) {
  static const char* const words[] = {
      "rank",   "thread", "task",    "steal",  "split",  "reduce",  "fold",    "chunk",
      "queue",  "sender", "stage",   "kernel", "vector", "stencil", "halo",    "sort",
      "bucket", "sample", "merge",   "pool",   "scope",  "join",    "barrier", "atomic",
      "cache",  "line",   "padding", "shard",  "lock",   "buffer",  "record",  "file"};
  std::string text;
  text.reserve(bytes);
  std::uint64_t state = 0x9e3779b97f4a7c15ull;  // fixed seed: the same text on every node
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  while (text.size() < bytes) {
    const std::uint64_t r = next();
    const unsigned words_on_line = static_cast<unsigned>(r % 24);  // 0 = an empty line
    if (r % 97 == 0)
      text += '\t';
    for (unsigned w = 0; w < words_on_line && text.size() < bytes; ++w) {
      if (w)
        text += (next() % 31 == 0) ? '\t' : ' ';
      text += words[next() % 32];
    }
    if (r % 1009 == 0)
      text.append(static_cast<std::size_t>(r % 5000), 'x');  // a long line
    text += '\n';
  }
  text.resize(bytes);
  return text;
}

std::string corpus_description() {
  std::string s = "built-in corpus (used when no PATH is given): ";
  for (const auto& f : embedded_files())
    s += std::string(f.name) + ", ";
  s += std::string(synthetic_name) + " (" + std::to_string(synthetic_bytes >> 20) +
       " MiB of generated text)";
  return s;
}

namespace {

void write_file(const fs::path& path, const void* data, std::size_t size) {
  std::ofstream out(path, std::ios::binary);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out)
    throw std::runtime_error("cannot write " + path.string());
}

bool corpus_complete(const fs::path& dir) {
  std::error_code ec;
  for (const auto& f : embedded_files()) {
    if (fs::file_size(dir / f.name, ec) != f.size || ec)
      return false;
  }
  return fs::file_size(dir / synthetic_name, ec) == synthetic_bytes && !ec;
}

}  // namespace

std::vector<std::string> materialize_corpus() {
  const char* tmp = std::getenv("TMPDIR");
  const fs::path base = (tmp && *tmp) ? fs::path(tmp) : fs::path("/tmp");
  const fs::path dir = base / ("hypar-stats-corpus-" + std::string(hypar::version_string) + "-" +
                               std::to_string(getuid()));
  struct stat st {};
  const bool exists = lstat(dir.c_str(), &st) == 0;
  if (exists && (!S_ISDIR(st.st_mode) || st.st_uid != getuid())) {
    throw std::runtime_error(dir.string() +
                             " exists but is not a directory of this user; remove it");
  }
  if (!exists || !corpus_complete(dir)) {
    // Write a private copy, then rename it into place: atomic for the ranks of this node.
    std::string tmpl = (base / "hypar-stats-corpus-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      throw std::runtime_error("cannot create a folder in " + base.string() + ": " +
                               std::strerror(errno));
    }
    const fs::path mine(tmpl);
    for (const auto& f : embedded_files())
      write_file(mine / f.name, f.data, f.size);
    const std::string synthetic = make_synthetic_text(synthetic_bytes);
    write_file(mine / synthetic_name, synthetic.data(), synthetic.size());
    if (exists) {
      std::error_code ec;
      fs::remove_all(dir, ec);  // an incomplete corpus from an interrupted run
    }
    if (std::rename(mine.c_str(), dir.c_str()) != 0) {
      std::error_code ec;
      fs::remove_all(mine, ec);  // another rank of this node was first: use its copy
      if (!corpus_complete(dir))
        throw std::runtime_error("cannot set up the corpus in " + dir.string());
    }
  }
  std::vector<std::string> paths;
  for (const auto& f : embedded_files())
    paths.push_back((dir / f.name).string());
  paths.push_back((dir / synthetic_name).string());
  return paths;
}

}  // namespace hypar_stats
