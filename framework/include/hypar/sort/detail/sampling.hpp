#pragma once
// Random sampling for the sample sorts (hypar::par_sort's and hypar::dist::par_sort's).

#include <cstddef>
#include <cstdint>

namespace hypar::detail::sorting {

/// A small fast PRNG (splitmix64) for sampling.
struct SplitMix {
  std::uint64_t state;
  std::uint64_t next() noexcept {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) noexcept { return static_cast<std::size_t>(next() % n); }
};

}  // namespace hypar::detail::sorting
