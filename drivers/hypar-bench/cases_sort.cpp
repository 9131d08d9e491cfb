// Sorts against std::sort, std::stable_sort, GNU parallel mode and oneTBB (BENCHMARKS.md rows:
// par_sort_unstable on integers, par_sort_by with an opaque comparator, par_sort (stable), 10 M
// 100-byte records with 10-byte keys, and every input shape). hypar runs with its default thread
// count, or inside a ThreadPool when --threads asks for another count; the peers use the same
// count. Every run is validated: sorted in the case's order and the same multiset (an
// order-independent checksum) as the input.
#include <omp.h>
#include <tbb/global_control.h>
#include <tbb/parallel_sort.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <hypar/hypar.hpp>
#include <hypar/sort.hpp>
#include <memory>
#include <parallel/algorithm>
#include <random>
#include <string>
#include <vector>

#include "bench.hpp"
#include "input_shapes.hpp"

namespace hypar_bench {
namespace {

std::size_t thread_count(const hypar_bench::Options& opt) {
  return opt.threads != 0 ? opt.threads : hypar::default_num_threads();
}

/// hypar's side on the calling thread with the default thread count, else in a pool.
class SortRunner {
 public:
  explicit SortRunner(std::size_t threads) {
    if (threads != hypar::default_num_threads()) {
      pool_ = std::make_shared<hypar::ThreadPool>(
          hypar::ThreadPoolBuilder().num_threads(threads).build());
    }
  }
  template <class F>
  void run(F&& f) const {
    if (pool_) {
      pool_->install(std::forward<F>(f));
    } else {
      f();
    }
  }

 private:
  std::shared_ptr<hypar::ThreadPool> pool_;
};

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  return x ^ (x >> 33);
}

/// Order-independent checksum of a range of arithmetic values.
template <class T>
std::uint64_t checksum(const std::vector<T>& v) {
  std::uint64_t s = 0;
  for (const T& x : v) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &x, sizeof(T));
    s += mix(bits);
  }
  return s;
}

template <class T, class Less>
std::string sorted_permutation(const std::vector<T>& v, std::uint64_t want, std::size_t n,
                               Less less) {
  if (v.size() != n)
    return "size changed";
  for (std::size_t i = 1; i < v.size(); ++i) {
    if (less(v[i], v[i - 1]))
      return "not sorted at " + std::to_string(i);
  }
  if (checksum(v) != want)
    return "not a permutation of the input (checksum)";
  return "";
}

using hypar::testing::Shape;
using hypar::testing::shape_name;

template <class T>
std::vector<T> make_input(std::size_t n, Shape shape, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<T> v(n);
  auto draw = [&] { return static_cast<T>(rng()); };
  switch (shape) {
    case Shape::kAllEqual:
      std::fill(v.begin(), v.end(), draw());
      return v;
    case Shape::kDistinct16: {
      T pool[16];
      for (auto& p : pool)
        p = draw();
      for (auto& x : v)
        x = pool[rng() % 16];
      return v;
    }
    case Shape::kZipf: {
      // Zipf(s = 1) over 1 000 000 ranks by inverting the harmonic CDF approximately.
      const double hn = std::log(1e6) + 0.5772;
      std::uniform_real_distribution<double> u(0, 1);
      std::vector<T> pool(1'000'000);
      for (auto& p : pool)
        p = draw();
      for (auto& x : v) {
        const double r = std::exp(u(rng) * hn - 0.5772);
        x = pool[std::min<std::size_t>(pool.size() - 1, static_cast<std::size_t>(r))];
      }
      return v;
    }
    default:
      break;
  }
  for (auto& x : v)
    x = draw();
  if (shape == Shape::kSorted || shape == Shape::kAlmostSorted)
    std::sort(v.begin(), v.end());
  if (shape == Shape::kReverse)
    std::sort(v.begin(), v.end(), std::greater<>());
  if (shape == Shape::kAlmostSorted) {
    const auto swaps = static_cast<std::size_t>(std::sqrt(static_cast<double>(n)));
    for (std::size_t i = 0; i < swaps; ++i)
      std::swap(v[rng() % n], v[rng() % n]);
  }
  return v;
}

