#pragma once
// Building blocks shared by hypar's parallel sorts (docs/sorting.md): comparator adaptation (bool
// "less" or three-way), order-preserving radix keys for arithmetic types, the scratch buffer, the
// parallel stripe runner, stable insertion sort and the presorted-input check.
//
// Exception protocol of every sort (the "restore rule"): a sort keeps each element in exactly one
// of two arrays, the caller's range `orig` and a scratch array `tmp` of the same length, and every
// piece of work owns a subrange [lo, hi) whose elements all sit in one of them (`cur`). A piece
// that fails (a comparator or key function threw), or that is cancelled because another piece
// failed, moves its subrange back into `orig` before it ends. Pieces only move elements with
// move assignment, so with a non-throwing move no element is lost and none is duplicated: after an
// exception the range holds a permutation of its input (in unspecified order).

#include <omp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <hypar/core/pool.hpp>
#include <hypar/core/scope.hpp>
#include <limits>
#include <memory>
#include <new>
#include <ranges>
#include <tuple>
#include <type_traits>
#include <utility>

namespace hypar::detail {

/// Raw memory for sort scratch arrays (framework/src/sort/scratch.cpp): large blocks come from
/// mmap with transparent huge pages requested, so first touching them costs few page faults.
/// Throws std::bad_alloc.
void* sort_scratch_allocate(std::size_t bytes);
/// Releases a block from sort_scratch_allocate(bytes). The largest released block of at least
/// 4 MiB is kept for the next sort (fresh pages cost a kernel page clear each).
void sort_scratch_deallocate(void* p, std::size_t bytes) noexcept;
/// Returns the kept scratch block to the system.
void sort_scratch_trim() noexcept;

namespace sorting {

// ---------------------------------------------------------------------------------------------
// Comparators

template <class R>
inline constexpr bool is_ordering_v =
    std::is_same_v<R, std::strong_ordering> || std::is_same_v<R, std::weak_ordering> ||
    std::is_same_v<R, std::partial_ordering>;

/// A "less" predicate made from a user comparator that returns bool (a strict weak order) or a
/// std::*_ordering (three-way: less means `cmp(a, b) < 0`). Holds the comparator by pointer, so
/// every thread calls the caller's object.
template <class Cmp>
struct LessFromCmp {
  Cmp* cmp;
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    using R = std::remove_cvref_t<std::invoke_result_t<Cmp&, const A&, const B&>>;
    if constexpr (is_ordering_v<R>) {
      return std::invoke(*cmp, a, b) < 0;
    } else {
      return static_cast<bool>(std::invoke(*cmp, a, b));
    }
  }
};

/// `key(a) < key(b)`: the ordering of par_sort_by_key (the key is computed at every comparison).
template <class K>
inline constexpr bool is_byte_array_v = false;
template <std::size_t N>
inline constexpr bool is_byte_array_v<std::array<unsigned char, N>> = true;
template <std::size_t N>
inline constexpr bool is_byte_array_v<std::array<std::byte, N>> = true;

/// Lexicographic `<` of two N-byte strings of unsigned bytes. Up to 16 bytes as two big-endian
/// words (keys returned by value then stay in registers; memcmp on such temporaries costs a
/// store-forwarding stall per comparison), else memcmp.
template <std::size_t N>
bool bytes_less(const unsigned char* a, const unsigned char* b) noexcept {
  if constexpr (N <= 16 && std::endian::native == std::endian::little) {
    constexpr std::size_t kHead = N < 8 ? N : 8;
    std::uint64_t ha = 0;
    std::uint64_t hb = 0;
    std::memcpy(&ha, a, kHead);
    std::memcpy(&hb, b, kHead);
    ha = __builtin_bswap64(ha);
    hb = __builtin_bswap64(hb);
    if constexpr (N > 8) {
      if (ha != hb)
        return ha < hb;
      std::uint64_t ta = 0;
      std::uint64_t tb = 0;
      std::memcpy(&ta, a + 8, N - 8);
      std::memcpy(&tb, b + 8, N - 8);
      return __builtin_bswap64(ta) < __builtin_bswap64(tb);
    } else {
      return ha < hb;
    }
  } else {
    return std::memcmp(a, b, N) < 0;
  }
}

template <class KeyFn>
struct LessByKey {
  KeyFn* key;
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    using K = std::remove_cvref_t<std::invoke_result_t<KeyFn&, const A&>>;
    if constexpr (is_byte_array_v<K>) {
      const auto& ka = std::invoke(*key, a);
      const auto& kb = std::invoke(*key, b);
      return bytes_less<std::tuple_size_v<K>>(reinterpret_cast<const unsigned char*>(ka.data()),
                                              reinterpret_cast<const unsigned char*>(kb.data()));
    } else {
      return std::invoke(*key, a) < std::invoke(*key, b);
    }
  }
};

