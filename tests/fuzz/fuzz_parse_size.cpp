// Fuzzer: the drivers' size parsers against references written here from their documentation.
//   hypar_stats::parse_size (report.hpp): decimal digits, then optionally K, M, G or T (binary
//   multiples) with an optional B or iB after it, or a lone B; case-insensitive; the value must fit
//   in 64 bits. Anything else throws std::invalid_argument. Also through the command line:
//   `hypar-stats --chunk-size=TEXT` runs with that size when it is at least 4K, else is a usage
//   error (exit 2).
//   `hypar-sort sort IN -o OUT --memory=TEXT` (options.cpp): digits, then nothing, B, K or k, M, G,
//   T, or KiB, MiB, GiB, TiB; from 1 byte to 2^62 bytes; anything else is a usage error.
// The input is the text (a NUL ends it: argv strings cannot hold one).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "hypar-sort/options.hpp"
#include "hypar-stats/options.hpp"
#include "hypar-stats/report.hpp"

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "parse_size: %s\n", what.c_str());
  std::abort();
}

/// The leading decimal digits of `text` as a number (nullopt when there are none or they pass
/// 2^64 - 1), and how many there are.
std::optional<std::uint64_t> leading_number(const std::string& text, std::size_t& digits) {
  digits = 0;
  std::uint64_t value = 0;
  bool overflow = false;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
    const unsigned d = static_cast<unsigned>(text[digits] - '0');
    if (value > (UINT64_MAX - d) / 10)
      overflow = true;
    value = value * 10 + d;
    ++digits;
  }
  if (digits == 0 || overflow)
    return std::nullopt;
  return value;
}

std::optional<std::uint64_t> stats_reference(const std::string& text) {
  std::size_t digits = 0;
  const auto value = leading_number(text, digits);
  if (!value)
    return std::nullopt;
  std::string unit;
  for (std::size_t i = digits; i < text.size(); ++i) {
    const char c = text[i];
    unit += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  int shift = -1;
  const char* prefixes = "KMGT";
  if (unit.empty() || unit == "B") {
    shift = 0;
  } else {
    for (int k = 0; k < 4; ++k) {
      const std::string p(1, prefixes[k]);
      if (unit == p || unit == p + "B" || unit == p + "IB")
        shift = 10 * (k + 1);
    }
  }
  if (shift < 0)
    return std::nullopt;
  if (shift > 0 && *value > (UINT64_MAX >> shift))
    return std::nullopt;
  return *value << shift;
}

std::optional<std::uint64_t> sort_reference(const std::string& text) {
  std::size_t digits = 0;
  const auto value = leading_number(text, digits);
  if (!value)
    return std::nullopt;
  const std::string unit = text.substr(digits);
  int shift = -1;
  if (unit.empty() || unit == "B")
    shift = 0;
  else if (unit == "K" || unit == "k" || unit == "KiB")
    shift = 10;
  else if (unit == "M" || unit == "MiB")
    shift = 20;
  else if (unit == "G" || unit == "GiB")
    shift = 30;
  else if (unit == "T" || unit == "TiB")
    shift = 40;
  if (shift < 0 || *value == 0 || *value > (std::uint64_t{1} << (62 - shift)))
    return std::nullopt;
  return *value << shift;
}

template <class Outcome>
Outcome parse(Outcome (*parser)(int, const char* const*), const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  for (const auto& a : args)
    argv.push_back(a.c_str());
  argv.push_back(nullptr);
  return parser(static_cast<int>(args.size()), argv.data());
}

std::string show(const std::string& text) {
  std::string out = "'";
  for (const unsigned char c : text) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out + "'";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  text = text.substr(0, text.find('\0'));

  // hypar-stats' parse_size, directly.
  const auto want = stats_reference(text);
  std::optional<std::uint64_t> got;
  try {
    got = hypar_stats::parse_size(text);
  } catch (const std::invalid_argument& e) {
    if (std::string(e.what()).empty())
      fail("hypar_stats::parse_size threw an empty message for " + show(text));
  }
  if (got != want) {
    fail("hypar_stats::parse_size(" + show(text) +
         ") = " + (got ? std::to_string(*got) : "an error") + ", expected " +
         (want ? std::to_string(*want) : "an error"));
  }

  // hypar-stats --chunk-size=TEXT.
  {
    const auto outcome =
        parse(hypar_stats::parse_command_line, {"hypar-stats", "--chunk-size=" + text, "file"});
    const bool runs = outcome.kind == hypar_stats::ParseOutcome::Kind::run;
    const bool should_run = want && *want >= 4096;
    if (runs != should_run || (runs && outcome.options.chunk_bytes != *want))
      fail("hypar-stats --chunk-size=" + show(text) + (runs ? " ran" : " was refused") +
           (should_run ? ", expected a run with " + std::to_string(*want) : ", expected refusal"));
    if (!runs && (outcome.exit_code != 2 || !outcome.to_stderr))
      fail("hypar-stats --chunk-size=" + show(text) + " refused without exit status 2");
  }

  // hypar-sort sort --memory=TEXT.
  {
    const auto sort_want = sort_reference(text);
    const auto outcome = parse(hypar_sort::parse_command_line,
                               {"hypar-sort", "sort", "in", "-o", "out", "--memory=" + text});
    const bool runs = outcome.kind == hypar_sort::ParseOutcome::Kind::run;
    if (runs != sort_want.has_value() || (runs && outcome.options.sort.memory != *sort_want))
      fail("hypar-sort sort --memory=" + show(text) + (runs ? " ran" : " was refused") +
           (sort_want ? ", expected a run with " + std::to_string(*sort_want)
                      : ", expected refusal"));
    if (!runs && (outcome.exit_code != 2 || !outcome.to_stderr))
      fail("hypar-sort --memory=" + show(text) + " refused without exit status 2");
  }
  return 0;
}
