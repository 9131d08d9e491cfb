#pragma once
// The reducer of min() and max(): the least and greatest item, as a copy.
// The reducer protocol is described in <hypar/par/bridge.hpp>.

#include <cstddef>
#include <hypar/par/bridge.hpp>
#include <optional>
#include <utility>

namespace hypar::detail {

/// min() keeps the first of equal minima (as std::min_element); max() keeps the last of equal
/// maxima (Rust's Iterator::max rule; std::max_element would keep the first).
template <class T, bool IsMax>
struct MinMaxReducer {
  using partial_type = std::optional<T>;
  std::optional<T> identity() const { return std::nullopt; }
  template <class Src>
  std::optional<T> leaf(const Src& src, std::size_t lo, std::size_t hi, Cancellation&) const {
    std::optional<T> best;
    drive(src, lo, hi, [&](auto&& x) {
      if (!best) {
        best.emplace(std::forward<decltype(x)>(x));
      } else if constexpr (IsMax) {
        if (!(x < *best))
          *best = std::forward<decltype(x)>(x);
      } else {
        if (x < *best)
          *best = std::forward<decltype(x)>(x);
      }
      return true;
    });
    return best;
  }
  std::optional<T> combine(std::optional<T>&& a, std::optional<T>&& b) const {
    if (!a)
      return std::move(b);
    if (!b)
      return std::move(a);
    if constexpr (IsMax) {
      return *b < *a ? std::move(a) : std::move(b);
    } else {
      return *b < *a ? std::move(b) : std::move(a);
    }
  }
  std::optional<T> finish(std::optional<T>&& a) const { return std::move(a); }
};

}  // namespace hypar::detail
