#pragma once
// hypar::CachePadded<T>: a value alone on its cache line(s), so that two hot variables written by
// different threads never share a line (false sharing). The seed's `_pad: [u8; 56]`, done by the
// type system instead of by hand.

#include <hypar/core/interference.hpp>
#include <type_traits>
#include <utility>

namespace hypar {

/// `T` aligned to, and padded up to, a multiple of `hypar::false_sharing_distance`. An array of
/// `CachePadded<std::atomic<long>>` puts each counter on lines of its own. Costs the padding in
/// memory (128 bytes per element on x86-64), nothing in time.
template <class T>
struct alignas(false_sharing_distance) CachePadded {
  /// The value itself; `get()`, `*` and `->` reach it too.
  T value;

  /// A value-initialised `T` (zero for arithmetic types and atomics).
  constexpr CachePadded() : value() {}
  /// Constructs the value from `args`, as `T(args...)`.
  template <class... Args>
  requires(sizeof...(Args) > 0 &&
           std::is_constructible_v<T, Args&&...>) constexpr explicit CachePadded(Args&&... args)
      : value(std::forward<Args>(args)...) {}

  constexpr T& get() noexcept { return value; }
  constexpr const T& get() const noexcept { return value; }
  constexpr T& operator*() noexcept { return value; }
  constexpr const T& operator*() const noexcept { return value; }
  constexpr T* operator->() noexcept { return &value; }
  constexpr const T* operator->() const noexcept { return &value; }
};

// The layout promises, checked for a small and a large payload: alignment and size are whole
// cache lines, so neighbours in an array never share one.
static_assert(alignof(CachePadded<char>) == false_sharing_distance,
              "CachePadded must be aligned to a cache line so no neighbour starts on its line");
static_assert(sizeof(CachePadded<char>) % false_sharing_distance == 0,
              "CachePadded must fill whole cache lines so the next object starts on a fresh one");
static_assert(sizeof(CachePadded<char[false_sharing_distance + 1]>) == 2 * false_sharing_distance,
              "a payload larger than a line rounds up to whole lines");

}  // namespace hypar
