// hypar-sort against GNU sort, file to file (BENCHMARKS.md "hypar-sort"): 10 M ASCII records of
// gensort -a (1 GB, printable, one per line, so GNU sort can sort them too), cached in the page
// cache. The peer is `LC_ALL=C sort -S 60% --parallel=N` timed from outside (it starts in
// milliseconds); hypar-sort runs as the real program under mpirun, in memory at 1 rank x N
// threads and N ranks x 1 thread, and out of core with --memory at 1/8 of the input, timing its
// own sort (the JSON summary's `seconds`: from measuring the inputs to the renamed output, MPI's
// start-up excluded). Every output is validated: GNU sort's by `sort -c`, hypar-sort's by
// `hypar-sort check` (every record in order and the checksum of the input).
#ifdef HYPAR_SORT_PROGRAM

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "bench.hpp"

namespace hypar_bench {
namespace {

/// The case's files: the input (made once), the outputs, removed when the case ends.
struct SortFiles {
  std::string dir, input, checksum;
  SortFiles() {
    char pattern[] = "/tmp/hypar-bench-sort-XXXXXX";
    const char* made = ::mkdtemp(pattern);
    dir = made != nullptr ? made : "/tmp";
    input = dir + "/in.txt";
  }
  SortFiles(const SortFiles&) = delete;
  SortFiles& operator=(const SortFiles&) = delete;
  ~SortFiles() {
    std::error_code ec;
    if (dir != "/tmp")
      std::filesystem::remove_all(dir, ec);
  }
};

const std::string kMpirun =
    "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 HYPAR_NO_LAYOUT_WARNING=1 mpirun "
    "--oversubscribe ";

/// hypar-sort sort under mpirun as a self-timed contender; the output is checked with
/// hypar-sort check against the input's checksum.
void add_hypar(Case& c, const std::shared_ptr<SortFiles>& files, int ranks, int threads,
               const std::string& extra, const std::string& label) {
  auto seconds = std::make_shared<double>(0);
  auto failure = std::make_shared<std::string>();
  const std::string out = files->dir + "/out.dat";
  const std::string binding = threads == 1 ? "--bind-to core" : "--bind-to none";
  const std::string command = kMpirun + "-n " + std::to_string(ranks) + " " + binding + " " +
                              quote(HYPAR_SORT_PROGRAM) + " --format json sort --no-progress " +
                              "--threads " + std::to_string(threads) + " " + extra + " " +
                              quote(files->input) + " -o " + quote(out);
  c.add(
      label, [=] { std::filesystem::remove(out); },
      [=] {
        failure->clear();
        const std::string text = shell(command, failure.get());
        if (!failure->empty())
          return;
        try {
          *seconds = nlohmann::json::parse(text).at("seconds").get<double>();
        } catch (const std::exception& e) {
          *failure = std::string("hypar-sort: unreadable summary: ") + e.what() + ": " + text;
        }
      },
      [=]() -> std::string {
        if (!failure->empty())
          return *failure;
        std::string error;
        const std::string text = shell(
            kMpirun + "-n 1 " + quote(HYPAR_SORT_PROGRAM) + " --format json -q check " + quote(out),
            &error);
        std::filesystem::remove(out);
        if (!error.empty())
          return "hypar-sort check: " + error;
        const auto j = nlohmann::json::parse(text);
        if (!j.at("ordered").get<bool>())
          return "the output is not in order";
        if (j.at("checksum").get<std::string>() != files->checksum)
          return "checksum " + j.at("checksum").get<std::string>() + ", the input's is " +
                 files->checksum;
        return "";
      });
  c.contenders.back().self_timed = [=] { return *seconds; };
}

}  // namespace

HYPAR_BENCH_CASE("sort", "hypar-sort/file-to-file") {
  const std::size_t n = opt.scaled(10'000'000, 20'000);
  const int threads = static_cast<int>(opt.threads);
  auto files = std::make_shared<SortFiles>();
  Case c;
  c.input = std::to_string(n) + " gensort -a records (" +
            std::to_string(static_cast<double>(n) / 1e7).substr(0, 4) + " GB), file to file";
  c.work = static_cast<double>(n) * 100.0;
  c.work_unit = "bytes";
  {
    std::string error;
    const std::string text =
        shell(kMpirun + "-n 1 " + quote(HYPAR_SORT_PROGRAM) + " --format json gen -a " +
                  std::to_string(n) + " " + quote(files->input),
              &error);
    if (error.empty())
      files->checksum = nlohmann::json::parse(text).at("checksum").get<std::string>();
  }
  const std::string gnu = "LC_ALL=C sort -S 60% --parallel=" + std::to_string(threads);
  const std::string gnu_out = files->dir + "/gnu.txt";
  auto gnu_failure = std::make_shared<std::string>();
  c.add(
      gnu, [=] { std::filesystem::remove(gnu_out); },
      [=] {
        gnu_failure->clear();
        shell("LC_ALL=C sort -S 60% --parallel=" + std::to_string(threads) + " -o " +
                  quote(gnu_out) + " " + quote(files->input),
              gnu_failure.get());
      },
      [=]() -> std::string {
        if (!gnu_failure->empty())
          return "sort: " + *gnu_failure;
        std::string error;
        shell("LC_ALL=C sort -c " + quote(gnu_out), &error);
        std::filesystem::remove(gnu_out);
        return error.empty() ? "" : "sort -c: " + error;
      });
  const std::string t = std::to_string(threads) + (threads == 1 ? " thread" : " threads");
  const std::string one = "hypar-sort 1 rank x " + t;
  const std::string many = "hypar-sort " + std::to_string(threads) + " ranks x 1 thread";
  const std::string ooc = "hypar-sort out of core (--memory 1/8 of the input), 1 rank x " + t;
  add_hypar(c, files, 1, threads, "", one);
  add_hypar(c, files, threads, 1, "", many);
  const std::size_t eighth = std::max<std::size_t>(n * 100 / 8, 64 * 1024);
  add_hypar(c, files, 1, threads, "--memory " + std::to_string(eighth) + " --tmp " + files->dir,
            ooc);
  c.target(one, gnu, 10.0, "at least 10x GNU sort, file to file");
  c.target(many, gnu, 10.0, "at least 10x GNU sort, file to file");
  c.target(ooc, one, 0.5, "out of core at 1/8 memory at least 0.5x in memory");
  return c;
}

}  // namespace hypar_bench

#endif  // HYPAR_SORT_PROGRAM
