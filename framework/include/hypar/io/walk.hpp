#pragma once
// Expanding command-line inputs (files and directories) into the list of files to process, the
// same list on every rank: sorted, deterministic, with every problem kept as an error entry.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hypar::io {

/// How expand_inputs walks directories.
struct WalkOptions {
  /// Follow symbolic links to directories while walking (links to files are always followed).
  /// A link that leads back into a directory being walked is reported as a loop, never followed.
  bool follow_directory_links = false;
};

/// One input file, or one input that could not become a file.
struct InputFile {
  std::string path;        ///< as given, or joined below a given directory
  std::uint64_t size = 0;  ///< bytes at expansion time (a file may still change later)
  int error_code = 0;      ///< 0 when usable, else an errno value (ENOENT, EACCES, ELOOP, ...)
  std::string error;       ///< one line for a human when error_code != 0, e.g. "not a regular file"

  bool ok() const { return error_code == 0; }
};

/// Expands `inputs` in order: a regular file (or a link to one) is itself; a directory becomes its
/// regular files, walked recursively with entries sorted by name (byte order); anything else (a
/// missing path, a FIFO, a device, a socket, a dangling link, a directory loop, a directory that
/// cannot be read, a path holding a NUL byte) becomes an entry with an error. Never reads file
/// contents, so a FIFO never blocks it. Sequential code it equals: `find PATH... -type f | sort`
/// per argument, plus errors. Cost: one stat per entry and one readdir per directory.
std::vector<InputFile> expand_inputs(const std::vector<std::string>& inputs,
                                     const WalkOptions& options = {});

/// The paths of a path list's text: the entries between `separator` bytes, in order, the last one
/// needing no separator after it. With '\n' (one path per line) a trailing '\r' of a line is
/// removed (lists written on Windows); with another separator, such as '\0' (`find -print0`),
/// entries are taken byte for byte, newlines included. Empty entries are skipped; any other byte,
/// NUL included, stays in its entry (expand_inputs reports a name holding a NUL as an error).
/// Sequential equivalent: splitting the text at each separator. Cost: O(text size). No errors.
std::vector<std::string> parse_path_list(std::string_view text, char separator = '\n');

/// Reads a list of paths from `list_path` ("-" for standard input) and splits it as
/// parse_path_list does (one path per line by default; '\0' for NUL-separated lists). Throws
/// hypar::Error naming the file when it cannot be read.
std::vector<std::string> read_path_list(const std::string& list_path, char separator = '\n');

}  // namespace hypar::io
