#pragma once
// The reducer of reduce(identity, op) and sum(): an associative combination of every item;
// arithmetic sums of indexed chains run in independent lanes (vectorised).
// The reducer protocol is described in <hypar/par/bridge.hpp>.

#include <algorithm>
#include <cstddef>
#include <functional>
#include <hypar/par/bridge.hpp>
#include <type_traits>
#include <utility>

namespace hypar::detail {

/// Independent accumulators for an arithmetic sum: GCC may not reassociate floating-point
/// additions, so a single `acc += x` is latency-bound; with this many lanes (four cache lines'
/// worth, combined in a fixed tree) the loop vectorises and the result depends only on the index
/// of each item relative to the leaf start.
template <class T>
inline constexpr std::size_t sum_lanes = std::max<std::size_t>(16, 256 / sizeof(T));

template <class T, class Src>
T lane_sum(const Src& src, std::size_t lo, std::size_t hi) {
  constexpr std::size_t lanes = sum_lanes<T>;
  T acc[lanes] = {};
  std::size_t i = lo;
  for (; i + lanes <= hi; i += lanes) {
    for (std::size_t l = 0; l < lanes; ++l)
      acc[l] += static_cast<T>(src.get(i + l));
  }
  for (std::size_t l = 0; i < hi; ++i, ++l)
    acc[l] += static_cast<T>(src.get(i));
  for (std::size_t width = lanes / 2; width > 0; width /= 2) {
    for (std::size_t l = 0; l < width; ++l)
      acc[l] += acc[l + width];
  }
  return acc[0];
}

template <class Op, class T>
inline constexpr bool is_plus_v =
    std::is_same_v<Op, std::plus<>> || std::is_same_v<Op, std::plus<T>>;

/// reduce(identity, op), and sum() as reduce(T{}, +). Arithmetic sums of indexed sources use
/// `lane_sum`.
template <class T, class Id, class Op>
struct ReduceReducer {
  using partial_type = T;
  const Id& id;
  const Op& op;
  T identity() const { return id(); }
  template <class Src>
  T leaf(const Src& src, std::size_t lo, std::size_t hi, Cancellation&) const {
    if constexpr (Src::indexed && std::is_arithmetic_v<T> && is_plus_v<Op, T>) {
      return op(id(), lane_sum<T>(src, lo, hi));
    } else {
      T acc = id();
      drive(src, lo, hi, [&](auto&& x) {
        acc = op(std::move(acc), std::forward<decltype(x)>(x));
        return true;
      });
      return acc;
    }
  }
  T combine(T&& a, T&& b) const { return op(std::move(a), std::move(b)); }
  T finish(T&& a) const { return std::move(a); }
};

/// A callable returning `T{}`: the identity of sum().
template <class T>
struct ValueInit {
  T operator()() const { return T{}; }
};

}  // namespace hypar::detail
