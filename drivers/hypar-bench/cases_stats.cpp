// hypar-stats against `LC_ALL=C wc` and `cat > /dev/null` (BENCHMARKS.md "text stats"): whole
// programs, timed from outside, on a cached 1 GiB text file and on 10 000 files of 100 KiB, at
// 1 rank x 2 threads and 2 ranks x 1 thread. Every hypar-stats run is checked against wc's counts.
#ifdef HYPAR_STATS_PROGRAM

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bench.hpp"

namespace hypar_bench {
namespace {

namespace fs = std::filesystem;

/// Deterministic text: words, tabs, long and empty lines (the same generator idea as the corpus).
void write_text(const fs::path& path, std::size_t bytes, std::uint64_t seed) {
  static const char* const words[] = {"alpha", "beta",  "gamma", "delta", "eps",    "zeta",
                                      "eta",   "theta", "iota",  "kappa", "lambda", "mu"};
  std::string text;
  text.reserve(bytes);
  std::uint64_t s = seed | 1;
  auto next = [&s] {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  };
  while (text.size() < bytes) {
    const unsigned n = static_cast<unsigned>(next() % 16);
    for (unsigned w = 0; w < n; ++w) {
      if (w)
        text += (next() % 17 == 0) ? '\t' : ' ';
      text += words[next() % 12];
    }
    text += '\n';
  }
  text.resize(bytes);
  std::ofstream(path, std::ios::binary)
      .write(text.data(), static_cast<std::streamsize>(text.size()));
}

/// The totals line of `wc` (lines words bytes) for the inputs: the reference.
std::string wc_totals(const std::string& inputs) {
  std::string err;
  const std::string out = shell("LC_ALL=C wc -lwc " + inputs + " | tail -n 1", &err);
  std::string a, b, c;
  std::istringstream(out) >> a >> b >> c;
  return a + "," + b + "," + c;
}

/// The totals hypar-stats printed (CSV "total" row): lines,words,bytes.
std::string stats_totals(const std::string& csv) {
  const auto at = csv.rfind("\ntotal,");
  if (at == std::string::npos)
    return "no total row";
  std::string row = csv.substr(at + 7);
  std::string lines, words, bytes;
  std::istringstream in(row);
  std::getline(in, lines, ',');
  std::getline(in, words, ',');
  std::getline(in, bytes, ',');
  return lines + "," + words + "," + bytes;
}

/// `stats_args`: what hypar-stats is given (a file, or a folder it walks); `inputs_arg`: the same
/// files for wc and cat (a shell glob for a folder).
Case stats_case(const std::string& stats_args, std::uint64_t bytes, const std::string& what,
                const std::string& inputs_arg) {
  Case c;
  c.input = what;
  c.work = static_cast<double>(bytes);
  c.work_unit = "bytes";
  const std::string want = wc_totals(inputs_arg);
  const std::string program = HYPAR_STATS_PROGRAM;
  auto output = std::make_shared<std::string>();
  auto failure = std::make_shared<std::string>();
  auto check = [=]() -> std::string {
    if (!failure->empty())
      return *failure;
    const std::string got = stats_totals(*output);
    return got == want ? "" : "hypar-stats totals " + got + " != wc " + want;
  };
  const std::string mpirun =
      "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --oversubscribe ";
  const std::string args = " --no-progress --format csv " + stats_args;
  // As a user runs it on one machine, instead of wc: a lone process, no mpirun (dist::Environment
  // then starts MPI for one process in 0.04 s rather than mpirun's 0.4 s).
  c.add(
      "hypar-stats alone, 2 threads", {},
      [=] {
        failure->clear();
        *output =
            shell("OMP_NUM_THREADS=2 " + quote(program) + " --threads 2" + args, failure.get());
      },
      check);
  c.add(
      "hypar-stats 1 rank x 2 threads", {},
      [=] {
        failure->clear();
        *output = shell(mpirun + "-n 1 --bind-to none -x OMP_NUM_THREADS=2 " + quote(program) +
                            " --threads 2" + args,
                        failure.get());
      },
      check);
  c.add(
      "hypar-stats 2 ranks x 1 thread", {},
      [=] {
        failure->clear();
        *output = shell(mpirun + "-n 2 --bind-to core -x OMP_NUM_THREADS=1 " + quote(program) +
                            " --threads 1" + args,
                        failure.get());
      },
      check);
  c.add("LC_ALL=C wc -lwcL", {},
        [=] { shell("LC_ALL=C wc -lwcL " + inputs_arg + " > /dev/null"); });
  c.add("cat > /dev/null", {}, [=] { shell("cat " + inputs_arg + " > /dev/null"); });
  c.target("hypar-stats alone, 2 threads", "LC_ALL=C wc -lwcL", 40.0, "at least 40x wc");
  c.target("hypar-stats alone, 2 threads", "cat > /dev/null", 0.7, "at least 0.7x cat");
  c.target("hypar-stats 1 rank x 2 threads", "LC_ALL=C wc -lwcL", 40.0,
           "at least 40x wc under mpirun too");
  c.target("hypar-stats 2 ranks x 1 thread", "hypar-stats 1 rank x 2 threads", 0.9,
           "the MPI layout at least 0.9x the threaded one");
  return c;
}

fs::path bench_dir() {
  const char* tmp = std::getenv("TMPDIR");
  fs::path dir = fs::path(tmp && *tmp ? tmp : "/tmp") / "hypar-bench-stats";
  fs::create_directories(dir);
  return dir;
}

}  // namespace

HYPAR_BENCH_CASE("stats", "one large file") {
  const std::size_t bytes = opt.scaled(std::size_t{1} << 30, 1 << 20);
  const fs::path file = bench_dir() / ("large-" + std::to_string(bytes) + ".txt");
  if (!fs::exists(file) || fs::file_size(file) != bytes)
    write_text(file, bytes, 42);
  shell("cat " + quote(file.string()) + " > /dev/null");  // cached, as the benchmark says
  Case c = stats_case(quote(file.string()), bytes,
                      std::to_string(bytes >> 20) + " MiB cached text file", quote(file.string()));
  // BENCHMARKS.md: at least 8 GB/s on 2 cores.
  return c;
}

HYPAR_BENCH_CASE("stats", "many small files") {
  const std::size_t files = opt.scaled(10'000, 20);
  const std::size_t each = 100 << 10;
  const fs::path dir = bench_dir() / ("small-" + std::to_string(files));
  if (!fs::exists(dir / ("f" + std::to_string(files - 1) + ".txt"))) {
    fs::create_directories(dir);
    for (std::size_t i = 0; i < files; ++i)
      write_text(dir / ("f" + std::to_string(i) + ".txt"), each, i + 1);
  }
  shell("cat " + quote(dir.string()) + "/* > /dev/null");
  // hypar-stats walks the folder (mpirun cannot pass 10 000 arguments); wc and cat get the files.
  return stats_case(quote(dir.string()), files * each,
                    std::to_string(files) + " cached files of 100 KiB", quote(dir.string()) + "/*");
}

#endif  // HYPAR_STATS_PROGRAM

}  // namespace hypar_bench
