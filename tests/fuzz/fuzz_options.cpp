// Fuzzer: the command-line parsers of hypar-stats, hypar-sort and hypar-heat (parse_command_line
// in drivers/*/options.cpp) on argv vectors built from the input. The input is lines: leading
// `HYPAR_NUM_THREADS=...` / `OMP_NUM_THREADS=...` lines set those variables (both are unset
// otherwise), then `stats`, `sort` or `heat` picks the driver (any other first line picks one by
// its first byte and is an argument), then one argument per line. Checked: a parser never throws
// and never crashes; it either runs with options that keep every documented limit, or exits with
// 0 and a help or version text on stdout, or with 2 and one line "hypar-NAME: ... (try --help)" on
// stderr.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <hypar/core/error.hpp>
#include <hypar/io/png.hpp>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "hypar-heat/options.hpp"
#include "hypar-sort/options.hpp"
#include "hypar-stats/options.hpp"

namespace {

std::string g_input_summary;  // the argv of the current input, for failure messages

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "options: %s\nargv: %s\n", what.c_str(), g_input_summary.c_str());
  std::abort();
}

void check(bool ok, const char* what) {
  if (!ok)
    fail(what);
}

/// The outcome's exit half: help or version on stdout with 0, or one usage line with 2.
template <class Outcome>
void check_exit(const Outcome& outcome, const std::string& program) {
  if (outcome.exit_code == 0) {
    check(!outcome.to_stderr && !outcome.output.empty(), "exit 0 without a text on stdout");
    return;
  }
  check(outcome.exit_code == 2, "an exit status other than 0 and 2");
  check(outcome.to_stderr, "a usage error not on stderr");
  const std::string& out = outcome.output;
  const std::string head = program + ": ", tail = " (try --help)\n";
  check(out.size() > head.size() + tail.size() && out.starts_with(head) && out.ends_with(tail),
        "a usage error not of the form 'NAME: message (try --help)'");
  check(out.find('\n') == out.size() - 1, "a usage error of more than one line");
}

/// Whether `value` is an argument, or the value part of one: --name=VALUE, -xVALUE. Also
/// "---REST" from a cluster of one-letter flags "-qq--REST": CLI11 splits the flags off and keeps
/// "-" + "--REST" as a positional argument (a CLI11 quirk; hypar-sort then reports the file
/// "---REST" as missing).
bool is_arg(const std::vector<std::string>& args, const std::string& value) {
  if (value.starts_with("---"))
    return true;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == value)
      return true;
    if (a.size() <= value.size() || !a.ends_with(value))
      continue;
    const std::string head = a.substr(0, a.size() - value.size());
    if (head.ends_with('=') || (head.size() == 2 && head[0] == '-' && head[1] != '-'))
      return true;
  }
  return false;
}

template <class Outcome>
Outcome parse(Outcome (*parser)(int, const char* const*), const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  for (const auto& a : args)
    argv.push_back(a.c_str());
  argv.push_back(nullptr);
  return parser(static_cast<int>(args.size()), argv.data());
}

void check_stats(const std::vector<std::string>& args) {
  const auto outcome = parse(hypar_stats::parse_command_line, args);
  if (outcome.kind == hypar_stats::ParseOutcome::Kind::exit)
    return check_exit(outcome, "hypar-stats");
  check(outcome.exit_code == 0 && outcome.output.empty(), "a run with an exit text");
  const auto& o = outcome.options;
  check(o.threads <= hypar_stats::max_threads, "stats: --threads above the limit");
  check(o.timeout == -1 || (o.timeout >= 0 && o.timeout <= 1e9), "stats: --timeout out of range");
  check(o.chunk_bytes >= 4096, "stats: --chunk-size below 4K");
  check(o.format == hypar_stats::Format::table || o.format == hypar_stats::Format::csv ||
            o.format == hypar_stats::Format::json,
        "stats: no such format");
  for (const auto& p : o.paths)
    check(is_arg(args, p), "stats: a path that is no argument");
  if (o.files_from)
    check(is_arg(args, *o.files_from), "stats: a --files-from that is no argument");
}

void check_sort(const std::vector<std::string>& args) {
  const auto outcome = parse(hypar_sort::parse_command_line, args);
  if (outcome.kind == hypar_sort::ParseOutcome::Kind::exit)
    return check_exit(outcome, "hypar-sort");
  check(outcome.exit_code == 0 && outcome.output.empty(), "a run with an exit text");
  const auto& o = outcome.options;
  check(o.buffer_records >= 1 && o.buffer_records <= (1u << 30) / 100,
        "sort: --buffer-records out of range");
  check(o.timeout == -1 || (o.timeout >= 0 && o.timeout <= 1e9), "sort: --timeout out of range");
  using Command = hypar_sort::Options::Command;
  constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  switch (o.command) {
    case Command::gen:
      check(!o.gen.output.empty() && is_arg(args, o.gen.output), "gen: OUT not an argument");
      check(o.gen.records <= max / 100, "gen: more records than a file holds");
      check(o.gen.records <= max - o.gen.first, "gen: record numbers past 2^64 - 1");
      check(!(o.gen.teragen && (o.gen.ascii || o.gen.skew)), "gen: --teragen with -a or -s");
      break;
    case Command::sort:
      check(!o.sort.output.empty() && is_arg(args, o.sort.output), "sort: -o not an argument");
      check(!o.sort.inputs.empty(), "sort: no INPUT");
      for (const auto& p : o.sort.inputs)
        check(is_arg(args, p), "sort: an INPUT that is no argument");
      check(o.sort.threads <= 4096, "sort: --threads above 4096");
      check(o.sort.memory <= (std::uint64_t{1} << 62), "sort: --memory above 2^62");
      break;
    case Command::check:
      check(o.check.read_summary.has_value() != !o.check.inputs.empty(),
            "check: not exactly one of FILE... and -s");
      check(!(o.check.read_summary && o.check.write_summary), "check: -s with -o");
      for (const auto& p : o.check.inputs)
        check(is_arg(args, p), "check: a FILE that is no argument");
      break;
  }
}

