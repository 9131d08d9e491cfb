#pragma once
// The hypar-bench harness: a case runs hypar and its peers on the same input, alternating, several
// repetitions each, validates every output, and reports best and median times and their ratios.
//
// Adding a case (in drivers/hypar-bench/cases_<part>.cpp):
//
//   HYPAR_BENCH_CASE("sort", "par_sort_unstable/int32/uniform") {   // (const Options& opt)
//     auto input = std::make_shared<std::vector<int>>(random_ints(opt.scaled(50'000'000)));
//     auto data = std::make_shared<std::vector<int>>();
//     Case c;
//     c.input = "50M uniform int32";
//     c.work = double(input->size()); c.work_unit = "items";
//     auto prepare = [=] { *data = *input; };                        // untimed, before each run
//     auto check = [=]() -> std::string { return is_sorted_permutation(*data, *input); };
//     c.add("hypar", prepare, [=] { hypar::par_sort_unstable(*data); }, check);
//     c.add("tbb::parallel_sort", prepare, [=] { tbb::parallel_sort(*data); }, check);
//     c.target("hypar", "tbb::parallel_sort", 5.0, "at least 5x tbb::parallel_sort");
//     return c;
//   }
//
// A factory runs only when its case is selected, so big inputs are allocated one case at a time.
// Ratios are speed ratios measured in the same run (peer time / subject time, best of the reps):
// BENCHMARKS.md targets are stated as such ratios. A target that is missed is reported as MISSED;
// a validation that fails makes the whole run fail (exit code 1).

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace hypar_bench {

/// Run-wide settings from the command line.
struct Options {
  double scale = 1.0;       ///< input size factor: 1 = the sizes of BENCHMARKS.md
  int reps = 5;             ///< timed repetitions per contender
  std::size_t threads = 0;  ///< 0 = hypar's default
  /// `n` scaled by --scale, at least `minimum`.
  std::size_t scaled(std::size_t n, std::size_t minimum = 1) const;
};

/// One implementation taking part in a case.
struct Contender {
  std::string name;
  std::function<void()> prepare;          ///< untimed, before every run (may be empty)
  std::function<void()> run;              ///< the timed part
  std::function<std::string()> validate;  ///< after every run: "" when right, else what is wrong
  /// When set, the run timed its own work (e.g. a job under mpirun whose start-up is not part of
  /// the work): called after each run, it returns those seconds, which replace the wall time.
  std::function<double()> self_timed;
};

/// A speed requirement: `subject` must be at least `min_ratio` times as fast as `peer`.
/// A `min_ratio` below 1 states a fraction of the peer (0.9 = at least 90 % of it).
struct Target {
  std::string subject;
  std::string peer;
  double min_ratio = 1.0;
  std::string text;
};

/// A contender that could not take part in this build (e.g. a Rust peer without cargo).
struct Skipped {
  std::string name;
  std::string why;  ///< e.g. "skipped: cargo not found"
};

/// A benchmark case: one input, several contenders, targets between them.
struct Case {
  std::string input;      ///< what the input is, for the table
  double work = 0;        ///< amount of work per run (bytes or items) for throughput
  std::string work_unit;  ///< "bytes" (shown as GB/s) or "items" (shown as M items/s)
  std::vector<Contender> contenders;
  std::vector<Target> targets;
  /// Contenders that could not take part in this build: rows of the table and of the JSON,
  /// never timed (and no target may name them).
  std::vector<Skipped> skipped;

  Case& add(std::string name, std::function<void()> prepare, std::function<void()> run,
            std::function<std::string()> validate = {});
  Case& target(std::string subject, std::string peer, double min_ratio, std::string text);
};

using CaseFactory = std::function<Case(const Options&)>;

/// Registers a case under group/name; used through HYPAR_BENCH_CASE.
bool register_case(std::string group, std::string name, CaseFactory factory);

/// Everything registered, in registration order within a group, groups sorted.
struct RegisteredCase {
  std::string group;
  std::string name;
  CaseFactory factory;
};
std::vector<RegisteredCase> registered_cases();

/// Runs a shell command and returns its standard output; a failure to start it or a non-zero
/// exit is described in `error` (if given). For cases that time whole programs.
std::string shell(const std::string& command, std::string* error = nullptr);
/// `s` in single quotes for the shell (paths made by the benchmark hold no quote).
inline std::string quote(const std::string& s) {
  return "'" + s + "'";
}

/// Keeps a value alive and opaque to the optimiser (so a computed sum is not thrown away).
template <class T>
inline void keep(const T& value) {
  asm volatile("" : : "r,m"(value) : "memory");
}

}  // namespace hypar_bench

#define HYPAR_BENCH_CONCAT_(a, b) a##b
#define HYPAR_BENCH_CONCAT(a, b) HYPAR_BENCH_CONCAT_(a, b)
#define HYPAR_BENCH_CASE(group, name)                                                              \
  static ::hypar_bench::Case HYPAR_BENCH_CONCAT(hypar_bench_case_,                                 \
                                                __LINE__)(const ::hypar_bench::Options& opt);      \
  [[maybe_unused]] static const bool HYPAR_BENCH_CONCAT(hypar_bench_registered_, __LINE__) =       \
      ::hypar_bench::register_case(group, name, &HYPAR_BENCH_CONCAT(hypar_bench_case_, __LINE__)); \
  static ::hypar_bench::Case HYPAR_BENCH_CONCAT(                                                   \
      hypar_bench_case_, __LINE__)([[maybe_unused]] const ::hypar_bench::Options& opt)
