// hypar-sort command line, with CLI11 subcommands.
#include "options.hpp"

#include <CLI/CLI.hpp>
#include <charconv>
#include <hypar/version.hpp>
#include <limits>

namespace hypar_sort {
namespace {

/// gen's and sort's --fsync. Without it the output is still atomic for every failure of the job
/// (temporary name, rename when complete); GNU sort and gensort write the final name directly.
const char* const kFsyncHelp =
    "fsync the output (and its directory) before it appears under its name, so that it survives "
    "a crash of the machine too (default: not, as GNU sort and gensort; the rename alone keeps "
    "it atomic for any failure of the job)";

/// A size in bytes: digits with an optional binary suffix K, M, G or T (as GNU sort -S takes
/// them: 512M, 2G), at least 1 and at most 2^62 bytes.
bool parse_size(const std::string& text, std::uint64_t& out) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end == text.data())
    return false;
  std::string suffix(end, text.data() + text.size());
  int shift = 0;
  if (suffix == "K" || suffix == "k" || suffix == "KiB")
    shift = 10;
  else if (suffix == "M" || suffix == "MiB")
    shift = 20;
  else if (suffix == "G" || suffix == "GiB")
    shift = 30;
  else if (suffix == "T" || suffix == "TiB")
    shift = 40;
  else if (!suffix.empty() && suffix != "B")
    return false;
  if (value == 0 || value > (std::uint64_t{1} << (62 - shift)))
    return false;
  out = value << shift;
  return true;
}

/// A record count or number: decimal digits only (as gensort takes them), at most 2^64 - 1.
bool parse_u64(const std::string& text, std::uint64_t& out) {
  if (text.empty() || text[0] < '0' || text[0] > '9')
    return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

}  // namespace

