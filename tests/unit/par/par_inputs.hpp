#pragma once
// Inputs shared by the parallel-iterator tests: the sizes every test sweeps (empty, tiny, odd,
// just above a power of two, large) and seeded random data.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace hypar::testing {

/// Sizes that exercise empty, single-item, uneven and multi-leaf splits.
inline const std::vector<std::size_t> kSizes = {0, 1, 2, 3, 17, 1000, 4097, 100003};

/// n integers uniform in [-10^6, 10^6], the same for the same seed.
inline std::vector<std::int64_t> random_ints(std::size_t n, std::uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::int64_t> dist(-1000000, 1000000);
  std::vector<std::int64_t> v(n);
  for (auto& x : v)
    x = dist(rng);
  return v;
}

/// n doubles of either sign spread over twelve orders of magnitude (so that the summation order
/// shows in the rounding), the same for the same seed.
inline std::vector<double> random_doubles(std::size_t n, std::uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<double> v(n);
  for (auto& x : v)
    x = dist(rng) * std::pow(10.0, dist(rng) * 6);
  return v;
}

}  // namespace hypar::testing