/// `a < b`: the ordering of par_sort.
struct PlainLess {
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    return a < b;
  }
};

// ---------------------------------------------------------------------------------------------
// Radix keys: an unsigned integer whose order is the order of the arithmetic value.

/// Arithmetic types sorted by radix: integers, bool, and IEEE float/double (not long double).
template <class K>
inline constexpr bool is_radix_key_v =
    std::is_integral_v<K> ||
    ((std::is_same_v<K, float> || std::is_same_v<K, double>)&&std::numeric_limits<K>::is_iec559);

template <std::size_t N>
struct UintOfSize;
template <>
struct UintOfSize<1> {
  using type = std::uint8_t;
};
template <>
struct UintOfSize<2> {
  using type = std::uint16_t;
};
template <>
struct UintOfSize<4> {
  using type = std::uint32_t;
};
template <>
struct UintOfSize<8> {
  using type = std::uint64_t;
};

/// The unsigned integer type of a radix key type.
template <class K>
using radix_uint_t = typename UintOfSize<sizeof(K)>::type;

/// The order-preserving unsigned image of `k`: signed integers get their sign bit flipped;
/// floating point values get all bits flipped when negative, else the sign bit set, and -0.0 is
/// first turned into +0.0 (so that -0.0 and 0.0 compare equal, as with `<`). NaNs land at the
/// ends: those with the sign bit clear after +inf, those with it set before -inf.
template <class K>
constexpr radix_uint_t<K> to_radix_key(K k) noexcept {
  using U = radix_uint_t<K>;
  constexpr U kSign = static_cast<U>(U{1} << (sizeof(U) * 8 - 1));
  if constexpr (std::is_same_v<K, bool>) {
    return static_cast<U>(k);
  } else if constexpr (std::is_integral_v<K> && std::is_unsigned_v<K>) {
    return static_cast<U>(k);
  } else if constexpr (std::is_integral_v<K>) {
    return static_cast<U>(static_cast<U>(k) ^ kSign);
  } else {
    if (k == K(0))
      k = K(0);
    const U u = std::bit_cast<U>(k);
    const U mask =
        static_cast<U>(static_cast<U>(U{0} - static_cast<U>(u >> (sizeof(U) * 8 - 1))) | kSign);
    return static_cast<U>(u ^ mask);
  }
}

// Recognised standard comparators: with them an arithmetic range can take the radix path.
template <class Cmp, class T>
inline constexpr bool is_std_less_v =
    std::is_same_v<Cmp, std::less<>> || std::is_same_v<Cmp, std::less<T>> ||
    std::is_same_v<Cmp, std::ranges::less>;
template <class Cmp, class T>
inline constexpr bool is_std_greater_v =
    std::is_same_v<Cmp, std::greater<>> || std::is_same_v<Cmp, std::greater<T>> ||
    std::is_same_v<Cmp, std::ranges::greater>;

// ---------------------------------------------------------------------------------------------
// Runtime helpers

/// Below this many elements a sort runs sequentially on the calling thread.
inline constexpr std::size_t kParallelMin = std::size_t{1} << 14;
/// Elements per stripe of a parallel pass, at least.
inline constexpr std::size_t kMinStripe = std::size_t{1} << 12;

