// hypar-heat against the loop nest users write themselves and against the memory roofline
// (BENCHMARKS.md "stencil"): the 2D heat step on an 8192 x 8192 grid. The peers run in this
// process: `#pragma omp parallel for` over rows with `omp simd` inside, two arrays swapped; and
// the in-run triad (24 bytes per element, the traffic of one lattice update with write-allocate)
// converted to lattice updates. hypar runs as the real program under mpirun (1 rank x 2 threads
// and 2 ranks x 1 thread, plain sweep and temporal blocking), timing its own stepping (the JSON
// summary's `seconds`). Every contender starts from the sine mode sin(pi x) sin(pi y) and is
// checked against the exact discrete solution G^n u0.
#ifdef HYPAR_HEAT_PROGRAM

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <numbers>
#include <string>
#include <vector>

#include "bench.hpp"

namespace hypar_bench {
namespace {

constexpr double r = 0.25;

/// G^steps of the sine mode (1, 1) on an n x n grid: the exact discrete solution's factor.
double growth(std::size_t n, int steps) {
  const double s = std::sin(std::numbers::pi / (2.0 * static_cast<double>(n + 1)));
  return std::pow(1 - 8 * r * s * s, steps);
}

double mode(std::size_t n, std::size_t i, std::size_t j) {
  const double h = 1.0 / static_cast<double>(n + 1);
  return std::sin(std::numbers::pi * static_cast<double>(i + 1) * h) *
         std::sin(std::numbers::pi * static_cast<double>(j + 1) * h);
}

/// The naive loop nest on an (n + 2)^2 array with a zero frame.
struct Naive {
  std::size_t n;
  std::vector<double> a, b;
  explicit Naive(std::size_t size) : n(size), a((size + 2) * (size + 2)), b(a.size()) {}
  void reset(int threads) {
    const std::size_t w = n + 2;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::size_t j = 0; j < w; ++j) {
      for (std::size_t i = 0; i < w; ++i) {
        const bool inside = i >= 1 && i <= n && j >= 1 && j <= n;
        a[j * w + i] = inside ? mode(n, i - 1, j - 1) : 0.0;
        b[j * w + i] = 0.0;
      }
    }
  }
  void steps(int count, int threads) {
    const std::size_t w = n + 2;
    for (int s = 0; s < count; ++s) {
      const double* in = a.data();
      double* out = b.data();
#pragma omp parallel for num_threads(threads) schedule(static)
      for (std::size_t j = 1; j <= n; ++j) {
#pragma omp simd
        for (std::size_t i = 1; i <= n; ++i) {
          const std::size_t k = j * w + i;
          out[k] = in[k] + r * (in[k + 1] + in[k - 1] + in[k + w] + in[k - w] - 4.0 * in[k]);
        }
      }
      std::swap(a, b);
    }
  }
  std::string check(int count) const {
    const double g = growth(n, count);
    double worst = 0;
    const std::size_t w = n + 2, stride = std::max<std::size_t>(1, n / 97);
    for (std::size_t j = 0; j < n; j += stride)
      for (std::size_t i = 0; i < n; i += stride)
        worst = std::max(worst, std::abs(a[(j + 1) * w + i + 1] - g * mode(n, i, j)));
    return worst < 1e-10 ? "" : "error " + std::to_string(worst) + " against G^n u0";
  }
};

/// hypar-heat under mpirun: adds a self-timed contender running the sine mode for `steps` steps.
void add_hypar(Case& c, std::size_t n, int steps, int ranks, int threads, const std::string& extra,
               const std::string& label) {
  auto seconds = std::make_shared<double>(0);
  auto failure = std::make_shared<std::string>();
  const std::string binding = threads == 1 ? "--bind-to core" : "--bind-to none";
  const std::string command =
      "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 HYPAR_NO_LAYOUT_WARNING=1 mpirun "
      "--oversubscribe -n " +
      std::to_string(ranks) + " " + binding + " " + quote(HYPAR_HEAT_PROGRAM) + " --nx " +
      std::to_string(n) + " --ny " + std::to_string(n) + " --steps " + std::to_string(steps) +
      " --init sine:1,1 --r 0.25 --threads " + std::to_string(threads) +
      " --format json --no-progress " + extra;
  c.add(
      label, {},
      [=] {
        failure->clear();
        const std::string out = shell(command, failure.get());
        if (!failure->empty())
          return;
        try {
          const auto j = nlohmann::json::parse(out);
          *seconds = j.at("seconds").get<double>();
          const double error = j.at("max_relative_error").get<double>();
          if (!(error < 1e-10))
            *failure = "hypar-heat: relative error " + std::to_string(error) + " against G^n u0";
        } catch (const std::exception& e) {
          *failure = std::string("hypar-heat: unreadable summary: ") + e.what() + ": " + out;
        }
      },
      [=] { return *failure; });
  c.contenders.back().self_timed = [=] { return *seconds; };
}

}  // namespace

