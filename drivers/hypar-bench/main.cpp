// hypar-bench: runs every selected case, prints a table (and JSON), exits 1 if any output was
// wrong. main() reads as its steps: parse the flags, then for each selected case run_case,
// print_rows and to_json, then the summary and write_json.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <hypar/hypar.hpp>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "bench.hpp"

namespace hypar_bench {
namespace {

/// The command line.
struct Settings {
  Options opt;
  std::string filter = ".*";
  std::string json_path;
  bool list = false;
  bool quiet = false;
  int settle_ms = 30;
};

/// Parses the flags into `s`; an exit code when the program should stop (--help, --version, a
/// bad flag), else nullopt.
std::optional<int> parse(int argc, char** argv, Settings& s) {
  CLI::App app{
      "hypar-bench: every hypar pattern against its peers, side by side in one run.\n"
      "Only ratios measured in the same run count; targets come from BENCHMARKS.md."};
  app.add_option("--filter", s.filter, "regular expression over group/name (default: all)");
  app.add_option("--reps", s.opt.reps, "timed repetitions per contender (best and median reported)")
      ->check(CLI::Range(1, 1000));
  app.add_option("--scale", s.opt.scale, "input size factor; 1 = the sizes of BENCHMARKS.md")
      ->check(CLI::Range(1e-6, 100.0));
  app.add_option("--threads", s.opt.threads, "threads for hypar and the peers (default: hypar's)");
  app.add_option("--json", s.json_path,
                 "also write the results as JSON to this file ('-' = stdout)");
  app.add_option("--settle-ms", s.settle_ms,
                 "pause before each timed run, so that spinning workers of the previous contender "
                 "(oneTBB's, OpenMP's) have gone to sleep (default 30)")
      ->check(CLI::Range(0, 10000));
  app.add_flag("--list", s.list, "list the cases and exit");
  app.add_flag("--quiet", s.quiet, "no table on stdout (with --json -, only JSON)");
  app.set_version_flag("--version", std::string("hypar-bench ") + hypar::version_string);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (s.opt.threads == 0)
    s.opt.threads = hypar::default_num_threads();
  return std::nullopt;
}

/// The times of one contender over the repetitions.
struct Timing {
  std::string name;
  std::vector<double> seconds;
  std::string error;  // first validation failure, if any
  double best() const { return *std::min_element(seconds.begin(), seconds.end()); }
  double median() const {
    std::vector<double> s = seconds;
    std::sort(s.begin(), s.end());
    return s.size() % 2 ? s[s.size() / 2] : 0.5 * (s[s.size() / 2 - 1] + s[s.size() / 2]);
  }
};

/// A target checked against the timings; `known` is false when it names no contender of the case.
struct TargetResult {
  Target target;
  bool known = false;
  double ratio = 0;
  bool met = false;
};

/// Everything one case produced.
struct CaseResult {
  std::string group, name;
  std::string full_name;  // group/name
  Case c;
  std::vector<Timing> timings;
  std::vector<TargetResult> targets;
};

const Timing* find(const std::vector<Timing>& timings, const std::string& name) {
  for (const auto& t : timings) {
    if (t.name == name)
      return &t;
  }
  return nullptr;
}

/// Times every contender of `rc` opt.reps times, validating each run, and checks the targets.
CaseResult run_case(const RegisteredCase& rc, const Options& opt, int settle_ms) {
  CaseResult r{rc.group, rc.name, rc.group + "/" + rc.name, rc.factory(opt), {}, {}};
  for (const auto& contender : r.c.contenders)
    r.timings.push_back({contender.name, {}, {}});
  // Alternate the contenders rep by rep, so drift in the machine's speed hits all alike.
  for (int rep = 0; rep < opt.reps; ++rep) {
    for (std::size_t i = 0; i < r.c.contenders.size(); ++i) {
      auto& contender = r.c.contenders[i];
      if (contender.prepare)
        contender.prepare();
      if (settle_ms > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(settle_ms));
      const auto start = std::chrono::steady_clock::now();
      contender.run();
      const auto stop = std::chrono::steady_clock::now();
      r.timings[i].seconds.push_back(contender.self_timed
                                         ? contender.self_timed()
                                         : std::chrono::duration<double>(stop - start).count());
      if (contender.validate && r.timings[i].error.empty())
        r.timings[i].error = contender.validate();
    }
  }
  for (const auto& target : r.c.targets) {
    TargetResult t{target, false, 0, false};
    const Timing* subject = find(r.timings, target.subject);
    const Timing* peer = find(r.timings, target.peer);
    if (subject != nullptr && peer != nullptr) {
      t.known = true;
      t.ratio = peer->best() / subject->best();
      t.met = t.ratio >= target.min_ratio;
    }
    r.targets.push_back(t);
  }
  return r;
}

std::string throughput(const Case& c, double seconds) {
  if (c.work <= 0 || seconds <= 0)
    return "";
  char buf[64];
  if (c.work_unit == "bytes") {
    std::snprintf(buf, sizeof buf, "%.2f GB/s", c.work / seconds / 1e9);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f M%s/s", c.work / seconds / 1e6,
                  c.work_unit.empty() ? "items" : c.work_unit.c_str());
  }
  return buf;
}

void print_header(const Options& opt) {
  std::printf("hypar-bench %s: %zu threads, kernels for %s, scale %g, %d reps\n",
              hypar::version_string, opt.threads, hypar::kernels::compiled_isa(), opt.scale,
              opt.reps);
  std::printf("%-44s %-34s %10s %10s %14s %8s\n", "case", "implementation", "best ms", "median ms",
              "throughput", "vs 1st");
}

/// The table rows of one case: a row per contender (speed relative to the first), a row per target.
void print_rows(const CaseResult& r) {
  const double first_best = r.timings.empty() ? 0 : r.timings.front().best();
  for (const auto& t : r.timings) {
    const double ratio = t.best() > 0 ? first_best / t.best() : 0;
    std::printf("%-44s %-34s %10.3f %10.3f %14s %7.2fx%s\n", r.full_name.c_str(), t.name.c_str(),
                t.best() * 1e3, t.median() * 1e3, throughput(r.c, t.best()).c_str(), ratio,
                t.error.empty() ? "" : "  WRONG");
  }
  for (const auto& s : r.c.skipped)
    std::printf("%-44s %-34s %s\n", r.full_name.c_str(), s.name.c_str(), s.why.c_str());
  for (const auto& t : r.targets) {
    if (!t.known)
      continue;
    std::printf("%-44s   target: %s: %s / %s = %.2fx -> %s\n", "", t.target.text.c_str(),
                t.target.subject.c_str(), t.target.peer.c_str(), t.ratio, t.met ? "met" : "MISSED");
  }
}

/// One case as JSON (the schema of BENCHMARKS.md).
nlohmann::json to_json(const CaseResult& r) {
  nlohmann::json jc;
  jc["group"] = r.group;
  jc["name"] = r.name;
  jc["input"] = r.c.input;
  jc["work"] = r.c.work;
  jc["work_unit"] = r.c.work_unit;
  jc["results"] = nlohmann::json::array();
  for (const auto& t : r.timings) {
    jc["results"].push_back({{"implementation", t.name},
                             {"best_seconds", t.best()},
                             {"median_seconds", t.median()},
                             {"valid", t.error.empty()},
                             {"error", t.error}});
  }
  jc["skipped"] = nlohmann::json::array();
  for (const auto& s : r.c.skipped)
    jc["skipped"].push_back({{"implementation", s.name}, {"why", s.why}});
  jc["targets"] = nlohmann::json::array();
  for (const auto& t : r.targets) {
    if (!t.known)
      continue;
    jc["targets"].push_back({{"subject", t.target.subject},
                             {"peer", t.target.peer},
                             {"min_ratio", t.target.min_ratio},
                             {"ratio", t.ratio},
                             {"met", t.met},
                             {"text", t.target.text}});
  }
  return jc;
}

/// The run's verdict so far: wrong results (and targets naming no contender), targets met/missed.
struct Tally {
  int wrong = 0, missed = 0, met = 0;
  /// Counts `r`, reporting each wrong result and each broken target on stderr.
  void add(const CaseResult& r) {
    for (const auto& t : r.timings) {
      if (!t.error.empty()) {
        ++wrong;
        std::fprintf(stderr, "hypar-bench: %s: %s produced a wrong result: %s\n",
                     r.full_name.c_str(), t.name.c_str(), t.error.c_str());
      }
    }
    for (const auto& t : r.targets) {
      if (!t.known) {
        std::fprintf(stderr, "hypar-bench: %s: target names an unknown contender\n",
                     r.full_name.c_str());
        ++wrong;
      } else {
        t.met ? ++met : ++missed;
      }
    }
  }
};

nlohmann::json run_header(const Options& opt) {
  nlohmann::json report;
  report["hypar_version"] = hypar::version_string;
  report["kernels_isa"] = hypar::kernels::compiled_isa();
  report["threads"] = opt.threads;
  report["scale"] = opt.scale;
  report["reps"] = opt.reps;
  report["cases"] = nlohmann::json::array();
  return report;
}

/// Writes `report` to `path` ("-": stdout); false (with a message) when it cannot.
bool write_json(const nlohmann::json& report, const std::string& path) {
  if (path == "-") {
    std::cout << report.dump(2) << "\n";
    return true;
  }
  std::ofstream out(path);
  out << report.dump(2) << "\n";
  if (!out) {
    std::fprintf(stderr, "hypar-bench: cannot write %s\n", path.c_str());
    return false;
  }
  return true;
}

}  // namespace
}  // namespace hypar_bench

