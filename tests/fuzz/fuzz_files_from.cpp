// Fuzzer: hypar-stats' --files-from lists (hypar::io::parse_path_list and read_path_list,
// walk.hpp), newline- and NUL-separated. The first byte picks the separator (even: '\n', odd:
// '\0'), the rest is the list. Checked against a byte-by-byte reference of the documented rule
// (entries between separators; with '\n' one trailing '\r' of a line removed; empty entries
// skipped; every other byte kept); read_path_list of the same bytes in a file gives the same list;
// and an entry holding a NUL becomes an error entry of expand_inputs (EINVAL), never a file name
// cut at the NUL.
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <hypar/core/error.hpp>
#include <hypar/io/walk.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "files_from: %s\n", what);
  std::abort();
}

std::vector<std::string> reference(std::string_view text, char separator) {
  std::vector<std::string> out;
  std::string entry;
  auto finish = [&] {
    if (separator == '\n' && !entry.empty() && entry.back() == '\r')
      entry.pop_back();
    if (!entry.empty())
      out.push_back(entry);
    entry.clear();
  };
  for (const char c : text) {
    if (c == separator)
      finish();
    else
      entry += c;
  }
  finish();
  return out;
}

/// A file in memory holding the list, named through /proc/self/fd (closed by the destructor).
struct MemoryFile {
  int fd = -1;
  explicit MemoryFile(std::string_view text) {
    fd = ::memfd_create("hypar-fuzz-list", MFD_CLOEXEC);
    if (fd < 0)
      fail("memfd_create failed");
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
      if (n <= 0)
        fail("writing the list failed");
      done += static_cast<std::size_t>(n);
    }
  }
  ~MemoryFile() { ::close(fd); }
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  const char separator = (data[0] & 1) ? '\0' : '\n';
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);

  const std::vector<std::string> want = reference(text, separator);
  const std::vector<std::string> got = hypar::io::parse_path_list(text, separator);
  if (got != want)
    fail("parse_path_list differs from the reference");
  for (const auto& entry : got) {
    if (entry.empty() || entry.find(separator) != std::string::npos)
      fail("an empty entry, or one holding the separator");
  }

  MemoryFile file(text);
  std::vector<std::string> read;
  try {
    read = hypar::io::read_path_list(file.path(), separator);
  } catch (const hypar::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    fail("read_path_list could not read a readable list");
  }
  if (read != want)
    fail("read_path_list of the file differs from parse_path_list of its bytes");

  for (const auto& entry : got) {
    if (entry.find('\0') == std::string::npos)
      continue;  // a real name: expand_inputs would look at the file system
    const auto expanded = hypar::io::expand_inputs({entry});
    if (expanded.size() != 1 || expanded[0].ok() || expanded[0].error_code != EINVAL ||
        expanded[0].path != entry)
      fail("a name holding a NUL is not one EINVAL error entry with the whole name");
  }
  return 0;
}
