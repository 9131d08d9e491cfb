// Seed pattern "collection sorts": Rayon's
//     data.par_sort();                          // parallel sort
//     data.par_sort_by(|a, b| b.cmp(a));        // custom comparator (descending)
//     data.par_sort_by_key(|x| x.abs());        // by key
// with hypar::par_sort, par_sort_by (a three-way comparator) and par_sort_by_key, each checked
// against std::stable_sort. Exits non-zero on a mismatch.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <hypar/sort.hpp>
#include <random>
#include <vector>

namespace {

std::vector<std::int32_t> generate_data(std::size_t n) {
  std::mt19937 rng(2024);
  std::uniform_int_distribution<std::int32_t> dist(-1'000'000, 1'000'000);
  std::vector<std::int32_t> v(n);
  for (auto& x : v)
    x = dist(rng);
  return v;
}

bool check(const char* what, const std::vector<std::int32_t>& got,
           const std::vector<std::int32_t>& want) {
  const bool ok = got == want;
  std::printf("%-40s %s (first %d, last %d)\n", what, ok ? "matches std::stable_sort" : "MISMATCH",
              got.empty() ? 0 : got.front(), got.empty() ? 0 : got.back());
  return ok;
}

}  // namespace

int main() {
  const std::vector<std::int32_t> data = generate_data(2'000'000);
  bool ok = true;

  // Parallel sort
  std::vector<std::int32_t> a = data;
  hypar::par_sort(a);
  std::vector<std::int32_t> want = data;
  std::stable_sort(want.begin(), want.end());
  ok &= check("par_sort", a, want);

  // Parallel sort with custom comparator (descending, like b.cmp(a))
  std::vector<std::int32_t> b = data;
  hypar::par_sort_by(b, [](std::int32_t x, std::int32_t y) { return y <=> x; });
  want = data;
  std::stable_sort(want.begin(), want.end(), [](std::int32_t x, std::int32_t y) { return y < x; });
  ok &= check("par_sort_by(|a, b| b.cmp(a))", b, want);

  // Parallel sort by key (stable: equal |x| keep their order)
  std::vector<std::int32_t> c = data;
  hypar::par_sort_by_key(c, [](std::int32_t x) { return std::abs(x); });
  want = data;
  std::stable_sort(want.begin(), want.end(),
                   [](std::int32_t x, std::int32_t y) { return std::abs(x) < std::abs(y); });
  ok &= check("par_sort_by_key(|x| x.abs())", c, want);

  std::printf("sorted %zu items three ways on %zu threads\n", data.size(),
              hypar::current_num_threads());
  if (!ok) {
    std::fprintf(stderr, "MISMATCH\n");
    return 1;
  }
  std::printf("OK\n");
  return 0;
}