int main(int argc, char** argv) {
  using namespace hypar_bench;
  Settings s;
  if (const auto code = parse(argc, argv, s))
    return *code;
  std::regex selected;
  try {
    selected = std::regex(s.filter);
  } catch (const std::regex_error& e) {
    std::fprintf(stderr, "hypar-bench: --filter '%s' is not a regular expression: %s\n",
                 s.filter.c_str(), e.what());
    return 2;
  }
  const auto cases = registered_cases();
  if (s.list) {
    for (const auto& rc : cases)
      std::printf("%s/%s\n", rc.group.c_str(), rc.name.c_str());
    return 0;
  }

  nlohmann::json report = run_header(s.opt);
  if (!s.quiet)
    print_header(s.opt);
  Tally tally;
  for (const auto& rc : cases) {
    if (!std::regex_search(rc.group + "/" + rc.name, selected))
      continue;
    const CaseResult result = run_case(rc, s.opt, s.settle_ms);
    if (!s.quiet)
      print_rows(result);
    tally.add(result);
    report["cases"].push_back(to_json(result));
    std::fflush(stdout);
  }
  report["targets_met"] = tally.met;
  report["targets_missed"] = tally.missed;
  report["wrong_results"] = tally.wrong;
  if (!s.quiet) {
    std::printf("targets: %d met, %d missed; wrong results: %d\n", tally.met, tally.missed,
                tally.wrong);
  }
  if (!s.json_path.empty() && !write_json(report, s.json_path))
    return 2;
  return tally.wrong == 0 ? 0 : 1;
}