/// The number of stripes a parallel pass over n elements uses: about 4 per thread (so a thread
/// slowed by a neighbour on a shared node leaves work for the others), each at least kMinStripe.
inline std::size_t stripe_count(std::size_t n, std::size_t threads) {
  return std::max<std::size_t>(1, std::min(threads * 4, n / kMinStripe));
}

/// The half-open bounds of stripe i of s over [lo, hi).
inline std::pair<std::size_t, std::size_t> stripe_bounds(std::size_t lo, std::size_t hi,
                                                         std::size_t i, std::size_t s) {
  const std::size_t n = hi - lo;
  return {lo + n * i / s, lo + n * (i + 1) / s};
}

/// Runs f(i) for i in [0, count) as tasks of the current team (f(0) on this thread) and returns
/// when all have ended. f must not throw (pieces catch and record into a Cancellation).
template <class F>
void for_stripes(std::size_t count, F&& f) {
  if (count <= 1 || !omp_in_parallel()) {
    for (std::size_t i = 0; i < count; ++i)
      f(i);
    return;
  }
  hypar::scope([&](hypar::Scope& s) {
    for (std::size_t i = 1; i < count; ++i)
      s.spawn([&f, i](hypar::Scope&) { f(i); });
    f(0);
  });
}

/// Runs body() inside a parallel region of current_num_threads() threads (thread 0 runs it, the
/// others execute its tasks), or directly when already inside one or when one thread is used.
template <class F>
void run_in_team(std::size_t threads, F&& body) {
  if (threads <= 1 || omp_in_parallel()) {
    body();
    return;
  }
  hypar::scope([&](hypar::Scope&) { body(); });
}

/// An array of n elements of T in sort_scratch_allocate memory. Holds no live objects unless the
/// owner constructs them (non-trivially-copyable element types).
template <class T>
class ScratchArray {
 public:
  explicit ScratchArray(std::size_t n)
      : n_(n),
        data_(static_cast<T*>(sort_scratch_allocate(std::max<std::size_t>(1, n) * sizeof(T)))) {}
  ~ScratchArray() { sort_scratch_deallocate(data_, std::max<std::size_t>(1, n_) * sizeof(T)); }
  ScratchArray(const ScratchArray&) = delete;
  ScratchArray& operator=(const ScratchArray&) = delete;
  T* get() const noexcept { return data_; }

 private:
  std::size_t n_;
  T* data_;
};

/// Moves [lo, hi) of `from` onto the same positions of `to` (both live arrays).
template <class T>
void move_range(T* from, T* to, std::size_t lo, std::size_t hi) noexcept {
  if (from == to || lo >= hi)
    return;
  if constexpr (std::is_trivially_copyable_v<T>) {
    std::memcpy(static_cast<void*>(to + lo), static_cast<const void*>(from + lo),
                (hi - lo) * sizeof(T));
  } else {
    for (std::size_t i = lo; i < hi; ++i)
      to[i] = std::move(from[i]);
  }
}

/// move_range in parallel stripes (inside a team).
template <class T>
void par_move_range(T* from, T* to, std::size_t lo, std::size_t hi, std::size_t threads) noexcept {
  if (from == to || lo >= hi)
    return;
  const std::size_t s = threads > 1 ? stripe_count(hi - lo, threads) : 1;
  for_stripes(s, [&](std::size_t i) {
    const auto [a, b] = stripe_bounds(lo, hi, i, s);
    move_range(from, to, a, b);
  });
}

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

/// A small fast PRNG (splitmix64) for sampling.
struct SplitMix {
  std::uint64_t state;
  std::uint64_t next() noexcept {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) noexcept { return static_cast<std::size_t>(next() % n); }
};

}  // namespace sorting
}  // namespace hypar::detail

namespace hypar::detail::sorting {

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

}  // namespace hypar::detail::sorting
