#pragma once
// The reducer of for_each(f): every item through f, no result.
// The reducer protocol is described in <hypar/par/bridge.hpp>.

#include <cstddef>
#include <hypar/par/bridge.hpp>
#include <utility>

namespace hypar::detail {

/// for_each(f): runs f on every item.
template <class F>
struct ForEachReducer {
  using partial_type = Unit;
  const F& f;
  Unit identity() const { return {}; }
  template <class Src>
  Unit leaf(const Src& src, std::size_t lo, std::size_t hi, Cancellation&) const {
    drive(src, lo, hi, [&](auto&& x) {
      f(std::forward<decltype(x)>(x));
      return true;
    });
    return {};
  }
  Unit combine(Unit, Unit) const { return {}; }
  void finish(Unit) const {}
};

}  // namespace hypar::detail
