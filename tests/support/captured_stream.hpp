#pragma once
// Everything a test wrote to a temporary stdio stream (std::tmpfile), for checking what a
// progress display drew.

#include <cstdio>
#include <string>

namespace hypar::testing {

/// The whole contents of `f`, read from its start (the stream stays open).
inline std::string contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0)
    out.append(buffer, n);
  return out;
}

}  // namespace hypar::testing
