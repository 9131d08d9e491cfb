// hypar::kernels (single-threaded) against single-threaded peers in the same run: the read and
// copy loops that bound them (memory bandwidth), a scalar std::sin loop, the real
// `LC_ALL=C wc` and `cat`. Kernels are one-core building blocks: the 2-core targets of
// BENCHMARKS.md are the drivers' (hypar-stats, hypar-heat); these rows show the per-core share.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <hypar/kernels.hpp>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench.hpp"

namespace hypar_bench {
namespace {

std::string close_to(double got, double want, double rel = 1e-9) {
  if (std::abs(got - want) <= rel * std::abs(want) + 1e-9)
    return "";
  return "expected " + std::to_string(want) + ", got " + std::to_string(got);
}

std::shared_ptr<std::vector<double>> values(std::size_t n, double scale) {
  auto v = std::make_shared<std::vector<double>>(n);
  std::mt19937_64 rng(n);
  std::uniform_real_distribution<double> d(-scale, scale);
  for (auto& x : *v)
    x = d(rng);
  return v;
}

// Text like prose and code: words of 1..12 letters, spaces, lines of 0..120 columns, some tabs.
std::string text_corpus(std::size_t bytes) {
  std::string s;
  s.reserve(bytes);
  std::mt19937_64 rng(7);
  std::size_t col = 0, line_len = 60;
  while (s.size() < bytes) {
    if (col >= line_len) {
      s += '\n';
      col = 0;
      line_len = rng() % 121;
      if (rng() % 20 == 0)
        s += '\t';
      continue;
    }
    const std::size_t w = 1 + rng() % 12;
    for (std::size_t i = 0; i < w; ++i)
      s += static_cast<char>('a' + rng() % 26);
    s += (rng() % 40 == 0) ? '\t' : ' ';
    col += w + 1;
  }
  s.resize(bytes);
  return s;
}

struct TempFile {
  std::filesystem::path path;
  explicit TempFile(const std::string& content) {
    path = std::filesystem::temp_directory_path() /
           ("hypar_bench_text_" + std::to_string(::getpid()) + ".txt");
    std::ofstream out(path, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
  }
  ~TempFile() { std::filesystem::remove(path); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
};

// Runs a shell command and returns its standard output.
std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr)
    return out;
  char buf[4096];
  std::size_t got;
  while ((got = std::fread(buf, 1, sizeof buf, p)) > 0)
    out.append(buf, got);
  pclose(p);
  return out;
}

std::string wc_numbers(const hypar::kernels::TextStats& s) {
  return std::to_string(s.lines()) + " " + std::to_string(s.words()) + " " +
         std::to_string(s.bytes()) + " " + std::to_string(s.max_line_length());
}

// "  12  34 56 7 path" -> "12 34 56 7"
std::string first_four_numbers(const std::string& wc_out) {
  unsigned long long a = 0, b = 0, c = 0, d = 0;
  if (std::sscanf(wc_out.c_str(), "%llu %llu %llu %llu", &a, &b, &c, &d) != 4)
    return "?";
  return std::to_string(a) + " " + std::to_string(b) + " " + std::to_string(c) + " " +
         std::to_string(d);
}

}  // namespace

HYPAR_BENCH_CASE("kernels", "sum/f64/1core") {
  const std::size_t n = opt.scaled(std::size_t{1} << 25, 1024);
  auto x = values(n, 1.0);
  double want = 0;
  for (double v : *x)
    want += v;
  auto result = std::make_shared<double>(0);
  Case c;
  c.input = std::to_string(n) + " doubles, one core";
  c.work = static_cast<double>(n * sizeof(double));
  c.work_unit = "bytes";
  auto check = [=] { return close_to(*result, want, 1e-6); };
  c.add(
      "hypar::kernels::sum", {},
      [=] {
        *result = hypar::kernels::sum(*x);
        keep(*result);
      },
      check);
  c.add(
      "omp simd reduction (read loop)", {},
      [=] {
        double s = 0;
        const double* p = x->data();
#pragma omp simd reduction(+ : s)
        for (std::size_t i = 0; i < n; ++i)
          s += p[i];
        *result = s;
        keep(*result);
      },
      check);
  c.target("hypar::kernels::sum", "omp simd reduction (read loop)", 0.9,
           "at least 90 % of the one-core read bandwidth");
  return c;
}

HYPAR_BENCH_CASE("kernels", "dot/f64/1core") {
  const std::size_t n = opt.scaled(std::size_t{1} << 24, 1024);
  auto x = values(n, 1.0);
  auto y = values(n + 1, 1.0);
  y->pop_back();
  double want = 0;
  for (std::size_t i = 0; i < n; ++i)
    want += (*x)[i] * (*y)[i];
  auto result = std::make_shared<double>(0);
  Case c;
  c.input = std::to_string(n) + " double pairs, one core";
  c.work = static_cast<double>(2 * n * sizeof(double));
  c.work_unit = "bytes";
  auto check = [=] { return close_to(*result, want, 1e-6); };
  c.add(
      "hypar::kernels::dot", {}, [=] { *result = hypar::kernels::dot(*x, *y); }, check);
  c.add(
      "omp simd reduction (dot loop)", {},
      [=] {
        double s = 0;
        const double* p = x->data();
        const double* q = y->data();
#pragma omp simd reduction(+ : s)
        for (std::size_t i = 0; i < n; ++i)
          s += p[i] * q[i];
        *result = s;
      },
      check);
  c.target("hypar::kernels::dot", "omp simd reduction (dot loop)", 0.9,
           "at least 90 % of the one-core read bandwidth");
  return c;
}

HYPAR_BENCH_CASE("kernels", "sin_sum/1core") {
  const std::size_t n = opt.scaled(100'000'000, 1024);
  auto x = values(n, 100.0);
  double want = 0;
  for (double v : *x)
    want += std::sin(v);
  auto result = std::make_shared<double>(0);
  Case c;
  c.input = std::to_string(n) + " doubles in [-100, 100], one core";
  c.work = static_cast<double>(n);
  c.work_unit = "items";
  auto check = [=] { return close_to(*result, want, 1e-9 + 1e-12 * static_cast<double>(n)); };
  c.add(
      "hypar::kernels::sin_sum", {}, [=] { *result = hypar::kernels::sin_sum(*x); }, check);
  c.add(
      "scalar std::sin loop", {},
      [=] {
        double s = 0;
        for (double v : *x)
          s += std::sin(v);
        *result = s;
      },
      check);
  c.target("hypar::kernels::sin_sum", "scalar std::sin loop", 4.0,
           "at least 4x the scalar loop on one thread");
  return c;
}

HYPAR_BENCH_CASE("kernels", "crc32/1core") {
  const std::size_t n = opt.scaled(std::size_t{1} << 28, 4096);
  auto data = std::make_shared<std::vector<std::byte>>(n);
  std::mt19937_64 rng(3);
  for (auto& b : *data)
    b = static_cast<std::byte>(rng() & 0xff);
  const std::uint32_t want = hypar::kernels::crc32_tables(*data);
  auto result = std::make_shared<std::uint32_t>(0);
  Case c;
  c.input = std::to_string(n) + " random bytes, one core";
  c.work = static_cast<double>(n);
  c.work_unit = "bytes";
  auto check = [=]() -> std::string { return *result == want ? "" : "crc differs"; };
  c.add(
      "hypar::kernels::crc32 (folding)", {}, [=] { *result = hypar::kernels::crc32(*data); },
      check);
  c.add(
      "slicing-by-16 tables", {}, [=] { *result = hypar::kernels::crc32_tables(*data); }, check);
  c.target("hypar::kernels::crc32 (folding)", "slicing-by-16 tables", 2.0,
           "at least 2x a table CRC (zlib-class)");
  return c;
}

HYPAR_BENCH_CASE("kernels", "text_stats/1core") {
  const std::size_t n = opt.scaled(std::size_t{1} << 30, 4096);
  auto text = std::make_shared<std::string>(text_corpus(n));
  auto file = std::make_shared<TempFile>(*text);
  const std::string quoted = "'" + file->path.string() + "'";
  const std::string want = first_four_numbers(run("LC_ALL=C wc -lwcL " + quoted));
  auto got = std::make_shared<std::string>();
  Case c;
  c.input = std::to_string(n) + " bytes of text (cached file / memory), one core";
  c.work = static_cast<double>(n);
  c.work_unit = "bytes";
  auto check = [=]() -> std::string {
    return *got == want ? "" : "counts " + *got + ", wc says " + want;
  };
  c.add(
      "hypar::kernels::text_stats", {},
      [=] { *got = wc_numbers(hypar::kernels::text_stats(std::string_view(*text))); }, check);
  c.add(
      "LC_ALL=C wc -lwcL", {},
      [=] {
        (void)file;  // keeps the file alive as long as the case
        *got = first_four_numbers(run("LC_ALL=C wc -lwcL " + quoted));
      },
      check);
  c.add(
      "cat > /dev/null", {},
      [=] {
        (void)file;
        run("cat " + quoted + " > /dev/null");
        *got = want;  // cat counts nothing: it is the read-speed reference
      },
      check);
  c.target("hypar::kernels::text_stats", "LC_ALL=C wc -lwcL", 20.0,
           "at least 20x wc on one core (half of hypar-stats' 40x on two)");
  c.target("hypar::kernels::text_stats", "cat > /dev/null", 0.5,
           "at least half of cat's speed on one core (4 GB/s of the 8 GB/s on two)");
  return c;
}

HYPAR_BENCH_CASE("kernels", "jacobi/4096^2/1core") {
  const std::size_t nx = opt.scaled(4096, 16);
  const std::size_t cells = (nx + 2) * (nx + 2);
  auto in = values(cells, 1.0);
  auto out = std::make_shared<std::vector<double>>(cells, 0.0);
  auto want = std::make_shared<std::vector<double>>(cells, 0.0);
  hypar::kernels::jacobi_step(*in, *want, nx, nx);
  Case c;
  c.input = std::to_string(nx) + "^2 grid, one sweep, one core";
  c.work = static_cast<double>(2 * cells * sizeof(double));
  c.work_unit = "bytes";
  // The copy peer overwrites the halo too: start every run from a zeroed output grid.
  auto zero = [=] { std::fill(out->begin(), out->end(), 0.0); };
  c.add(
      "hypar::kernels::jacobi_step", zero,
      [=] { keep(hypar::kernels::jacobi_step(*in, *out, nx, nx)); },
      [=]() -> std::string { return *out == *want ? "" : "grid differs"; });
  c.add("scale loop (same traffic)", zero,
        [=] {
          const double* p = in->data();
          double* q = out->data();
#pragma omp simd
          for (std::size_t i = 0; i < cells; ++i)
            q[i] = 0.25 * p[i];  // (a plain copy becomes memcpy)
        },
        {});
  c.target("hypar::kernels::jacobi_step", "scale loop (same traffic)", 0.8,
           "at least 80 % of the bandwidth roofline");
  return c;
}

namespace {

// A map kernel against the same loop written inline (`omp simd`), both single-threaded, on
// arrays far above the caches: both should run at the one-core memory bandwidth.
template <class Kernel, class Loop, class Check>
Case map_case(std::size_t n, std::size_t bytes_per_item, std::string input, Kernel kernel,
              Loop loop, Check check) {
  Case c;
  c.input = std::move(input);
  c.work = static_cast<double>(n * bytes_per_item);
  c.work_unit = "bytes";
  c.add("hypar::kernels", {}, kernel, check);
  c.add("omp simd loop", {}, loop, check);
  c.target("hypar::kernels", "omp simd loop", 0.9, "at least 90 % of the one-core bandwidth");
  return c;
}

}  // namespace

HYPAR_BENCH_CASE("kernels", "add/f32/1core") {
  const std::size_t n = opt.scaled(std::size_t{1} << 26, 1024);
  auto a = std::make_shared<std::vector<float>>(n, 1.5f);
  auto b = std::make_shared<std::vector<float>>(n, 2.25f);
  auto out = std::make_shared<std::vector<float>>(n, 0.0f);
  return map_case(
      n, 3 * sizeof(float), std::to_string(n) + " floats, out = a + b, one core",
      [=] { hypar::kernels::add(*a, *b, *out); },
      [=] {
        const float* pa = a->data();
        const float* pb = b->data();
        float* po = out->data();
#pragma omp simd
        for (std::size_t i = 0; i < n; ++i)
          po[i] = pa[i] + pb[i];
      },
      [=]() -> std::string {
        for (std::size_t i = 0; i < n; i += 4099) {
          if ((*out)[i] != 3.75f)
            return "add wrong at " + std::to_string(i);
        }
        return "";
      });
}

HYPAR_BENCH_CASE("kernels", "axpy/f64/1core") {
  const std::size_t n = opt.scaled(std::size_t{1} << 25, 1024);
  auto x = std::make_shared<std::vector<double>>(n, 2.0);
  auto y = std::make_shared<std::vector<double>>(n, 0.0);
  // y grows by 2 alpha per run; alpha = 0.5 keeps every value an exact small integer.
  return map_case(
      n, 3 * sizeof(double), std::to_string(n) + " doubles, y += 0.5 x, one core",
      [=] { hypar::kernels::axpy(0.5, *x, *y); },
      [=] {
        const double* px = x->data();
        double* py = y->data();
#pragma omp simd
        for (std::size_t i = 0; i < n; ++i)
          py[i] += 0.5 * px[i];
      },
      [=]() -> std::string {
        const double first = (*y)[0];
        for (std::size_t i = 0; i < n; i += 4099) {
          if ((*y)[i] != first || first < 1.0)
            return "axpy wrong at " + std::to_string(i);
        }
        return "";
      });
}

HYPAR_BENCH_CASE("kernels", "sqrt_inplace/f32/1core") {
  const std::size_t n = opt.scaled(std::size_t{1} << 26, 1024);
  auto v = std::make_shared<std::vector<float>>(n, 1.0f);  // sqrt(1) = 1: stable across runs
  return map_case(
      n, 2 * sizeof(float), std::to_string(n) + " floats, in place, one core",
      [=] { hypar::kernels::sqrt_inplace(*v); },
      [=] {
        float* p = v->data();
#pragma omp simd
        for (std::size_t i = 0; i < n; ++i)
          p[i] = std::sqrt(p[i]);
      },
      [=]() -> std::string {
        for (std::size_t i = 0; i < n; i += 4099) {
          if ((*v)[i] != 1.0f)
            return "sqrt wrong at " + std::to_string(i);
        }
        return "";
      });
}

}  // namespace hypar_bench
