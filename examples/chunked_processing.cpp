// Seed pattern "Chunked Parallelism": per-chunk sums of sin(x) over 10'000-element chunks, each
// chunk processed sequentially for cache locality, the chunks in parallel; results in order.
#include <cmath>
#include <cstdio>
#include <hypar/hypar.hpp>
#include <span>
#include <vector>

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::stoul(argv[1]) : 10'000'000;
  const std::size_t chunk_size = 10'000;
  std::vector<double> data(n);
  hypar::par_iter_mut(data).enumerate().for_each(
      [](std::pair<std::size_t, double&> p) { p.second = static_cast<double>(p.first) * 1e-3; });

  const std::vector<double> results = hypar::par_chunks(data, chunk_size)
                                          .map([](std::span<const double> chunk) {
                                            double s = 0;
                                            for (double x : chunk)
                                              s += std::sin(x);
                                            return s;
                                          })
                                          .collect<std::vector<double>>();

  // The sequential reference, chunk by chunk (the same order of additions inside each chunk).
  std::size_t mismatches = 0;
  for (std::size_t c = 0; c * chunk_size < n; ++c) {
    double s = 0;
    for (std::size_t i = c * chunk_size; i < std::min(n, (c + 1) * chunk_size); ++i)
      s += std::sin(data[i]);
    if (c >= results.size() || results[c] != s)
      ++mismatches;
  }
  const std::size_t chunks = (n + chunk_size - 1) / chunk_size;
  std::printf("%zu chunks of %zu, first %.6f, last %.6f\n", results.size(), chunk_size,
              results.empty() ? 0.0 : results.front(), results.empty() ? 0.0 : results.back());
  if (results.size() != chunks || mismatches != 0) {
    std::fprintf(stderr, "MISMATCH: %zu chunks, %zu differ\n", results.size(), mismatches);
    return 1;
  }
  std::printf("OK\n");
  return 0;
}
