#pragma once
// The fast paths every sort tries before its main algorithm, written once for the radix and the
// sample sort: input already non-decreasing (nothing to do), non-increasing (reversed, equal runs
// put back for a stable sort), or nearly sorted (the displaced elements set aside, sorted and
// merged back). `sort_entry` is the shared preamble: tiny inputs, the team, the fast paths, the
// main sort, the rethrow.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <hypar/core/pool.hpp>
#include <hypar/sort/detail/insertion.hpp>
#include <hypar/sort/detail/scratch.hpp>
#include <hypar/sort/detail/stripes.hpp>
#include <type_traits>
#include <utility>
#include <vector>

namespace hypar::detail::sorting {

/// What the presorted check found.
enum class Presorted { kNo, kAscending, kDescending };

/// Checks in parallel stripes whether a[0, n) is already non-decreasing, or else non-increasing.
/// Pairs are compared in blocks of 256 without a branch per pair (about 1 ns per element), and a
/// stripe stops at the first block with a descent (resp. ascent), so on unsorted input it costs a
/// few hundred comparisons per stripe. An exception from `less` is recorded in `cancel`.
template <class T, class Less>
Presorted presorted(const T* a, std::size_t n, Less& less, std::size_t threads,
                    Cancellation& cancel) {
  if (n < 2)
    return Presorted::kAscending;
  const std::size_t s = threads > 1 && n >= kParallelMin ? stripe_count(n, threads) : 1;
  std::atomic<bool> not_asc{false};
  std::atomic<bool> not_desc{false};
  // True when no pair (i-1, i) in [lo, hi) is `bad`; gives up early once another stripe failed.
  auto scan = [&](std::size_t lo, std::size_t hi, std::atomic<bool>& failed, auto bad_pair) {
    constexpr std::size_t kBlock = 256;
    for (std::size_t i = lo; i < hi;) {
      const std::size_t e = std::min(hi, i + kBlock);
      bool bad = false;
      for (; i < e; ++i)
        bad |= bad_pair(i);
      if (bad)
        return false;
      if (failed.load(std::memory_order_relaxed))
        return false;
    }
    return true;
  };
  for_stripes(s, [&](std::size_t k) {
    auto [lo, hi] = stripe_bounds(0, n, k, s);
    if (lo == 0)
      lo = 1;
    try {
      if (!scan(lo, hi, not_asc, [&](std::size_t i) { return less(a[i], a[i - 1]); })) {
        not_asc.store(true, std::memory_order_relaxed);
        if (!scan(lo, hi, not_desc, [&](std::size_t i) { return less(a[i - 1], a[i]); })) {
          not_desc.store(true, std::memory_order_relaxed);
        }
      }
    } catch (...) {
      cancel.capture();
      not_asc.store(true, std::memory_order_relaxed);
      not_desc.store(true, std::memory_order_relaxed);
    }
  });
  if (!not_asc.load())
    return Presorted::kAscending;
  if (!not_desc.load())
    return Presorted::kDescending;
  return Presorted::kNo;
}

/// Reverses a[0, n) in parallel stripes.
template <class T>
void par_reverse(T* a, std::size_t n, std::size_t threads) {
  const std::size_t half = n / 2;
  const std::size_t s = threads > 1 && n >= kParallelMin ? stripe_count(half, threads) : 1;
  for_stripes(s, [&](std::size_t k) {
    const auto [lo, hi] = stripe_bounds(0, half, k, s);
    for (std::size_t i = lo; i < hi; ++i)
      std::swap(a[i], a[n - 1 - i]);
  });
}

/// Sorts a non-increasing a[0, n): reverses it, and for a stable sort reverses every run of equal
/// elements back, which restores their input order. Runs belong to the stripe they start in.
template <class T, class Less>
void reverse_descending(T* a, std::size_t n, Less& less, bool stable, std::size_t threads,
                        Cancellation& cancel) {
  par_reverse(a, n, threads);
  if (!stable)
    return;
  const std::size_t s = threads > 1 && n >= kParallelMin ? stripe_count(n, threads) : 1;
  for_stripes(s, [&](std::size_t k) {
    const auto [lo, hi] = stripe_bounds(0, n, k, s);
    try {
      std::size_t i = lo;
      if (i > 0) {  // skip the run that started in the previous stripe
        while (i < n && !less(a[i - 1], a[i]))
          ++i;
      }
      while (i < hi) {
        std::size_t j = i + 1;
        while (j < n && !less(a[j - 1], a[j]))
          ++j;
        if (j - i > 1)
          std::reverse(a + i, a + j);
        i = j;
      }
    } catch (...) {
      cancel.capture();
    }
  });
}

/// Cheap test for nearly sorted input: at most 1 in 64 of 1024 evenly spread adjacent pairs is a
/// descent (in a random input about half of them are).
template <class T, class Less>
bool looks_nearly_sorted(const T* a, std::size_t n, Less& less) {
  if (n < (std::size_t{1} << 16))
    return false;
  constexpr std::size_t kProbes = 1024;
  std::size_t descents = 0;
  for (std::size_t p = 0; p < kProbes; ++p) {
    const std::size_t i = 1 + (n - 2) * p / kProbes;
    if (less(a[i], a[i - 1]) && ++descents > kProbes / 64)
      return false;
  }
  return true;
}

/// Sorts a nearly sorted a[0, n) of trivially copyable T stably in O(n + k log k) for k
/// displaced elements: one scan keeps a non-decreasing subsequence and sets aside the
/// elements that break it (when a descent appears, the previous element goes aside if it is the
/// one out of place, else the new one); the set-aside elements are sorted with their positions
/// and merged back, ties by original position (stable). Returns false, having changed nothing,
/// when more than n/32 elements would be set aside. Exceptions from `less` leave `a` unchanged.
template <class T, class Less>
bool nearly_sorted_merge(T* a, std::size_t n, Less& less, std::size_t threads) {
  static_assert(std::is_trivially_copyable_v<T>);
  const std::size_t limit = n / 32;
  constexpr std::size_t kNone = ~std::size_t{0};
  std::vector<bool> out(n, false);
  std::vector<std::size_t> aside;
  // Every index before i is either kept or set aside, so the last kept element is found by
  // stepping back over set-aside ones.
  std::size_t top = kNone;
  for (std::size_t i = 0; i < n; ++i) {
    if (top == kNone || !less(a[i], a[top])) {
      top = i;
      continue;
    }
    // A descent. If the sequence goes on at or above the last kept element within two steps,
    // a[i] is out of place; else the kept elements above a[i] are.
    const bool i_out =
        (i + 1 < n && !less(a[i + 1], a[top])) || (i + 2 < n && !less(a[i + 2], a[top]));
    if (i_out) {
      out[i] = true;
      aside.push_back(i);
    } else {
      // Set aside at most two kept elements (a cluster of displaced large ones); if a[i] is still
      // below the last kept one, a[i] goes aside too (never a cascade over correct elements).
      for (int pops = 0; pops < 2 && top != kNone && less(a[i], a[top]); ++pops) {
        out[top] = true;
        aside.push_back(top);
        if (aside.size() > limit)
          return false;
        std::size_t j = top;
        top = kNone;
        while (j > 0) {
          --j;
          if (!out[j]) {
            top = j;
            break;
          }
        }
      }
      if (top != kNone && less(a[i], a[top])) {
        out[i] = true;
        aside.push_back(i);
      } else {
        top = i;
      }
    }
    if (aside.size() > limit)
      return false;
  }
  std::sort(aside.begin(), aside.end());
  std::vector<std::size_t> order(aside);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t x, std::size_t y) { return less(a[x], a[y]); });
  ScratchArray<T> tmp(n);
  T* t = tmp.get();
  std::size_t o = 0;
  std::size_t w = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (out[i])
      continue;
    // Emit every set-aside element that goes before a[i]: smaller, or equal and earlier.
    while (o < order.size() &&
           (less(a[order[o]], a[i]) || (order[o] < i && !less(a[i], a[order[o]])))) {
      t[w++] = a[order[o++]];
    }
    t[w++] = a[i];
  }
  while (o < order.size())
    t[w++] = a[order[o++]];
  par_move_range(t, a, 0, n, threads);
  return true;
}

