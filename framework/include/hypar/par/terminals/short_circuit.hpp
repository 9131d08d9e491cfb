#pragma once
// The reducer of any(p), all(p) (as !any(!p)) and find_any(p): terminals that stop every leaf once
// the answer is known, through the operation's Cancellation flag (stop() without an error). The
// reducer protocol is described in <hypar/par/bridge.hpp>.

#include <cstddef>
#include <hypar/par/bridge.hpp>
#include <optional>
#include <utility>

namespace hypar::detail {

/// any(p): true once an item satisfies p; then every leaf stops (a shared flag, checked per item).
template <class Pred>
struct AnyReducer {
  using partial_type = bool;
  const Pred& pred;
  bool identity() const { return false; }
  template <class Src>
  bool leaf(const Src& src, std::size_t lo, std::size_t hi, Cancellation& cancel) const {
    bool found = false;
    drive(src, lo, hi, [&](auto&& x) {
      if (cancel.stopped())
        return false;
      if (pred(std::as_const(x))) {
        found = true;
        cancel.stop();
        return false;
      }
      return true;
    });
    return found;
  }
  bool combine(bool a, bool b) const { return a || b; }
  bool finish(bool a) const { return a; }
};

/// find_any(p): some item satisfying p (a copy), not necessarily the first; short-circuits.
template <class T, class Pred>
struct FindAnyReducer {
  using partial_type = std::optional<T>;
  const Pred& pred;
  std::optional<T> identity() const { return std::nullopt; }
  template <class Src>
  std::optional<T> leaf(const Src& src, std::size_t lo, std::size_t hi,
                        Cancellation& cancel) const {
    std::optional<T> found;
    drive(src, lo, hi, [&](auto&& x) {
      if (cancel.stopped())
        return false;
      if (pred(std::as_const(x))) {
        found.emplace(std::forward<decltype(x)>(x));
        cancel.stop();
        return false;
      }
      return true;
    });
    return found;
  }
  std::optional<T> combine(std::optional<T>&& a, std::optional<T>&& b) const {
    return a ? std::move(a) : std::move(b);
  }
  std::optional<T> finish(std::optional<T>&& a) const { return std::move(a); }
};

}  // namespace hypar::detail