HYPAR_BENCH_CASE("stencil", "heat2d/8192") {
  const std::size_t n = std::max<std::size_t>(
      64, static_cast<std::size_t>(8192 * std::sqrt(std::max(opt.scale, 1e-9))));
  const int steps = 48;  // a multiple of every time block hypar-heat picks
  const int threads = static_cast<int>(opt.threads);
  auto naive = std::make_shared<Naive>(n);
  Case c;
  c.input = std::to_string(n) + " x " + std::to_string(n) + " doubles, " + std::to_string(steps) +
            " steps";
  c.work = static_cast<double>(n) * static_cast<double>(n) * steps;
  c.work_unit = "items";
  c.add(
      "omp parallel for + simd (naive)", [=] { naive->reset(threads); },
      [=] { naive->steps(steps, threads); }, [=] { return naive->check(steps); });
  // The roofline: the in-run triad a = b + 3 c moves 32 bytes per element (two reads, a write and
  // its write-allocate read); the naive update moves 24 (read u, write u' with write-allocate), so
  // `steps` updates of n^2 cells at the triad's bandwidth take steps * triad time * 24 / 32.
  auto third = std::make_shared<std::vector<double>>(n * n, 1.0);
  auto triad_seconds = std::make_shared<double>(0);
  const std::string roofline = "roofline (in-run triad bandwidth / 24 B per update)";
  c.add(roofline, {},
        [=] {
          const std::size_t m = n * n;
          double* pa = naive->b.data();
          const double* pb = naive->a.data();
          const double* pc = third->data();
          const double t0 = omp_get_wtime();
#pragma omp parallel for simd num_threads(threads) schedule(static)
          for (std::size_t i = 0; i < m; ++i)
            pa[i] = pb[i] + 3.0 * pc[i];
          *triad_seconds = (omp_get_wtime() - t0) * steps * 24.0 / 32.0;
        },
        {});
  c.contenders.back().self_timed = [=] { return *triad_seconds; };
  const std::string t = std::to_string(threads) + (threads == 1 ? " thread" : " threads");
  const std::string plain = "hypar-heat plain 1 rank x " + t, blocked = "hypar-heat 1 rank x " + t;
  const std::string ranks = "hypar-heat " + std::to_string(threads) + " ranks x 1 thread";
  add_hypar(c, n, steps, 1, threads, "--time-block 1", plain);
  add_hypar(c, n, steps, 1, threads, "", blocked);
  add_hypar(c, n, steps, threads, 1, "", ranks);
  c.target(plain, roofline, 0.8, "the plain sweep at least 0.8x the memory roofline");
  c.target(plain, "omp parallel for + simd (naive)", 1.0,
           "the plain sweep at least the naive loop");
  c.target(blocked, "omp parallel for + simd (naive)", 2.0,
           "temporal blocking (chosen by default) at least 2x the naive loop");
  c.target(ranks, blocked, 0.9, "ranks x 1 thread at least 0.9x 1 rank x threads");
  return c;
}

}  // namespace hypar_bench

#endif  // HYPAR_HEAT_PROGRAM
