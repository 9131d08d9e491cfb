// Parallel iterators and fork-join against raw OpenMP and oneTBB (BENCHMARKS.md rows: sum /
// reduce f64, map triad, par_chunks + sin sum, fork-join). hypar runs on the calling thread with
// its default thread count, or inside a ThreadPool when --threads asks for another count; the
// peers use the same count. The Rust peers (rust_peers.hpp) are the seed's Rayon snippets on the
// same inputs with as many Rayon threads; par/chunks-sqrt/f32 and par/sum-of-squares/i64 are the
// seed's sqrt and sum-of-squares loops, written with hypar beside their Rayon originals.
#include <omp.h>
#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_reduce.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <functional>
#include <hypar/hypar.hpp>
#include <hypar/kernels.hpp>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "bench.hpp"
#include "rust_peers.hpp"

namespace hypar_bench {
namespace {

std::size_t thread_count(const hypar_bench::Options& opt) {
  return opt.threads != 0 ? opt.threads : hypar::default_num_threads();
}

/// Runs hypar's side on the calling thread (like the peers) when the run uses hypar's default
/// thread count, else inside a pool of the requested size (then each run pays install()'s two
/// thread hand-offs).
class Runner {
 public:
  explicit Runner(std::size_t threads) {
    if (threads != hypar::default_num_threads()) {
      pool_ = std::make_shared<hypar::ThreadPool>(
          hypar::ThreadPoolBuilder().num_threads(threads).build());
    }
  }
  template <class F>
  auto install(F&& f) const {
    if (pool_)
      return pool_->install(std::forward<F>(f));
    return f();
  }

