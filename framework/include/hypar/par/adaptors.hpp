#pragma once
// The source types of the lazy adaptors (map, filter, enumerate, zip, fold, with_progress): each
// wraps the source below it, so a chain is one nested type whose leaves run as one fused loop.
// The source protocol is described in <hypar/par/bridge.hpp>.

#include <algorithm>
#include <cstddef>
#include <hypar/par/bridge.hpp>
#include <type_traits>
#include <utility>

namespace hypar::detail {

template <class Base, class F>
struct MapSrc {
  static constexpr bool indexed = Base::indexed;
  using item_type = std::invoke_result_t<const F&, typename Base::item_type>;
  Base base;
  F f;
  std::size_t len() const { return base.len(); }
  item_type get(std::size_t i) const requires Base::indexed { return f(base.get(i)); }
  template <class Sink>
  bool drive(std::size_t lo, std::size_t hi, Sink& sink) const {
    return detail::drive(base, lo, hi,
                         [&](auto&& x) { return sink(f(std::forward<decltype(x)>(x))); });
  }
};

template <class Base, class P>
struct FilterSrc {
  static constexpr bool indexed = false;
  using item_type = typename Base::item_type;
  Base base;
  P pred;
  std::size_t len() const { return base.len(); }
  template <class Sink>
  bool drive(std::size_t lo, std::size_t hi, Sink& sink) const {
    return detail::drive(base, lo, hi, [&](auto&& x) {
      if (!pred(std::as_const(x)))
        return true;
      return sink(std::forward<decltype(x)>(x));
    });
  }
};

/// Items {offset + i, item i}. `offset` is 0 for hypar's own enumerate(); the distributed layer
/// sets it to the global index of its local item 0, so positions stay global.
template <class Base>
struct EnumerateSrc {
  static constexpr bool indexed = true;
  using item_type = std::pair<std::size_t, typename Base::item_type>;
  Base base;
  std::size_t offset = 0;
  std::size_t len() const { return base.len(); }
  item_type get(std::size_t i) const { return item_type(offset + i, base.get(i)); }
};

template <class A, class B>
struct ZipSrc {
  static constexpr bool indexed = true;
  using item_type = std::pair<typename A::item_type, typename B::item_type>;
  A a;
  B b;
  std::size_t len() const { return std::min(a.len(), b.len()); }
  item_type get(std::size_t i) const { return item_type(a.get(i), b.get(i)); }
};

/// One accumulator per leaf (none for an empty leaf): Rayon's fold.
template <class Base, class Id, class Op>
struct FoldSrc {
  static constexpr bool indexed = false;
  using item_type = std::remove_cvref_t<std::invoke_result_t<const Id&>>;
  Base base;
  Id id;
  Op op;
  std::size_t len() const { return base.len(); }
  template <class Sink>
  bool drive(std::size_t lo, std::size_t hi, Sink& sink) const {
    if (lo >= hi)
      return true;
    item_type acc = id();
    detail::drive(base, lo, hi, [&](auto&& x) {
      acc = op(std::move(acc), std::forward<decltype(x)>(x));
      return true;
    });
    return sink(std::move(acc));
  }
};

/// Counts the items that pass and reports them to `add(n)` every 1024 items and at leaf end.
template <class Base, class Progress>
struct ProgressSrc {
  static constexpr bool indexed = false;
  using item_type = typename Base::item_type;
  Base base;
  Progress* progress;
  std::size_t len() const { return base.len(); }
  template <class Sink>
  bool drive(std::size_t lo, std::size_t hi, Sink& sink) const {
    std::size_t pending = 0;
    const bool complete = detail::drive(base, lo, hi, [&](auto&& x) {
      if (++pending == 1024) {
        progress->add(pending);
        pending = 0;
      }
      return sink(std::forward<decltype(x)>(x));
    });
    if (pending != 0)
      progress->add(pending);
    return complete;
  }
};

}  // namespace hypar::detail
