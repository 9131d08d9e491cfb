// Memory bandwidth references (STREAM-style), measured in the same run as everything else: the
// rooflines that the reduction, map and stencil targets are stated against.
#include <omp.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "bench.hpp"

namespace hypar_bench {
namespace {

std::string close_to(double got, double want) {
  if (std::abs(got - want) <= 1e-9 * std::abs(want) + 1e-9)
    return "";
  return "expected " + std::to_string(want) + ", got " + std::to_string(got);
}

}  // namespace

HYPAR_BENCH_CASE("memory", "read/f64") {
  const std::size_t n = opt.scaled(std::size_t{1} << 25, 1024);
  const int threads = static_cast<int>(opt.threads);
  auto x = std::make_shared<std::vector<double>>(n);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (std::size_t i = 0; i < n; ++i)
    (*x)[i] = 1.0 + static_cast<double>(i % 7);
  double want = 0;
  for (std::size_t i = 0; i < n; ++i)
    want += 1.0 + static_cast<double>(i % 7);
  auto result = std::make_shared<double>(0);
  Case c;
  c.input = std::to_string(n) + " doubles";
  c.work = static_cast<double>(n * sizeof(double));
  c.work_unit = "bytes";
  c.add(
      "omp parallel for simd reduction", {},
      [=] {
        double s = 0;
        const double* p = x->data();
#pragma omp parallel for simd reduction(+ : s) num_threads(threads) schedule(static)
        for (std::size_t i = 0; i < n; ++i)
          s += p[i];
        *result = s;
      },
      [=] { return close_to(*result, want); });
  return c;
}

HYPAR_BENCH_CASE("memory", "triad/f64") {
  const std::size_t n = opt.scaled(std::size_t{1} << 25, 1024);
  const int threads = static_cast<int>(opt.threads);
  auto a = std::make_shared<std::vector<double>>(n);
  auto b = std::make_shared<std::vector<double>>(n);
  auto d = std::make_shared<std::vector<double>>(n);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (std::size_t i = 0; i < n; ++i) {
    (*b)[i] = static_cast<double>(i % 13);
    (*d)[i] = static_cast<double>(i % 5);
    (*a)[i] = 0;
  }
  Case c;
  c.input = std::to_string(n) + " doubles, a = b + 3 c";
  c.work = static_cast<double>(3 * n * sizeof(double));
  c.work_unit = "bytes";
  c.add(
      "omp parallel for simd triad", {},
      [=] {
        double* pa = a->data();
        const double* pb = b->data();
        const double* pd = d->data();
#pragma omp parallel for simd num_threads(threads) schedule(static)
        for (std::size_t i = 0; i < n; ++i)
          pa[i] = pb[i] + 3.0 * pd[i];
      },
      [=]() -> std::string {
        for (std::size_t i = 0; i < n; i += 997) {
          if ((*a)[i] != static_cast<double>(i % 13) + 3.0 * static_cast<double>(i % 5))
            return "triad wrong";
        }
        return "";
      });
  return c;
}

}  // namespace hypar_bench