void check_heat(const std::vector<std::string>& args) {
  const auto outcome = parse(hypar_heat::parse_command_line, args);
  if (outcome.kind == hypar_heat::ParseOutcome::Kind::exit)
    return check_exit(outcome, "hypar-heat");
  check(outcome.exit_code == 0 && outcome.output.empty(), "a run with an exit text");
  const auto& o = outcome.options;
  check(o.nx >= 0 && o.ny >= 0 && o.steps >= 0, "heat: a negative size or step count");
  check(std::isfinite(o.r) && o.r > 0 && o.r <= 0.25, "heat: --r outside (0, 1/4]");
  check(o.png_size >= 16 && o.png_size <= 16384, "heat: --png-size out of range");
  check(o.time_block >= 0 && o.halo_width >= 0, "heat: a negative time block or halo");
  check(o.time_block == 0 || o.halo_width == 0 || o.halo_width >= o.time_block,
        "heat: a halo narrower than the time block");
  check(o.checkpoint ? o.checkpoint_every >= 1 : o.checkpoint_every == 0,
        "heat: --checkpoint and --checkpoint-every disagree");
  check(o.png_every >= 0 && (o.png_every == 0 || o.png), "heat: --png-every without --png");
  if (o.png && o.png_every > 0) {
    // The frames' names are made from the pattern at every frame step: a run must have a pattern
    // that hypar::io::frame_path takes (else the run would fail after its set-up, not as a usage
    // error).
    try {
      (void)hypar::io::frame_path(*o.png, 0);
      (void)hypar::io::frame_path(*o.png, std::numeric_limits<long long>::min());
    } catch (const hypar::Error& e) {
      fail(std::string("heat: a run with a frame pattern frame_path refuses: ") + e.what());
    }
  }
  check(o.threads <= hypar_heat::max_threads, "heat: --threads above the limit");
  check(o.timeout == -1 || (o.timeout >= 0 && o.timeout <= 1e9), "heat: --timeout out of range");
  check(!(o.init.kind == hypar_heat::Init::Kind::file && o.restart),
        "heat: --init FILE with --restart");
  if (o.init.kind == hypar_heat::Init::Kind::sine)
    check(o.init.k > 0 && o.init.l > 0, "heat: sine modes not positive");
  if (o.png_limits) {
    const auto [lo, hi] = *o.png_limits;
    check(std::isfinite(lo) && std::isfinite(hi) && lo < hi, "heat: bad --png-limits");
  }
  check(o.demo == (args.size() <= 1), "heat: demo without an empty command line");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> lines;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (std::size_t at = 0; at <= text.size();) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    std::string line(text.substr(at, end - at));
    lines.push_back(line.substr(0, line.find('\0')));  // an argv string ends at a NUL
    at = end + 1;
  }
  if (text.ends_with('\n'))
    lines.pop_back();  // a last newline ends the last argument
  ::unsetenv("HYPAR_NUM_THREADS");
  ::unsetenv("OMP_NUM_THREADS");
  std::size_t i = 0;
  for (; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    const auto eq = l.find('=');
    if (eq == std::string::npos ||
        (l.compare(0, eq, "HYPAR_NUM_THREADS") != 0 && l.compare(0, eq, "OMP_NUM_THREADS") != 0))
      break;
    ::setenv(l.substr(0, eq).c_str(), l.substr(eq + 1).c_str(), 1);
  }
  if (i == lines.size())
    return 0;
  int driver = static_cast<unsigned char>(lines[i].empty() ? 0 : lines[i][0]) % 3;
  const char* names[3] = {"hypar-stats", "hypar-sort", "hypar-heat"};
  if (lines[i] == "stats" || lines[i] == "sort" || lines[i] == "heat") {
    driver = lines[i] == "stats" ? 0 : lines[i] == "sort" ? 1 : 2;
    ++i;
  }
  std::vector<std::string> args{names[driver]};
  args.insert(args.end(), lines.begin() + static_cast<std::ptrdiff_t>(i), lines.end());
  g_input_summary.clear();
  for (const auto& a : args)
    g_input_summary += "[" + a + "] ";

  try {
    if (driver == 0)
      check_stats(args);
    else if (driver == 1)
      check_sort(args);
    else
      check_heat(args);
  } catch (const std::exception& e) {
    fail(std::string("parse_command_line threw: ") + e.what());
  }
  return 0;
}
