// Seed pattern "Pipeline Parallelism": items flow through stages that run at the same time,
// connected by bounded channels. First the seed's two-stage helper, then the builder with an
// ordered stage: parse numbers from text on 2 workers, square them on 2 workers, format them in
// input order. Both checked against the sequential composition of the stages.
#include <algorithm>
#include <cstdio>
#include <hypar/hypar.hpp>
#include <string>
#include <vector>

int main() {
  std::vector<int> input(100'000);
  for (int i = 0; i < static_cast<int>(input.size()); ++i)
    input[static_cast<std::size_t>(i)] = i;

  // The seed's helper: stage1 on a pool of workers, stage2 on one, unordered results.
  auto stage1 = [](int x) { return static_cast<long>(x) * x; };
  auto stage2 = [](long y) { return y % 1000; };
  std::vector<long> out = hypar::pipeline(input, stage1, stage2);
  std::vector<long> want;
  for (int x : input)
    want.push_back(stage2(stage1(x)));
  std::sort(out.begin(), out.end());
  std::sort(want.begin(), want.end());
  const bool helper_ok = out == want;

  // The builder: text -> number -> square -> text, the last stage in input order.
  std::vector<std::string> lines;
  for (int i = 0; i < 1000; ++i)
    lines.push_back(std::to_string(i));
  const std::vector<std::string> squares =
      hypar::Pipeline::from(lines)
          .stage([](const std::string& line) { return std::stol(line); },
                 {.workers = 2, .capacity = 64})
          .stage([](long x) { return x * x; }, {.workers = 2, .capacity = 64})
          .stage([](long y) { return "square " + std::to_string(y); }, {.ordered = true})
          .collect();
  bool builder_ok = squares.size() == lines.size();
  for (std::size_t i = 0; builder_ok && i < squares.size(); ++i) {
    builder_ok =
        squares[i] == "square " + std::to_string(static_cast<long>(i) * static_cast<long>(i));
  }

  std::printf("pipeline(): %zu items through 2 stages, %s\n", out.size(),
              helper_ok ? "equal to sequential" : "WRONG");
  std::printf("Pipeline::from(...): first %s, last %s (in input order: %s)\n",
              squares.front().c_str(), squares.back().c_str(), builder_ok ? "yes" : "NO");
  if (!helper_ok || !builder_ok)
    return 1;
  std::printf("OK\n");
  return 0;
}
