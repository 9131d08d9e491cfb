// The case registry of hypar-bench.
#include "bench.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <utility>

namespace hypar_bench {

std::size_t Options::scaled(std::size_t n, std::size_t minimum) const {
  const double value = std::floor(static_cast<double>(n) * scale);
  return std::max(minimum, static_cast<std::size_t>(value));
}

Case& Case::add(std::string name, std::function<void()> prepare, std::function<void()> run,
                std::function<std::string()> validate) {
  contenders.push_back(
      {std::move(name), std::move(prepare), std::move(run), std::move(validate), {}});
  return *this;
}

Case& Case::target(std::string subject, std::string peer, double min_ratio, std::string text) {
  targets.push_back({std::move(subject), std::move(peer), min_ratio, std::move(text)});
  return *this;
}

namespace {
std::vector<RegisteredCase>& registry() {
  static std::vector<RegisteredCase> cases;  // filled by static initialisers, read by main
  return cases;
}
}  // namespace

bool register_case(std::string group, std::string name, CaseFactory factory) {
  registry().push_back({std::move(group), std::move(name), std::move(factory)});
  return true;
}

std::vector<RegisteredCase> registered_cases() {
  std::vector<RegisteredCase> cases = registry();
  std::stable_sort(
      cases.begin(), cases.end(),
      [](const RegisteredCase& a, const RegisteredCase& b) { return a.group < b.group; });
  return cases;
}

std::string shell(const std::string& command, std::string* error) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) {
    if (error)
      *error = "cannot run: " + command;
    return out;
  }
  char buffer[65536];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
    out.append(buffer, n);
  const int status = pclose(pipe);
  if (error && (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
    *error = "'" + command + "' failed (status " + std::to_string(status) + ")";
  }
  return out;
}

}  // namespace hypar_bench
