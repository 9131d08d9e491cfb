#pragma once
// hypar-stats output: the per-file rows, the total, and the run's facts, as a table, CSV or JSON.

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace hypar_stats {

/// The counts of one input file (as `LC_ALL=C wc -lwcL` counts them), or why it has none.
struct FileResult {
  std::string path;
  std::uint64_t lines = 0;
  std::uint64_t words = 0;
  std::uint64_t bytes = 0;
  std::uint64_t max_line_length = 0;
  bool ok = true;
  std::string error;  ///< when !ok: one line for a human, e.g. "No such file or directory"
};

/// Facts about the run, for the JSON report and the summary line.
struct RunInfo {
  int ranks = 1;
  int threads = 1;
  double seconds = 0;
  std::uint64_t bytes = 0;  ///< bytes read and counted
  /// Seconds per phase, on rank 0 (each one ends where the next begins): `walk` (reading
  /// --files-from and expanding the inputs, rank 0 alone, plus the broadcast of the list),
  /// `partition` (rank 0 measures and cuts the files, then broadcasts the pieces), `count` (this
  /// rank's counting, until its last chunk), `merge` (waiting for the slowest rank, gathering
  /// every piece on rank 0 and merging them in file order). `count_max` is the slowest rank's
  /// count; walk + partition + merge is the share that rank 0 carries for everybody.
  struct Phases {
    double walk = 0, partition = 0, count = 0, count_max = 0, merge = 0;
  } phases;
};

enum class Format { table, csv, json };

/// The total row: sums of the counts of the files that were counted, and the longest line.
FileResult total_of(const std::vector<FileResult>& files);

/// `wc`-style aligned columns: lines, words, bytes, longest line, path (through quote_name);
/// failed files are left out (they are reported on stderr); then the total row.
void write_table(std::ostream& out, const std::vector<FileResult>& files, const FileResult& total);

/// CSV with the header `path,lines,words,bytes,max_line_length,error`, one row per file in input
/// order (a failed file: empty counts and its error), then a row whose path is `total`. Fields are
/// quoted as RFC 4180 says; lines end with CRLF as it prescribes.
void write_csv(std::ostream& out, const std::vector<FileResult>& files, const FileResult& total);

/// JSON: {"files": [{path, lines, words, bytes, max_line_length, error}], "total": {...},
/// "ranks", "threads", "seconds", "bytes_per_second"}; `error` is null for a counted file. Paths
/// that are not valid UTF-8 have their bad bytes replaced by U+FFFD.
void write_json(std::ostream& out, const std::vector<FileResult>& files, const FileResult& total,
                const RunInfo& run);

/// A file name as the table and the error lines show it: unchanged unless it holds a control byte
/// (below 0x20, or 0x7f: a newline, an escape sequence, a NUL), which would break the one-line
/// rows or drive the terminal; then it is shell-quoted as GNU wc quotes a name with a newline
/// ('a'$'\n''b': plain runs in single quotes, control bytes as $'\n' or $'\ooo', a quote as
/// \'), so the shell reads it back as the same bytes. wc quotes only names with a newline and
/// prints other control bytes raw; bytes from 0x80 up (UTF-8) stay as they are, as in wc.
std::string quote_name(std::string_view name);

/// One CSV field, quoted when it holds a comma, a quote, CR or LF (quotes doubled).
std::string csv_field(std::string_view field);

/// Parses a size such as "4096", "64K", "8M", "1G" (binary multiples, case-insensitive, an optional
/// trailing "B" or "iB"). Throws std::invalid_argument with a message saying what is wrong.
std::uint64_t parse_size(std::string_view text);

}  // namespace hypar_stats
