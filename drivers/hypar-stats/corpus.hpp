#pragma once
// The built-in corpus hypar-stats counts when it is given no paths.

#include <cstddef>
#include <string>
#include <vector>

namespace hypar_stats {

/// A file compiled into the program (see corpus/ and embed_corpus.cmake).
struct EmbeddedFile {
  const char* name;
  const unsigned char* data;
  std::size_t size;
};

/// The embedded files, in name order.
const std::vector<EmbeddedFile>& embedded_files();

/// The name and size of the synthetic text generated alongside the embedded files.
inline constexpr const char* synthetic_name = "synthetic.txt";
inline constexpr std::size_t synthetic_bytes = std::size_t{64} << 20;

/// Writes the deterministic synthetic text (words, tabs, long and empty lines) of `bytes` bytes.
std::string make_synthetic_text(std::size_t bytes);

/// Makes sure the corpus exists on this node and returns the paths of its files, in order: the
/// embedded files, then the synthetic text. The folder is the same on every rank
/// ($TMPDIR or /tmp, then hypar-stats-corpus-<version>-<uid>), written once per node: a rank
/// writes a private copy and renames it into place, so concurrent ranks never see a half-written
/// corpus. Throws std::runtime_error when it cannot be written.
std::vector<std::string> materialize_corpus();

/// How the corpus is described in --help.
std::string corpus_description();

}  // namespace hypar_stats