/// Sorts a[0, n) by the fast paths when one applies, inside the team: returns true when the range
/// is sorted (or an exception was captured into `cancel`, with the range a permutation of its
/// input), false when the main sort must run. Nearly sorted inputs take the merge path only for
/// trivially copyable T.
template <class T, class Less>
bool sorted_by_fast_path(T* a, std::size_t n, Less& less, bool stable, std::size_t threads,
                         Cancellation& cancel) {
  const Presorted pre = presorted(a, n, less, threads, cancel);
  if (cancel.stopped() || pre == Presorted::kAscending)
    return true;
  if (pre == Presorted::kDescending) {
    reverse_descending(a, n, less, stable, threads, cancel);
    return true;
  }
  if constexpr (std::is_trivially_copyable_v<T>) {
    try {
      return looks_nearly_sorted(a, n, less) && nearly_sorted_merge(a, n, less, threads);
    } catch (...) {
      cancel.capture();
      return true;
    }
  }
  return false;
}

/// The preamble and epilogue every sort shares: nothing for n < 2, insertion sort up to
/// `insertion_max` elements, otherwise (in a team of current_num_threads() threads when n is large
/// enough) the fast paths, then `main_sort(cancel, threads)`, which records the exceptions of user
/// code in `cancel`; what it throws itself (std::bad_alloc of its scratch arrays, before it moved
/// anything) is recorded too. The first exception is rethrown at the end; the range then holds a
/// permutation of its input.
template <class T, class Less, class MainSort>
void sort_entry(T* a, std::size_t n, Less& less, bool stable, std::size_t insertion_max,
                MainSort&& main_sort) {
  if (n < 2)
    return;
  if (n <= insertion_max) {
    insertion_sort(a, n, less);
    return;
  }
  const std::size_t threads = n >= kParallelMin ? current_num_threads() : 1;
  Cancellation cancel;
  run_in_team(threads, [&] {
    if (sorted_by_fast_path(a, n, less, stable, threads, cancel))
      return;
    try {
      main_sort(cancel, threads);
    } catch (...) {
      cancel.capture();
    }
  });
  cancel.rethrow_if_failed();
}

}  // namespace hypar::detail::sorting
