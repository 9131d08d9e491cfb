#pragma once
// The reducer of count(): the number of items a chain yields.
// The reducer protocol is described in <hypar/par/bridge.hpp>.

#include <cstddef>
#include <hypar/par/bridge.hpp>

namespace hypar::detail {

/// count(): the number of items (every adaptor still runs).
struct CountReducer {
  using partial_type = std::size_t;
  std::size_t identity() const { return 0; }
  template <class Src>
  std::size_t leaf(const Src& src, std::size_t lo, std::size_t hi, Cancellation&) const {
    std::size_t n = 0;
    drive(src, lo, hi, [&](auto&&) {
      ++n;
      return true;
    });
    return n;
  }
  std::size_t combine(std::size_t a, std::size_t b) const { return a + b; }
  std::size_t finish(std::size_t a) const { return a; }
};

}  // namespace hypar::detail