/// Adds the comparison-sort peers on `data` with `less`.
template <class T, class Less>
void add_peers(Case& c, std::shared_ptr<std::vector<T>> data, std::function<void()> prepare,
               std::function<std::string()> check, Less less, int nt, bool stable_peers) {
  c.add(
      "std::sort", prepare, [=] { std::sort(data->begin(), data->end(), less); }, check);
  c.add(
      "__gnu_parallel::sort", prepare,
      [=] {
        omp_set_num_threads(nt);
        __gnu_parallel::sort(data->begin(), data->end(), less);
      },
      check);
  c.add(
      "tbb::parallel_sort", prepare,
      [=] {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(nt));
        tbb::parallel_sort(data->begin(), data->end(), less);
      },
      check);
  if (stable_peers) {
    c.add(
        "std::stable_sort", prepare, [=] { std::stable_sort(data->begin(), data->end(), less); },
        check);
    c.add(
        "__gnu_parallel::stable_sort", prepare,
        [=] {
          omp_set_num_threads(nt);
          __gnu_parallel::stable_sort(data->begin(), data->end(), less);
        },
        check);
  }
}

template <class T>
Case integer_case(const hypar_bench::Options& opt, std::size_t full_n, Shape shape,
                  const std::string& what, int mode) {
  // mode 0: par_sort_unstable vs the unstable peers (target 5x tbb);
  // mode 1: par_sort_by with an opaque lambda vs all peers (target 2x each);
  // mode 2: par_sort (stable) vs all peers (target 2x each);
  // mode 3: shapes: par_sort_unstable and par_sort_by vs all peers (never slower).
  const std::size_t n = opt.scaled(full_n, 1000);
  const std::size_t threads = thread_count(opt);
  auto runner = std::make_shared<SortRunner>(threads);
  auto input = std::make_shared<std::vector<T>>(make_input<T>(n, shape, 12345));
  auto data = std::make_shared<std::vector<T>>();
  const std::uint64_t sum = checksum(*input);
  auto prepare = [=] { *data = *input; };
  auto check = [=] { return sorted_permutation(*data, sum, n, std::less<>()); };
  const auto opaque = [](T a, T b) { return a < b; };
  const int nt = static_cast<int>(threads);
  Case c;
  c.input = std::to_string(n) + " " + what;
  c.work = static_cast<double>(n);
  c.work_unit = "items";
  if (mode == 0 || mode == 3) {
    c.add(
        "hypar par_sort_unstable", prepare,
        [=] { runner->run([&] { hypar::par_sort_unstable(*data); }); }, check);
  }
  if (mode == 1 || mode == 3) {
    c.add(
        "hypar par_sort_by (lambda)", prepare,
        [=] { runner->run([&] { hypar::par_sort_by(*data, opaque); }); }, check);
  }
  if (mode == 2) {
    c.add(
        "hypar par_sort", prepare, [=] { runner->run([&] { hypar::par_sort(*data); }); }, check);
  }
  add_peers(c, data, prepare, check, opaque, nt, mode != 0);
  if (mode == 0) {
    c.target("hypar par_sort_unstable", "tbb::parallel_sort", 5.0,
             "at least 5x tbb::parallel_sort");
  } else {
    const double ratio = mode == 3 ? 1.0 : 2.0;
    const std::string text = mode == 3 ? "never slower than a peer" : "at least 2x the best peer";
    std::vector<std::string> subjects;
    if (mode == 1 || mode == 3)
      subjects.push_back("hypar par_sort_by (lambda)");
    if (mode == 2)
      subjects.push_back("hypar par_sort");
    if (mode == 3)
      subjects.push_back("hypar par_sort_unstable");
    for (const auto& s : subjects) {
      for (const char* peer : {"std::sort", "__gnu_parallel::sort", "tbb::parallel_sort",
                               "std::stable_sort", "__gnu_parallel::stable_sort"}) {
        c.target(s, peer, ratio, text);
      }
    }
  }
  return c;
}

/// A 100-byte record with a 10-byte key (the sort benchmark's record layout).
struct Record100 {
  std::array<std::uint8_t, 10> key;
  std::array<std::uint8_t, 90> payload;
};
static_assert(sizeof(Record100) == 100, "records are 100 bytes");

