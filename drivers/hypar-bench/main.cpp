// hypar-bench: runs every selected case, prints a table (and JSON), exits 1 if any output was
// wrong.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <hypar/hypar.hpp>
#include <hypar/kernels.hpp>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "bench.hpp"

namespace {

using hypar::bench::Case;
using hypar::bench::Options;

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

const Timing* find(const std::vector<Timing>& timings, const std::string& name) {
  for (const auto& t : timings) {
    if (t.name == name)
      return &t;
  }
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "hypar-bench: every hypar pattern against its peers, side by side in one run.\n"
      "Only ratios measured in the same run count; targets come from BENCHMARKS.md."};
  Options opt;
  std::string filter = ".*";
  std::string json_path;
  bool list = false;
  bool quiet = false;
  int settle_ms = 30;
  app.add_option("--filter", filter, "regular expression over group/name (default: all)");
  app.add_option("--reps", opt.reps, "timed repetitions per contender (best and median reported)")
      ->check(CLI::Range(1, 1000));
  app.add_option("--scale", opt.scale, "input size factor; 1 = the sizes of BENCHMARKS.md")
      ->check(CLI::Range(1e-6, 100.0));
  app.add_option("--threads", opt.threads, "threads for hypar and the peers (default: hypar's)");
  app.add_option("--json", json_path, "also write the results as JSON to this file ('-' = stdout)");
  app.add_option("--settle-ms", settle_ms,
                 "pause before each timed run, so that spinning workers of the previous contender "
                 "(oneTBB's, OpenMP's) have gone to sleep (default 30)")
      ->check(CLI::Range(0, 10000));
  app.add_flag("--list", list, "list the cases and exit");
  app.add_flag("--quiet", quiet, "no table on stdout (with --json -, only JSON)");
  app.set_version_flag("--version", std::string("hypar-bench ") + hypar::version_string);
  CLI11_PARSE(app, argc, argv);

  std::regex selected;
  try {
    selected = std::regex(filter);
  } catch (const std::regex_error& e) {
    std::fprintf(stderr, "hypar-bench: --filter '%s' is not a regular expression: %s\n",
                 filter.c_str(), e.what());
    return 2;
  }
  if (opt.threads == 0)
    opt.threads = hypar::default_num_threads();

  const auto cases = hypar::bench::registered_cases();
  if (list) {
    for (const auto& rc : cases)
      std::printf("%s/%s\n", rc.group.c_str(), rc.name.c_str());
    return 0;
  }

  nlohmann::json report;
  report["hypar_version"] = hypar::version_string;
  report["kernels_isa"] = hypar::kernels::compiled_isa();
  report["threads"] = opt.threads;
  report["scale"] = opt.scale;
  report["reps"] = opt.reps;
  report["cases"] = nlohmann::json::array();

  const bool table = !quiet;
  if (table) {
    std::printf("hypar-bench %s: %zu threads, kernels for %s, scale %g, %d reps\n",
                hypar::version_string, opt.threads, hypar::kernels::compiled_isa(), opt.scale,
                opt.reps);
    std::printf("%-44s %-34s %10s %10s %14s %8s\n", "case", "implementation", "best ms",
                "median ms", "throughput", "vs 1st");
  }

  int wrong = 0, missed = 0, met = 0;
  for (const auto& rc : cases) {
    const std::string full = rc.group + "/" + rc.name;
    if (!std::regex_search(full, selected))
      continue;
    Case c = rc.factory(opt);
    std::vector<Timing> timings;
    for (const auto& contender : c.contenders)
      timings.push_back({contender.name, {}, {}});
    // Alternate the contenders rep by rep, so drift in the machine's speed hits all alike.
    for (int rep = 0; rep < opt.reps; ++rep) {
      for (std::size_t i = 0; i < c.contenders.size(); ++i) {
        auto& contender = c.contenders[i];
        if (contender.prepare)
          contender.prepare();
        if (settle_ms > 0)
          std::this_thread::sleep_for(std::chrono::milliseconds(settle_ms));
        const auto start = std::chrono::steady_clock::now();
        contender.run();
        const auto stop = std::chrono::steady_clock::now();
        timings[i].seconds.push_back(contender.self_timed
                                         ? contender.self_timed()
                                         : std::chrono::duration<double>(stop - start).count());
        if (contender.validate && timings[i].error.empty())
          timings[i].error = contender.validate();
      }
    }

    nlohmann::json jc;
    jc["group"] = rc.group;
    jc["name"] = rc.name;
    jc["input"] = c.input;
    jc["work"] = c.work;
    jc["work_unit"] = c.work_unit;
    jc["results"] = nlohmann::json::array();
    const double first_best = timings.empty() ? 0 : timings.front().best();
    for (const auto& t : timings) {
      const double ratio = t.best() > 0 ? first_best / t.best() : 0;
      if (table) {
        std::printf("%-44s %-34s %10.3f %10.3f %14s %7.2fx%s\n", full.c_str(), t.name.c_str(),
                    t.best() * 1e3, t.median() * 1e3, throughput(c, t.best()).c_str(), ratio,
                    t.error.empty() ? "" : "  WRONG");
      }
      if (!t.error.empty()) {
        ++wrong;
        std::fprintf(stderr, "hypar-bench: %s: %s produced a wrong result: %s\n", full.c_str(),
                     t.name.c_str(), t.error.c_str());
      }
      jc["results"].push_back({{"implementation", t.name},
                               {"best_seconds", t.best()},
                               {"median_seconds", t.median()},
                               {"valid", t.error.empty()},
                               {"error", t.error}});
    }
    jc["targets"] = nlohmann::json::array();
    for (const auto& target : c.targets) {
      const Timing* subject = find(timings, target.subject);
      const Timing* peer = find(timings, target.peer);
      if (subject == nullptr || peer == nullptr) {
        std::fprintf(stderr, "hypar-bench: %s: target names an unknown contender\n", full.c_str());
        ++wrong;
        continue;
      }
      const double ratio = peer->best() / subject->best();
      const bool ok = ratio >= target.min_ratio;
      ok ? ++met : ++missed;
      if (table) {
        std::printf("%-44s   target: %s: %s / %s = %.2fx -> %s\n", "", target.text.c_str(),
                    target.subject.c_str(), target.peer.c_str(), ratio, ok ? "met" : "MISSED");
      }
      jc["targets"].push_back({{"subject", target.subject},
                               {"peer", target.peer},
                               {"min_ratio", target.min_ratio},
                               {"ratio", ratio},
                               {"met", ok},
                               {"text", target.text}});
    }
    report["cases"].push_back(jc);
    std::fflush(stdout);
  }
  report["targets_met"] = met;
  report["targets_missed"] = missed;
  report["wrong_results"] = wrong;
  if (table)
    std::printf("targets: %d met, %d missed; wrong results: %d\n", met, missed, wrong);

  if (!json_path.empty()) {
    if (json_path == "-") {
      std::cout << report.dump(2) << "\n";
    } else {
      std::ofstream out(json_path);
      out << report.dump(2) << "\n";
      if (!out) {
        std::fprintf(stderr, "hypar-bench: cannot write %s\n", json_path.c_str());
        return 2;
      }
    }
  }
  return wrong == 0 ? 0 : 1;
}