 private:
  std::shared_ptr<hypar::ThreadPool> pool_;
};

std::shared_ptr<Runner> make_pool(std::size_t threads) {
  return std::make_shared<Runner>(threads);
}

std::string close_to(double got, double want, double tolerance) {
  if (std::abs(got - want) <= tolerance)
    return "";
  return "expected " + std::to_string(want) + ", got " + std::to_string(got);
}

}  // namespace

HYPAR_BENCH_CASE("par", "sum/f64") {
  const std::size_t n = opt.scaled(std::size_t{1} << 25, 1024);
  const std::size_t threads = thread_count(opt);
  auto pool = make_pool(threads);
  auto x = std::make_shared<std::vector<double>>(n);
  pool->install([&] {
    hypar::par_iter_mut(*x).enumerate().for_each([](std::pair<std::size_t, double&> p) {
      p.second = 1.0 + static_cast<double>(p.first % 7) * 0.25;
    });
  });
  double want = 0;
  for (double v : *x)
    want += v;
  const double tolerance = 1e-12 * want;
  auto result = std::make_shared<double>(0);
  auto check = [=] { return close_to(*result, want, tolerance); };
  const int nt = static_cast<int>(threads);
  Case c;
  c.input = std::to_string(n) + " doubles";
  c.work = static_cast<double>(n * sizeof(double));
  c.work_unit = "bytes";
  c.add(
      "hypar sum", {}, [=] { *result = pool->install([&] { return hypar::par_iter(*x).sum(); }); },
      check);
  c.add(
      "hypar deterministic sum", {},
      [=] { *result = pool->install([&] { return hypar::par_iter(*x).deterministic().sum(); }); },
      check);
  c.add(
      "hypar reduce(+)", {},
      [=] {
        *result = pool->install(
            [&] { return hypar::par_iter(*x).reduce([] { return 0.0; }, std::plus<>()); });
      },
      check);
  c.add(
      "stream read (omp, 16 lanes)", {},
      [=] {
        const double* p = x->data();
        double s = 0;
#pragma omp parallel num_threads(nt) reduction(+ : s)
        {
          const std::size_t t = static_cast<std::size_t>(omp_get_thread_num());
          const std::size_t nthr = static_cast<std::size_t>(omp_get_num_threads());
          const std::size_t lo = n * t / nthr;
          const std::size_t hi = n * (t + 1) / nthr;
          double acc[16] = {};
          std::size_t i = lo;
          for (; i + 16 <= hi; i += 16) {
            for (std::size_t l = 0; l < 16; ++l)
              acc[l] += p[i + l];
          }
          for (; i < hi; ++i)
            acc[0] += p[i];
          for (double a : acc)
            s += a;
        }
        *result = s;
      },
      check);
  // TBB's workers keep spinning for a while after parallel_reduce returns, which slows whatever
  // runs next on a 2-core node: the contender after it is a non-target peer (the harness runs
  // contenders round-robin in this order).
  c.add(
      "tbb::parallel_reduce", {},
      [=] {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
        *result = tbb::parallel_reduce(
            tbb::blocked_range<std::size_t>(0, n), 0.0,
            [&](const tbb::blocked_range<std::size_t>& r, double s) {
              for (std::size_t i = r.begin(); i != r.end(); ++i)
                s += (*x)[i];
              return s;
            },
            std::plus<>());
      },
      check);
  c.add(
      "omp parallel for simd reduction", {},
      [=] {
        const double* p = x->data();
        double s = 0;
#pragma omp parallel for simd reduction(+ : s) num_threads(nt) schedule(static)
        for (std::size_t i = 0; i < n; ++i)
          s += p[i];
        *result = s;
      },
      check);
  add_rust_peer(c, "rust:rayon par_iter().sum()",
                "sum-f64 --items " + std::to_string(n) + " --threads " + std::to_string(threads),
                rust_close("check", want, tolerance));
  c.target("hypar sum", "stream read (omp, 16 lanes)", 0.9,
           "at least 90 % of the in-run read bandwidth");
  c.target("hypar deterministic sum", "stream read (omp, 16 lanes)", 0.8,
           "deterministic() at least 80 % of the read bandwidth");
  return c;
}

HYPAR_BENCH_CASE("par", "map-triad/f64") {
  const std::size_t n = opt.scaled(std::size_t{1} << 25, 1024);
  const std::size_t threads = thread_count(opt);
  auto pool = make_pool(threads);
  auto a = std::make_shared<std::vector<double>>(n, 0.0);
  auto b = std::make_shared<std::vector<double>>(n);
  auto d = std::make_shared<std::vector<double>>(n);
  for (std::size_t i = 0; i < n; ++i) {
    (*b)[i] = static_cast<double>(i % 13);
    (*d)[i] = static_cast<double>(i % 5);
  }
  auto check = [=]() -> std::string {
    for (std::size_t i = 0; i < n; i += 997) {
      if ((*a)[i] != static_cast<double>(i % 13) + 3.0 * static_cast<double>(i % 5))
        return "triad wrong at " + std::to_string(i);
    }
    return "";
  };
  auto reset = [=] {
    (*a)[0] = -1;
    (*a)[n - 1] = -1;
  };
  const int nt = static_cast<int>(threads);
  Case c;
  c.input = std::to_string(n) + " doubles, a = b + 3 d";
  c.work = static_cast<double>(3 * n * sizeof(double));
  c.work_unit = "bytes";
  c.add(
      "hypar zip for_each", reset,
      [=] {
        pool->install([&] {
          hypar::par_iter_mut(*a)
              .zip(hypar::par_iter(*b))
              .zip(hypar::par_iter(*d))
              .for_each([](auto p) { p.first.first = p.first.second + 3.0 * p.second; });
        });
      },
      check);
  c.add(
      "hypar map collect_into", reset,
      [=] {
        pool->install([&] {
          hypar::par_iter(*b)
              .zip(hypar::par_iter(*d))
              .map([](auto p) { return p.first + 3.0 * p.second; })
              .collect_into(*a);
        });
      },
      check);
  c.add(
      "omp parallel for simd triad", reset,
      [=] {
        double* pa = a->data();
        const double* pb = b->data();
        const double* pd = d->data();
#pragma omp parallel for simd num_threads(nt) schedule(static)
        for (std::size_t i = 0; i < n; ++i)
          pa[i] = pb[i] + 3.0 * pd[i];
      },
      check);
  double triad_sum = 0;
  for (std::size_t i = 0; i < n; ++i)
    triad_sum += static_cast<double>(i % 13) + 3.0 * static_cast<double>(i % 5);
  add_rust_peer(c, "rust:rayon par_iter_mut zip for_each",
                "map-triad --items " + std::to_string(n) + " --threads " + std::to_string(threads),
                rust_close("check", triad_sum, 0.0));
  c.target("hypar zip for_each", "omp parallel for simd triad", 0.9, "at least 90 % of raw OpenMP");
  return c;
}

HYPAR_BENCH_CASE("par", "chunks-sin-sum/f64") {
  const std::size_t n = opt.scaled(100'000'000, 20'000);
  const std::size_t chunk = 10'000;
  const std::size_t threads = thread_count(opt);
  auto pool = make_pool(threads);
  auto x = std::make_shared<std::vector<double>>(n);
  for (std::size_t i = 0; i < n; ++i)
    (*x)[i] = static_cast<double>(i % 10'000) * 1e-3;
  double want = 0;
  for (std::size_t i = 0; i < n; i += chunk) {
    want += hypar::kernels::sin_sum(std::span<const double>(*x).subspan(i, std::min(chunk, n - i)));
  }
  auto result = std::make_shared<double>(0);
  auto check = [=] { return close_to(*result, want, 1e-9 * static_cast<double>(n)); };
  const int nt = static_cast<int>(threads);
  Case c;
  c.input = std::to_string(n) + " doubles, chunks of 10000";
  c.work = static_cast<double>(n);
  c.work_unit = "items";
  c.add(
      "hypar par_chunks + kernels::sin_sum", {},
      [=] {
        *result = pool->install([&] {
          return hypar::par_chunks(*x, chunk)
              .map([](std::span<const double> s) { return hypar::kernels::sin_sum(s); })
              .sum();
        });
      },
      check);
  c.add(
      "hypar par_chunks + std::sin loop", {},
      [=] {
        *result = pool->install([&] {
          return hypar::par_chunks(*x, chunk)
              .map([](std::span<const double> s) {
                double sum = 0;
                for (double v : s)
                  sum += std::sin(v);
                return sum;
              })
              .sum();
        });
      },
      check);
  c.add(
      "scalar std::sin loop (1 thread)", {},
      [=] {
        double s = 0;
        for (double v : *x)
          s += std::sin(v);
        *result = s;
      },
      check);
  c.add(
      "omp parallel for std::sin", {},
      [=] {
        const double* p = x->data();
        double s = 0;
#pragma omp parallel for reduction(+ : s) num_threads(nt) schedule(static)
        for (std::size_t i = 0; i < n; ++i)
          s += std::sin(p[i]);
        *result = s;
      },
      check);
  add_rust_peer(c, "rust:rayon par_chunks sin sum",
                "chunks-sin-sum --items " + std::to_string(n) + " --chunk " +
                    std::to_string(chunk) + " --threads " + std::to_string(threads),
                rust_close("check", want, 1e-9 * static_cast<double>(n)));
  c.target("hypar par_chunks + kernels::sin_sum", "scalar std::sin loop (1 thread)", 4.0,
           "at least 4x the scalar loop on one thread");
  rust_target(c, "hypar par_chunks + kernels::sin_sum", "rust:rayon par_chunks sin sum", 3.0,
              "the idiomatic hypar way at least 3x the Rayon snippet");
  rust_target(c, "hypar par_chunks + std::sin loop", "rust:rayon par_chunks sin sum", 1.0,
              "the literal loop at least equal to the Rayon snippet");
  return c;
}

// The seed's `par_chunks_mut(1 << 16)` then `*x = x.sqrt()`: 10 passes over 50 M floats
// 1 + i % 1000 (sqrt is correctly rounded in both languages, so the results are the same bits).
HYPAR_BENCH_CASE("par", "chunks-sqrt/f32") {
  const std::size_t n = opt.scaled(50'000'000, 1 << 16);
  const std::size_t chunk = std::size_t{1} << 16;
  const int passes = 10;
  const std::size_t threads = thread_count(opt);
  auto pool = make_pool(threads);
  auto x = std::make_shared<std::vector<float>>(n);
  auto reset = [=] {
    for (std::size_t i = 0; i < n; ++i)
      (*x)[i] = 1.0f + static_cast<float>(i % 1000);
  };
  double table[1000];
  for (int v = 0; v < 1000; ++v) {
    float f = 1.0f + static_cast<float>(v);
    for (int p = 0; p < passes; ++p)
      f = std::sqrt(f);
    table[v] = f;
  }
  double want = 0;
  for (std::size_t i = 0; i < n; ++i)
    want += table[i % 1000];
  const double tolerance = 1e-9 * want;
  auto check = [=]() -> std::string {
    double got = 0;
    for (float v : *x)
      got += v;
    return close_to(got, want, tolerance);
  };
  Case c;
  c.input = std::to_string(n) + " floats, 10 passes, chunks of 65536";
  c.work = static_cast<double>(n) * passes;
  c.work_unit = "items";
  c.add(
      "hypar par_chunks_mut + std::sqrt loop", reset,
      [=] {
        pool->install([&] {
          for (int p = 0; p < passes; ++p) {
            hypar::par_chunks_mut(*x, chunk).for_each([](std::span<float> s) {
              for (float& v : s)
                v = std::sqrt(v);
            });
          }
        });
      },
      check);
  c.add(
      "hypar par_chunks_mut + kernels::sqrt_inplace", reset,
      [=] {
        pool->install([&] {
          for (int p = 0; p < passes; ++p) {
            hypar::par_chunks_mut(*x, chunk).for_each(
                [](std::span<float> s) { hypar::kernels::sqrt_inplace(s); });
          }
        });
      },
      check);
  add_rust_peer(c, "rust:rayon par_chunks_mut sqrt",
                "chunks-sqrt --items " + std::to_string(n) + " --chunk " + std::to_string(chunk) +
                    " --passes " + std::to_string(passes) + " --threads " + std::to_string(threads),
                rust_close("check", want, tolerance));
  rust_target(c, "hypar par_chunks_mut + std::sqrt loop", "rust:rayon par_chunks_mut sqrt", 1.0,
              "the literal sqrt loop at least equal to Rayon's");
  return c;
}

// The seed's `(0..n).into_par_iter().map(|x| x * x).sum()` on i64 (200 M), wrapping as Rust's
// --release does (hypar computes it in uint64, where wrapping is defined).
HYPAR_BENCH_CASE("par", "sum-of-squares/i64") {
  const std::uint64_t n = opt.scaled(200'000'000, 1000);
  const std::size_t threads = thread_count(opt);
  auto pool = make_pool(threads);
  // sum of x^2 for x < n = (n - 1) n (2n - 1) / 6 mod 2^64: the factors are divided by 2 and 3
  // exactly first (one of the first two is even, one of the three a multiple of 3), then
  // multiplied with wrapping.
  std::uint64_t f[3] = {n - 1, n, 2 * n - 1};
  for (std::uint64_t d : {2u, 3u}) {
    for (auto& v : f) {
      if (v % d == 0) {
        v /= d;
        break;
      }
    }
  }
  const std::uint64_t want = f[0] * f[1] * f[2];
  auto result = std::make_shared<std::uint64_t>(0);
  Case c;
  c.input = std::to_string(n) + " squares summed (mod 2^64)";
  c.work = static_cast<double>(n);
  c.work_unit = "items";
  c.add(
      "hypar par_range.map.sum", {},
      [=] {
        *result = pool->install([&] {
          return hypar::par_range(std::uint64_t{0}, n)
              .map([](std::uint64_t v) { return v * v; })
              .sum();
        });
      },
      [=]() -> std::string {
        return *result == want
                   ? ""
                   : "sum " + std::to_string(*result) + ", expected " + std::to_string(want);
      });
  add_rust_peer(
      c, "rust:rayon into_par_iter.map.sum",
      "sum-squares --items " + std::to_string(n) + " --threads " + std::to_string(threads),
      rust_equals("check", std::to_string(want)));
  return c;
}

HYPAR_BENCH_CASE("par", "fork-join/empty") {
  const std::size_t rounds = opt.scaled(20'000, 100);
  const std::size_t threads = thread_count(opt);
  auto pool = make_pool(threads);
  auto counter = std::make_shared<std::atomic<std::size_t>>(0);
  auto reset = [=] { counter->store(0); };
  auto check = [=]() -> std::string {
    return counter->load() == 2 * rounds ? "" : "counted " + std::to_string(counter->load());
  };
  const int nt = static_cast<int>(threads);
  Case c;
  c.input = std::to_string(rounds) + " empty fork-joins";
  c.work = static_cast<double>(rounds);
  c.work_unit = "items";
  c.add(
      "hypar par_range(0, 2).for_each", reset,
      [=] {
        pool->install([&] {
          for (std::size_t r = 0; r < rounds; ++r) {
            hypar::par_range(0, 2).for_each(
                [&](int) { counter->fetch_add(1, std::memory_order_relaxed); });
          }
        });
      },
      check);
  c.add(
      "hypar join", reset,
      [=] {
        pool->install([&] {
          for (std::size_t r = 0; r < rounds; ++r) {
            hypar::join([&] { counter->fetch_add(1, std::memory_order_relaxed); },
                        [&] { counter->fetch_add(1, std::memory_order_relaxed); });
          }
        });
      },
      check);
  c.add(
      "omp parallel", reset,
      [=] {
        for (std::size_t r = 0; r < rounds; ++r) {
#pragma omp parallel num_threads(nt)
          {
            if (omp_get_thread_num() < 2)
              counter->fetch_add(1, std::memory_order_relaxed);
          }
          if (nt == 1)
            counter->fetch_add(1, std::memory_order_relaxed);
        }
      },
      check);
  add_rust_peer(
      c, "rust:rayon::join",
      "fork-join --rounds " + std::to_string(rounds) + " --threads " + std::to_string(threads),
      rust_equals("check", std::to_string(2 * rounds)));
  c.target("hypar par_range(0, 2).for_each", "omp parallel", 1.0 / 1.5,
           "within 1.5x of raw omp parallel");
  c.target("hypar join", "omp parallel", 1.0 / 1.5, "within 1.5x of raw omp parallel");
  return c;
}

}  // namespace hypar_bench