ParseOutcome parse_command_line(int argc, const char* const* argv) {
  ParseOutcome outcome;
  Options& o = outcome.options;
  CLI::App app{
      "hypar-sort: the Sort Benchmark's 100-byte records (10-byte key, 90-byte payload) over MPI\n"
      "ranks, compatible with gensort and valsort 1.5.\n"
      "  mpirun -n R hypar-sort gen [-a] [-s] [--teragen] [-b FIRST] [--parts] RECORDS OUT\n"
      "  mpirun -n R hypar-sort sort INPUT... -o OUTPUT [--memory SIZE] [--tmp DIR] [--parts]\n"
      "  mpirun -n R hypar-sort check FILE... [-o SUMMARY]\n"
      "  mpirun -n R hypar-sort check -s SUMMARY\n"
      "Exit status: 0 done (check: all records in order), 1 check found unordered records, or\n"
      "an input or output failed (missing, unreadable, size not a multiple of 100 bytes, disk\n"
      "full), 2 usage error.",
      "hypar-sort"};
  app.require_subcommand(1);
  app.fallthrough();  // the global options may also follow the subcommand
  std::string format = "text";
  long long buffer = static_cast<long long>(Options::default_buffer_records);
  app.add_flag("-q,--quiet", o.quiet, "print nothing but errors (and --format json)");
  app.add_option("--format", format,
                 "summary on stdout: text (the default) or json (gen: records, bytes, checksum, "
                 "seconds; check: the summary's counts)")
      ->type_name("FORMAT");
  app.add_option(
         "--timeout", o.timeout,
         "end the job with a report (which ranks stop answering) and exit 124 when one MPI wait "
         "lasts SECONDS (default: HYPAR_TIMEOUT, or no bound)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0.0, 1e9));
  app.add_option("--buffer-records", buffer,
                 "records per read or write buffer, each rank holds one (default 40960, 4 MB)")
      ->type_name("N");
  app.set_version_flag("--version", std::string("hypar-sort (hypar) ") + hypar::version_string);

  CLI::App* gen = app.add_subcommand(
      "gen",
      "write records FIRST .. FIRST+RECORDS-1 to OUT as gensort 1.5 does, byte for byte; each "
      "rank generates and writes its contiguous share; prints Records and Checksum");
  std::string first = "0", records;
  gen->add_flag("-a", o.gen.ascii, "gensort -a: printable ASCII records ending in \\r\\n");
  gen->add_flag("-s", o.gen.skew, "gensort -s: skewed key distribution");
  gen->add_flag("--teragen", o.gen.teragen, "Hadoop TeraGen's record layout (no -a, no -s)");
  gen->add_flag("--parts", o.gen.parts,
                "one file per rank, OUT.part-00000, OUT.part-00001, ..., whose concatenation is "
                "the records in order");
  gen->add_flag("--fsync", o.gen.fsync, kFsyncHelp);
  gen->add_option("-b", first, "gensort -b: the first record number (default 0)")
      ->type_name("FIRST");
  gen->add_option("RECORDS", records, "number of records")->required();
  gen->add_option("OUT", o.gen.output, "output file (written as .OUT.tmp-PID, then renamed)")
      ->required();

  CLI::App* check = app.add_subcommand(
      "check",
      "validate the concatenation of FILEs as valsort 1.5 does (record count, checksum, "
      "duplicate keys, the first unordered record); the report goes to stderr");
  check->add_option("FILE", o.check.inputs, "record files, concatenated in this order");
  check
      ->add_option("-o", o.check.write_summary,
                   "also write valsort's 280-byte summary of the inputs to SUMMARY (valsort -o)")
      ->type_name("SUMMARY");
  check
      ->add_option("-s", o.check.read_summary,
                   "validate a file of concatenated summaries instead of data (valsort -s)")
      ->type_name("SUMMARY");

  CLI::App* sort = app.add_subcommand(
      "sort",
      "sort the records of the INPUTs (files, or directories of part files), concatenated in "
      "order, by key (memcmp order of the first 10 bytes), stably, across the ranks; in memory "
      "when a rank's share fits --memory three times, else out of core (sorted runs spilled to "
      "--tmp and merged); the output appears only when complete");
  std::string memory, threads_text = "0";
  bool progress = false, no_progress = false;
  sort->add_option("INPUT", o.sort.inputs, "record files or directories of parts")->required();
  sort->add_option("-o,--output", o.sort.output, "the sorted output (or its parts' stem)")
      ->required()
      ->type_name("OUTPUT");
  sort->add_option("--memory", memory,
                   "record memory per rank, e.g. 512M or 2G (default: half the RAM shared by "
                   "the ranks)")
      ->type_name("SIZE");
  sort->add_option("--tmp", o.sort.tmp_dir,
                   "directory for the spilled runs (default: the output's directory)")
      ->type_name("DIR");
  sort->add_flag("--parts", o.sort.parts,
                 "one file per rank, OUTPUT.part-00000, ..., whose concatenation is sorted");
  sort->add_flag("--fsync", o.sort.fsync, kFsyncHelp);
  sort->add_option("--threads", threads_text,
                   "threads per rank (default: HYPAR_NUM_THREADS, OMP_NUM_THREADS or the cores)")
      ->type_name("N");
  sort->add_flag("--progress", progress, "draw progress on rank 0 even when stderr is no tty");
  sort->add_flag("--no-progress", no_progress, "never draw progress");

  auto usage_error = [&](const std::string& message) {
    outcome.kind = ParseOutcome::Kind::exit;
    outcome.exit_code = 2;
    outcome.to_stderr = true;
    outcome.output = "hypar-sort: " + message + " (try --help)\n";
    return outcome;
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    outcome.kind = ParseOutcome::Kind::exit;
    outcome.output = app.help();
    return outcome;
  } catch (const CLI::CallForVersion&) {
    outcome.kind = ParseOutcome::Kind::exit;
    outcome.output = app.version() + "\n";
    return outcome;
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what());
  }
  if (format == "text")
    o.format = Format::text;
  else if (format == "json")
    o.format = Format::json;
  else
    return usage_error("--format must be text or json, not '" + format + "'");
  if (buffer < 1 || buffer > (1LL << 30) / 100)
    return usage_error("--buffer-records must be between 1 and 10737418");
  o.buffer_records = static_cast<std::uint64_t>(buffer);

  if (*gen) {
    o.command = Options::Command::gen;
    if (!parse_u64(records, o.gen.records))
      return usage_error("gen: RECORDS must be a record count (decimal digits), not '" + records +
                         "'");
    if (!parse_u64(first, o.gen.first))
      return usage_error("gen: -b needs a record number (decimal digits), not '" + first + "'");
    if (o.gen.records > std::numeric_limits<std::uint64_t>::max() - o.gen.first)
      return usage_error("gen: -b " + first + " plus " + records +
                         " records passes record number 2^64 - 1");
    if (o.gen.records > std::numeric_limits<std::uint64_t>::max() / 100)
      return usage_error("gen: " + records + " records do not fit in a file (bytes above 2^64)");
    if (o.gen.teragen && (o.gen.ascii || o.gen.skew))
      return usage_error("gen: --teragen has no -a or -s variant");
    if (o.gen.output.empty())
      return usage_error("gen: OUT must not be empty");
  } else if (*sort) {
    o.command = Options::Command::sort;
    if (!memory.empty() && !parse_size(memory, o.sort.memory))
      return usage_error("sort: --memory needs a size such as 512M or 2G, not '" + memory + "'");
    std::uint64_t threads = 0;
    if (!parse_u64(threads_text, threads) || threads > 4096)
      return usage_error("sort: --threads needs a count from 0 to 4096, not '" + threads_text +
                         "'");
    o.sort.threads = static_cast<std::size_t>(threads);
    if (progress && no_progress)
      return usage_error("sort: --progress and --no-progress contradict");
    if (progress || no_progress)
      o.sort.progress = progress;
    if (o.sort.output.empty())
      return usage_error("sort: -o OUTPUT must not be empty");
  } else {
    o.command = Options::Command::check;
    if (o.check.read_summary && !o.check.inputs.empty())
      return usage_error("check: -s SUMMARY takes no data files");
    if (o.check.read_summary && o.check.write_summary)
      return usage_error("check: -s and -o contradict");
    if (!o.check.read_summary && o.check.inputs.empty())
      return usage_error("check: needs FILE... or -s SUMMARY");
  }
  return outcome;
}

}  // namespace hypar_sort