std::uint64_t record_checksum(const std::vector<Record100>& v) {
  std::uint64_t s = 0;
  for (const auto& r : v) {
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    std::memcpy(&a, r.key.data(), 8);
    std::memcpy(&b, r.key.data() + 8, 2);
    std::uint64_t p = 0;
    std::memcpy(&p, r.payload.data(), 8);
    s += mix(a ^ mix(b ^ mix(p)));
  }
  return s;
}

}  // namespace

HYPAR_BENCH_CASE("sort", "par_sort_unstable/int32/uniform") {
  return integer_case<std::int32_t>(opt, 50'000'000, Shape::kUniform, "uniform int32", 0);
}

HYPAR_BENCH_CASE("sort", "par_sort_unstable/uint64/uniform") {
  return integer_case<std::uint64_t>(opt, 50'000'000, Shape::kUniform, "uniform uint64", 0);
}

HYPAR_BENCH_CASE("sort", "par_sort_by/int32/uniform") {
  return integer_case<std::int32_t>(opt, 50'000'000, Shape::kUniform,
                                    "uniform int32, opaque comparator", 1);
}

HYPAR_BENCH_CASE("sort", "par_sort/int32/uniform") {
  return integer_case<std::int32_t>(opt, 50'000'000, Shape::kUniform, "uniform int32, stable", 2);
}

HYPAR_BENCH_CASE("sort", "records100/10-byte-keys") {
  const std::size_t n = opt.scaled(10'000'000, 1000);
  const std::size_t threads = thread_count(opt);
  auto runner = std::make_shared<SortRunner>(threads);
  auto input = std::make_shared<std::vector<Record100>>(n);
  {
    std::mt19937_64 rng(7);
    for (std::size_t i = 0; i < n; ++i) {
      auto& r = (*input)[i];
      for (auto& b : r.key)
        b = static_cast<std::uint8_t>(rng());
      std::memset(r.payload.data(), 0, r.payload.size());
      std::memcpy(r.payload.data(), &i, sizeof(i));
    }
  }
  auto data = std::make_shared<std::vector<Record100>>();
  const std::uint64_t sum = record_checksum(*input);
  const auto less = [](const Record100& a, const Record100& b) {
    return std::memcmp(a.key.data(), b.key.data(), 10) < 0;
  };
  auto prepare = [=] { *data = *input; };
  auto check = [=]() -> std::string {
    if (data->size() != n)
      return "size changed";
    for (std::size_t i = 1; i < n; ++i) {
      if (less((*data)[i], (*data)[i - 1]))
        return "not sorted at " + std::to_string(i);
    }
    if (record_checksum(*data) != sum)
      return "not a permutation of the input (checksum)";
    return "";
  };
  const int nt = static_cast<int>(threads);
  Case c;
  c.input = std::to_string(n) + " records of 100 bytes, 10-byte keys";
  c.work = static_cast<double>(n * sizeof(Record100));
  c.work_unit = "bytes";
  c.add(
      "hypar par_sort_by (memcmp)", prepare,
      [=] { runner->run([&] { hypar::par_sort_by(*data, less); }); }, check);
  c.add(
      "hypar par_sort_by_key (array key)", prepare,
      [=] {
        runner->run(
            [&] { hypar::par_sort_by_key(*data, [](const Record100& r) { return r.key; }); });
      },
      check);
  add_peers(c, data, prepare, check, less, nt, true);
  for (const char* subject : {"hypar par_sort_by (memcmp)", "hypar par_sort_by_key (array key)"}) {
    for (const char* peer : {"std::sort", "__gnu_parallel::sort", "tbb::parallel_sort",
                             "std::stable_sort", "__gnu_parallel::stable_sort"}) {
      c.target(subject, peer, 2.0, "at least 2x the best peer");
    }
  }
  return c;
}

// One case per input shape of BENCHMARKS.md (the list the sort tests check), named after it:
// sort/shape/int32/<shape>. Registered after the cases above, so they keep their order.
[[maybe_unused]] const bool shape_cases_registered = [] {
  for (const Shape shape : hypar::testing::kShapes) {
    register_case("sort", std::string("shape/int32/") + shape_name(shape),
                  [shape](const Options& opt) {
                    return integer_case<std::int32_t>(opt, 10'000'000, shape,
                                                      std::string(shape_name(shape)) + " int32", 3);
                  });
  }
  return true;
}();

}  // namespace hypar_bench
