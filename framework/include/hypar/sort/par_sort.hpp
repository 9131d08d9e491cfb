#pragma once
// The public sorts of API.md section 2 (Rayon's par_sort family) and their dispatch: arithmetic
// keys with the default order (or std::less / std::greater) take the parallel radix sort, as do
// byte-string keys (std::array of unsigned char / std::byte) of par_sort_by_key and
// par_sort_by_cached_key (sort/detail/byte_key.hpp); any other ordering the parallel sample sort.
// All are stable, so the `_unstable` variants share them (they are allowed, not required, to
// reorder equal elements). See docs/sorting.md.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <hypar/sort/detail/byte_key.hpp>
#include <hypar/sort/detail/compare.hpp>
#include <hypar/sort/detail/radix_key.hpp>
#include <hypar/sort/radix_sort.hpp>
#include <hypar/sort/sample_sort.hpp>
#include <limits>
#include <memory>
#include <ranges>
#include <tuple>
#include <type_traits>
#include <utility>

namespace hypar {

namespace detail::sorting {

/// A range the sorts accept: contiguous, sized, with assignable (non-const) elements.
template <class R>
concept SortableRange = std::ranges::contiguous_range<R> && std::ranges::sized_range<R> &&
    std::is_lvalue_reference_v<std::ranges::range_reference_t<R>> &&
    !std::is_const_v<std::remove_reference_t<std::ranges::range_reference_t<R>>>;

template <class R>
using range_value_t = std::remove_cvref_t<std::ranges::range_reference_t<R>>;

template <class T>
void sort_default(T* a, std::size_t n, bool stable) {
  if constexpr (is_radix_key_v<T>) {
    radix_sort(
        a, n, [](const T& x) { return to_radix_key(x); }, stable);
  } else {
    sample_sort(a, n, PlainLess{}, stable);
  }
}

template <class T, class Cmp>
void sort_by_valid(T* a, std::size_t n, Cmp& cmp, bool stable) {
  using C = std::remove_cvref_t<Cmp>;
  if constexpr (is_radix_key_v<T> && is_std_less_v<C, T>) {
    radix_sort(
        a, n, [](const T& x) { return to_radix_key(x); }, stable);
  } else if constexpr (is_radix_key_v<T> && is_std_greater_v<C, T>) {
    radix_sort(
        a, n, [](const T& x) { return static_cast<radix_uint_t<T>>(~to_radix_key(x)); }, stable);
  } else {
    sample_sort(a, n, LessFromCmp<Cmp>{&cmp}, stable);
  }
}

template <class T, class Cmp>
void sort_by(T* a, std::size_t n, Cmp& cmp, bool stable) {
  static_assert(is_comparator_v<Cmp, T>,
                "hypar::par_sort_by: cmp must be callable as cmp(a, b) on two elements, returning "
                "bool (a \"less\") or a std::*_ordering (three-way)");
  if constexpr (is_comparator_v<Cmp, T>)
    sort_by_valid(a, n, cmp, stable);
}

template <class T, class KeyFn>
void sort_by_key(T* a, std::size_t n, KeyFn& key, bool stable) {
  using K = std::remove_cvref_t<std::invoke_result_t<KeyFn&, const T&>>;
  if constexpr (is_radix_key_v<K> && std::is_trivially_copyable_v<T>) {
    radix_sort(
        a, n, [&key](const T& x) { return to_radix_key(static_cast<K>(std::invoke(key, x))); },
        stable);
  } else if constexpr (is_byte_string_key_v<K> && std::is_trivially_copyable_v<T>) {
    byte_key_sort(a, n, key, stable);  // radix on big-endian words (sort/detail/byte_key.hpp)
  } else {
    sample_sort(a, n, LessByKey<KeyFn>{&key}, stable);
  }
}

/// One entry of par_sort_by_cached_key: the computed key (or its radix image) and the position.
template <class K>
struct CachedEntry {
  K key;
  std::size_t index;
};

/// par_sort_by_cached_key: computes every key once (in parallel), sorts (key, index) entries
/// stably, then moves the elements into their places through a scratch array.
template <class T, class KeyFn>
void sort_by_cached_key(T* a, std::size_t n, KeyFn& key) {
  using K = std::remove_cvref_t<std::invoke_result_t<KeyFn&, const T&>>;
  constexpr bool kRadix = is_radix_key_v<K>;
  using Stored = std::conditional_t<kRadix, radix_uint_t<std::conditional_t<kRadix, K, int>>, K>;
  using Entry = CachedEntry<Stored>;
  if (n < 2) {
    if (n == 1)
      static_cast<void>(std::invoke(key, static_cast<const T&>(a[0])));
    return;
  }
  if constexpr (is_byte_string_key_v<K> && std::is_trivially_copyable_v<T>) {
    // Byte-string keys of at most 16 bytes fit the radix entries whole, so the entries path calls
    // the key once per element; longer ones would need it again to break ties, and keep the
    // (key, index) entries below.
    if constexpr (std::tuple_size_v<K> <= 16) {
      if (n <= std::numeric_limits<std::uint32_t>::max()) {
        byte_key_cached_sort(a, n, key);
        return;
      }
    }
  }
  const std::size_t threads = n >= kParallelMin ? current_num_threads() : 1;
  Cancellation cancel;
  run_in_team(threads, [&] {
    ScratchArray<Entry> entries(n);
    Entry* e = entries.get();
    const std::size_t s = threads > 1 ? stripe_count(n, threads) : 1;
    std::vector<std::size_t> built(s, 0);
    for_stripes(s, [&](std::size_t k) {
      const auto [lo, hi] = stripe_bounds(0, n, k, s);
      try {
        for (std::size_t i = lo; i < hi; ++i) {
          if (cancel.stopped())
            break;
          if constexpr (kRadix) {
            std::construct_at(
                e + i,
                Entry{to_radix_key(static_cast<K>(std::invoke(key, static_cast<const T&>(a[i])))),
                      i});
          } else {
            std::construct_at(e + i, Entry{std::invoke(key, static_cast<const T&>(a[i])), i});
          }
          ++built[k];
        }
      } catch (...) {
        cancel.capture();
      }
    });
    auto destroy_entries = [&] {
      if constexpr (!std::is_trivially_destructible_v<Entry>) {
        for_stripes(s, [&](std::size_t k) {
          const std::size_t lo = stripe_bounds(0, n, k, s).first;
          std::destroy(e + lo, e + lo + built[k]);
        });
      }
    };
    if (cancel.stopped()) {
      destroy_entries();
      return;
    }
    try {
      if constexpr (kRadix) {
        radix_sort(
            e, n, [](const Entry& x) { return x.key; }, true);
      } else {
        sample_sort(
            e, n, [](const Entry& x, const Entry& y) { return x.key < y.key; }, true);
      }
    } catch (...) {
      cancel.capture();
      destroy_entries();
      return;
    }
    // Apply the permutation: gather into scratch, then move back (both in parallel stripes).
    ScratchArray<T> out(n);
    T* o = out.get();
    for_stripes(s, [&](std::size_t k) {
      const auto [lo, hi] = stripe_bounds(0, n, k, s);
      for (std::size_t i = lo; i < hi; ++i)
        std::construct_at(o + i, std::move(a[e[i].index]));
    });
    for_stripes(s, [&](std::size_t k) {
      const auto [lo, hi] = stripe_bounds(0, n, k, s);
      for (std::size_t i = lo; i < hi; ++i) {
        a[i] = std::move(o[i]);
        std::destroy_at(o + i);
      }
    });
    destroy_entries();
  });
  cancel.rethrow_if_failed();
}

}  // namespace detail::sorting

/// Sorts `range` in ascending order by `<`, stably (equal elements keep their order): Rayon's
/// `par_sort`. Sequential equivalent: `std::stable_sort(begin, end)`.
/// Arithmetic elements (integers, float, double) take a parallel radix sort (floats: -0.0 equals
/// 0.0; NaNs go to the ends instead of being undefined behaviour); other types a parallel stable
/// sample sort. Cost: O(n) for presorted or reversed input; otherwise a scratch array of n
/// elements (plus n bytes), about (key bytes / 1) passes in cache for radix, O(n log n)
/// comparisons for the sample sort, split over current_num_threads() threads.
template <class R>
requires detail::sorting::SortableRange<R>
void par_sort(R&& range) {
  detail::sorting::sort_default(std::ranges::data(range), std::ranges::size(range), true);
}

/// Sorts `range` stably by `cmp`, which is a strict-weak-order "less" (`bool cmp(a, b)`) or a
/// three-way comparator returning std::strong/weak/partial_ordering (`[](int a, int b) { return
/// b <=> a; }` sorts descending): Rayon's `par_sort_by`. Sequential equivalent:
/// `std::stable_sort(begin, end, less)`. The comparator is called concurrently from several
/// threads. std::less / std::greater on arithmetic elements take the radix sort.
template <class R, class Cmp>
requires detail::sorting::SortableRange<R>
void par_sort_by(R&& range, Cmp&& cmp) {
  detail::sorting::sort_by(std::ranges::data(range), std::ranges::size(range), cmp, true);
}

/// Sorts `range` stably by `key_fn(element) < key_fn(other)`: Rayon's `par_sort_by_key`. The key
/// is computed at every comparison (see par_sort_by_cached_key for expensive keys); an arithmetic
/// key on trivially copyable elements takes the radix sort (a few key calls per element), and so
/// does a byte-string key (`std::array<std::uint8_t / unsigned char / std::byte, N>`, memcmp
/// order): small elements are radix-sorted themselves, large ones (such as 100-byte records)
/// through (key words, index) entries and one gather, with n entries of 16 (N <= 12) or 24 bytes
/// plus n elements of scratch. Sequential equivalent: `std::stable_sort` with `key(a) < key(b)`.
template <class R, class KeyFn>
requires detail::sorting::SortableRange<R>
void par_sort_by_key(R&& range, KeyFn&& key_fn) {
  detail::sorting::sort_by_key(std::ranges::data(range), std::ranges::size(range), key_fn, true);
}

/// Sorts `range` stably by `key_fn`, calling `key_fn` exactly once per element: Rayon's
/// `par_sort_by_cached_key`. Cost: n keys and n indices of scratch plus one scratch array of
/// elements; the (key, index) entries are sorted (radix for arithmetic keys and for byte-string
/// keys of at most 16 bytes on trivially copyable elements), then the elements are moved into
/// place in parallel.
template <class R, class KeyFn>
requires detail::sorting::SortableRange<R>
void par_sort_by_cached_key(R&& range, KeyFn&& key_fn) {
  detail::sorting::sort_by_cached_key(std::ranges::data(range), std::ranges::size(range), key_fn);
}

/// Sorts `range` ascending by `<`; equal elements may be reordered: Rayon's `par_sort_unstable`.
/// Sequential equivalent: `std::sort(begin, end)`. Same algorithms as par_sort (see there), except
/// that a non-strictly descending input is simply reversed.
template <class R>
requires detail::sorting::SortableRange<R>
void par_sort_unstable(R&& range) {
  detail::sorting::sort_default(std::ranges::data(range), std::ranges::size(range), false);
}

/// Sorts `range` by `cmp` (bool "less" or three-way, as par_sort_by); equal elements may be
/// reordered: Rayon's `par_sort_unstable_by`. Sequential equivalent: `std::sort(begin, end, less)`.
template <class R, class Cmp>
requires detail::sorting::SortableRange<R>
void par_sort_unstable_by(R&& range, Cmp&& cmp) {
  detail::sorting::sort_by(std::ranges::data(range), std::ranges::size(range), cmp, false);
}

/// Sorts `range` by `key_fn(element)`; equal keys may be reordered: Rayon's
/// `par_sort_unstable_by_key`. Sequential equivalent: `std::sort` with `key(a) < key(b)`.
template <class R, class KeyFn>
requires detail::sorting::SortableRange<R>
void par_sort_unstable_by_key(R&& range, KeyFn&& key_fn) {
  detail::sorting::sort_by_key(std::ranges::data(range), std::ranges::size(range), key_fn, false);
}

}  // namespace hypar
