#pragma once
// Stable insertion sort, the base case of every sort (restore-safe: see sort/detail/scratch.hpp).

#include <cstddef>
#include <utility>

namespace hypar::detail::sorting {

/// Stable insertion sort of a[0, n) by `less`. If `less` throws, the element being inserted is
/// put back into the hole first, so the range stays a permutation of its input.
template <class T, class Less>
void insertion_sort(T* a, std::size_t n, Less& less) {
  for (std::size_t i = 1; i < n; ++i) {
    if (!less(a[i], a[i - 1]))
      continue;
    T x = std::move(a[i]);
    std::size_t j = i;
    try {
      do {
        a[j] = std::move(a[j - 1]);
        --j;
      } while (j > 0 && less(x, a[j - 1]));
    } catch (...) {
      a[j] = std::move(x);
      throw;
    }
    a[j] = std::move(x);
  }
}

}  // namespace hypar::detail::sorting
