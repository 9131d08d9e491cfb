#pragma once
// par_sort_by_key and par_sort_by_cached_key on byte-string keys (docs/sorting.md section 2.1):
// the key is a std::array<B, N> with B = unsigned char (std::uint8_t) or std::byte, whose `<` is
// memcmp order, and the element type is trivially copyable. Such a key is radix-sorted as
// big-endian words instead of being compared: `hi` holds bytes 0..7, `lo` bytes 8..15 (zero
// padded), and keys longer than 16 bytes compare their tail with memcmp.
//
// Two ways to apply the radix sort, chosen per element size at compile time (byte_key_direct):
//
// * Direct: the elements themselves are radix-sorted by `hi` (the key function is called in every
//   pass, as for arithmetic keys), then every run of equal `hi` is sorted stably by `lo`, and for
//   N > 16 every run of equal (hi, lo) stably by the tail. Right for small elements.
// * Entries (large elements, e.g. 100-byte records): one parallel pass builds an entry per element,
//   {hi, lo with the element's index in its low 32 bits} for N <= 12 (16 bytes, and all entries
//   distinct, so the tie pass needs no stability), {hi, lo, index} for N > 12 (24 bytes). The
//   entries are radix-sorted stably by `hi` (the existing parallel radix sort), then the runs of
//   equal `hi` are resolved as above (for N > 16 by comparing the tails of the elements' keys,
//   recomputed). Finally the permutation is applied: one parallel gather of the elements into a
//   scratch array in sorted order (source lines prefetched, whole destination lines written with
//   non-temporal stores), and one parallel copy back. An element moves twice, where the sample
//   sort moves it once per level and once more at the leaves (3 times for 10 M elements).
//
// Why hi first and the runs afterwards (MSD composition) rather than an LSD composition (a full
// radix sort by `lo`, then a stable one by `hi`): on keys whose first 8 bytes mostly differ the
// runs are short and the second word costs one scan; in the worst case (all first 8 bytes equal)
// it costs one more radix sort over the run, which is what LSD would always cost.
//
// Ties keep their input order: the radix sort is stable, the runs are sorted stably (or by a key
// that contains the index), so the result is exactly std::stable_sort's.
//
// Exceptions from the key function are captured and the remaining pieces stop. Entries: the key
// is only called before any element moves (building the entries, and the tie pass for N > 16),
// so the range is left unchanged. Direct: the radix sort and the run sorts keep every element in
// exactly one place (the restore rule of scratch.hpp), so the range holds a permutation.

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <hypar/sort/detail/compare.hpp>
#include <hypar/sort/detail/fast_paths.hpp>
#include <hypar/sort/detail/insertion.hpp>
#include <hypar/sort/detail/scratch.hpp>
#include <hypar/sort/detail/stripes.hpp>
#include <hypar/sort/radix_sort.hpp>
#include <hypar/sort/sample_sort.hpp>
#include <limits>
#include <memory>
#include <numeric>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace hypar::detail::sorting {

static_assert(std::endian::native == std::endian::little || std::endian::native == std::endian::big,
              "byte-string radix keys assume a little- or big-endian machine");

/// Bytes [0, L) of p (1 <= L <= 8) as the most significant bytes of a word, the others zero: two
/// such words compare like the byte strings (memcmp order).
template <std::size_t L>
std::uint64_t be_word(const unsigned char* p) noexcept {
  static_assert(L >= 1 && L <= 8);
  std::uint64_t w = 0;
  std::memcpy(&w, p, L);
  if constexpr (std::endian::native == std::endian::little)
    w = __builtin_bswap64(w);
  return w;
}

/// The bytes of a byte-array key.
template <class K>
const unsigned char* key_bytes(const K& k) noexcept {
  return reinterpret_cast<const unsigned char*>(k.data());
}

/// The radix words of an N-byte key: hi = bytes 0..7, lo = bytes 8..15, the tail beyond 16.
template <std::size_t N>
struct ByteKeyWords {
  static_assert(N >= 1);
  static std::uint64_t hi(const unsigned char* p) noexcept { return be_word<(N < 8 ? N : 8)>(p); }
  static std::uint64_t lo(const unsigned char* p) noexcept {
    if constexpr (N > 8) {
      return be_word<(N < 16 ? N : 16) - 8>(p + 8);
    } else {
      static_cast<void>(p);
      return 0;
    }
  }
  static bool tail_less(const unsigned char* a, const unsigned char* b) noexcept {
    if constexpr (N > 16) {
      return std::memcmp(a + 16, b + 16, N - 16) < 0;
    } else {
      static_cast<void>(a);
      static_cast<void>(b);
      return false;
    }
  }
};

/// One entry of the entries path. N <= 12: the bytes after the first 8 (at most 4) sit in the top
/// half of `lo` and the index in its bottom half, so (hi, lo) is a unique 128-bit key. N > 12:
/// bytes 8..15 fill `lo` and the index is a member of its own.
template <std::size_t N, bool kPacked = (N <= 12)>
struct ByteKeyEntry {
  std::uint64_t hi;
  std::uint64_t lo;
  static ByteKeyEntry make(const unsigned char* p, std::size_t i) noexcept {
    return {ByteKeyWords<N>::hi(p), ByteKeyWords<N>::lo(p) | static_cast<std::uint32_t>(i)};
  }
  std::size_t index() const noexcept { return static_cast<std::uint32_t>(lo); }
};
template <std::size_t N>
struct ByteKeyEntry<N, false> {
  std::uint64_t hi;
  std::uint64_t lo;
  std::uint32_t idx;
  static ByteKeyEntry make(const unsigned char* p, std::size_t i) noexcept {
    return {ByteKeyWords<N>::hi(p), ByteKeyWords<N>::lo(p), static_cast<std::uint32_t>(i)};
  }
  std::size_t index() const noexcept { return idx; }
};

/// Whether the direct path (radix sort on the elements) beats the entries path for an element of
/// `elem` bytes and a key of N bytes, by memory traffic per element. Direct: about 4 passes over
/// the elements, each a read and a write (8 * elem), plus one read in the tie scan when N > 8.
/// Entries: the keys read (elem), an entry written, about 8 entry sizes in its radix sort, the
/// gather (a random read costs at least a 64-byte line, then a write of elem) and the copy back
/// (2 * elem): 3 * elem + 9 * entry + 64. Break-even near 40 bytes for 16-byte entries, 55 for
/// 24-byte ones: 100-byte records take the entries path, a key with a small payload the direct one.
template <std::size_t N>
constexpr bool byte_key_direct(std::size_t elem) {
  const std::size_t entry = sizeof(ByteKeyEntry<N>);
  return (N > 8 ? 9 : 8) * elem <= 3 * elem + 9 * entry + 64;
}

/// Runs of at most this many elements are sorted by insertion sort in the tie pass.
inline constexpr std::size_t kTieInsertion = 32;

/// The tie pass, after x[0, n) was sorted stably by hi(x): sorts every run of equal `hi` stably by
/// `lo` and, with kTail, every run of equal (hi, lo) stably by `tail_less`. Two parallel passes:
/// the first only reads and lists the runs that start in each stripe (a run may reach into the
/// next stripes, which skip it), the second sorts them, so no element is read by one stripe while
/// another moves it. Long runs are sorted by the parallel radix (sample) sort, which joins the
/// team. Exceptions (from a key function) are captured into `cancel`; x stays a permutation.
template <bool kTail, class X, class Hi, class Lo, class TailLess>
void sort_tied_runs(X* x, std::size_t n, Hi& hi, Lo& lo, TailLess& tail_less, std::size_t threads,
                    Cancellation& cancel) {
  auto by_lo = [&lo](const X& p, const X& q) { return lo(p) < lo(q); };
  auto sort_run = [&](std::size_t i, std::size_t j) {
    if (j - i <= kTieInsertion) {
      insertion_sort(x + i, j - i, by_lo);
    } else {
      radix_sort(x + i, j - i, lo, true);
    }
    if constexpr (kTail) {
      for (std::size_t p = i; p < j;) {
        const std::uint64_t w = lo(x[p]);
        std::size_t q = p + 1;
        while (q < j && lo(x[q]) == w)
          ++q;
        if (q - p > kTieInsertion) {
          sample_sort(x + p, q - p, tail_less, true);
        } else if (q - p > 1) {
          insertion_sort(x + p, q - p, tail_less);
        }
        p = q;
      }
    }
  };
  const std::size_t s = threads > 1 && n >= kParallelMin ? stripe_count(n, threads) : 1;
  std::vector<std::vector<std::pair<std::size_t, std::size_t>>> runs(s);
  for_stripes(s, [&](std::size_t k) {
    const auto [a, b] = stripe_bounds(0, n, k, s);
    try {
      std::size_t i = a;
      if (i > 0) {  // skip the run that started in the previous stripe
        const std::uint64_t w = hi(x[i - 1]);
        while (i < b && hi(x[i]) == w)
          ++i;
      }
      while (i < b && !cancel.stopped()) {
        const std::uint64_t w = hi(x[i]);
        std::size_t j = i + 1;
        while (j < n && hi(x[j]) == w)
          ++j;
        if (j - i > 1)
          runs[k].emplace_back(i, j);
        i = j;
      }
    } catch (...) {
      cancel.capture();
    }
  });
  if (cancel.stopped())
    return;
  for_stripes(s, [&](std::size_t k) {
    try {
      for (const auto& [i, j] : runs[k]) {
        if (cancel.stopped())
          break;
        sort_run(i, j);
      }
    } catch (...) {
      cancel.capture();
    }
  });
}

/// Whether e[i].index() == i for every i (the input was already in order).
template <class Entry>
bool is_identity(const Entry* e, std::size_t n, std::size_t threads) {
  const std::size_t s = threads > 1 && n >= kParallelMin ? stripe_count(n, threads) : 1;
  std::atomic<bool> moved{false};
  for_stripes(s, [&](std::size_t k) {
    const auto [a, b] = stripe_bounds(0, n, k, s);
    for (std::size_t i = a; i < b; i += 1024) {
      if (moved.load(std::memory_order_relaxed))
        return;
      const std::size_t end = std::min(b, i + 1024);
      bool bad = false;
      for (std::size_t j = i; j < end; ++j)
        bad |= e[j].index() != j;
      if (bad) {
        moved.store(true, std::memory_order_relaxed);
        return;
      }
    }
  });
  return !moved.load();
}

/// Above this many bytes the gather writes whole destination lines with non-temporal stores (the
/// scratch array is read back only after the whole gather; below, it stays in cache).
inline constexpr std::size_t kGatherStreamBytes = std::size_t{8} << 20;

/// out[i] = a[e[i].index()] for i in [lo, hi). The source elements are prefetched kAhead entries
/// ahead (the reads are random, the entries sequential). With `streaming`, and `out` line-aligned,
/// groups of kGroup elements (a whole number of 64-byte lines) are collected in a buffer and
/// written with non-temporal stores: no read-for-ownership of the destination. Elements outside
/// whole groups at the ends are written with plain stores; no line is written both ways.
template <class T, class Entry>
void gather_range(const T* a, const Entry* e, std::size_t lo, std::size_t hi, T* out,
                  bool streaming) noexcept {
  constexpr std::size_t kSize = sizeof(T);
  constexpr std::size_t kAhead = 16;
  auto copy_one = [&](std::size_t j, void* dst) {
    if (j + kAhead < hi) {
      const char* p = reinterpret_cast<const char*>(a + e[j + kAhead].index());
      for (std::size_t off = 0; off < std::min<std::size_t>(kSize, 256); off += 64)
        __builtin_prefetch(p + off);
      __builtin_prefetch(p + kSize - 1);
    }
    std::memcpy(dst, static_cast<const void*>(a + e[j].index()), kSize);
  };
  std::size_t i = lo;
#if defined(__SSE2__)
  constexpr std::size_t kGroup = 64 / std::gcd(kSize, std::size_t{64});
  constexpr std::size_t kGroupBytes = kGroup * kSize;
  if constexpr (kGroupBytes <= 8192) {
    if (streaming && reinterpret_cast<std::uintptr_t>(out) % 64 == 0) {
      const std::size_t first = std::min(hi, (lo + kGroup - 1) / kGroup * kGroup);
      for (; i < first; ++i)
        copy_one(i, out + i);
      alignas(64) unsigned char buf[kGroupBytes];
      for (; i + kGroup <= hi; i += kGroup) {
        for (std::size_t u = 0; u < kGroup; ++u)
          copy_one(i + u, buf + u * kSize);
        auto* dst = reinterpret_cast<__m128i*>(static_cast<void*>(out + i));
        const auto* src = reinterpret_cast<const __m128i*>(buf);
        for (std::size_t w = 0; w < kGroupBytes / 16; ++w)
          _mm_stream_si128(dst + w, _mm_load_si128(src + w));
      }
      _mm_sfence();
    }
  }
#endif
  static_cast<void>(streaming);
  for (; i < hi; ++i)
    copy_one(i, out + i);
}

/// Applies the sorted entries to a[0, n): gathers the elements into `out` (n elements of scratch,
/// line-aligned) in entry order and copies them back, both in parallel stripes.
template <class T, class Entry>
void apply_entries(T* a, const Entry* e, std::size_t n, T* out, std::size_t threads) {
  const bool streaming = n * sizeof(T) > kGatherStreamBytes;
  const std::size_t s = threads > 1 && n >= kParallelMin ? stripe_count(n, threads) : 1;
  for_stripes(s, [&](std::size_t k) {
    const auto [lo, hi] = stripe_bounds(0, n, k, s);
    gather_range(a, e, lo, hi, out, streaming);
  });
  par_move_range(out, a, 0, n, s > 1 ? threads : 1);
}

/// The words of an entry, as named types: the radix sort of the entries and its tie pass are then
/// instantiated once per key length, not per element type and key function.
template <std::size_t N>
struct EntryHi {
  std::uint64_t operator()(const ByteKeyEntry<N>& x) const noexcept { return x.hi; }
};
template <std::size_t N>
struct EntryLo {
  std::uint64_t operator()(const ByteKeyEntry<N>& x) const noexcept { return x.lo; }
};
/// The tail comparison of keys of at most 16 bytes (never called: the words hold them whole).
struct NoTail {
  template <class X>
  bool operator()(const X&, const X&) const noexcept {
    return false;
  }
};

/// Sorts built entries: stably by hi (radix, with `scratch` as its scratch array), then the tie
/// pass (N > 8; `tail` compares the key bytes beyond 16, for N > 16).
template <std::size_t N, class TailLess>
void sort_entries(ByteKeyEntry<N>* e, std::size_t n, ByteKeyEntry<N>* scratch, TailLess& tail,
                  std::size_t threads, Cancellation& cancel) {
  EntryHi<N> hi;
  radix_sort(e, n, hi, true, scratch);
  if constexpr (N > 8) {
    EntryLo<N> lo;
    sort_tied_runs<(N > 16)>(e, n, hi, lo, tail, threads, cancel);
  }
}

/// The entries path inside the team (see the header comment): entries built in parallel, radix
/// sorted by hi, the tie pass, the permutation applied. `key` is called once per element, plus
/// (N > 16 only) twice per comparison of the tie pass. Errors go to `cancel`; the range is then
/// unchanged.
template <class T, class KeyFn>
void byte_key_entries(T* a, std::size_t n, KeyFn& key, std::size_t threads, Cancellation& cancel) {
  using K = std::remove_cvref_t<std::invoke_result_t<KeyFn&, const T&>>;
  constexpr std::size_t N = std::tuple_size_v<K>;
  using Entry = ByteKeyEntry<N>;
  static_assert(std::is_trivially_copyable_v<Entry> && (N > 12 || sizeof(Entry) == 16));
  static_assert(alignof(T) <= 64 && alignof(Entry) <= 64);
  try {
    // One scratch block: the entries, then a region that is first the radix sort's scratch for
    // the entries and then the gather's destination. One block rather than three arrays, because
    // the scratch allocator keeps the largest released block for the next sort (fresh pages cost
    // the kernel a clear each), so repeated sorts reuse all of it.
    const std::size_t entry_bytes = (n * sizeof(Entry) + 63) / 64 * 64;
    ScratchArray<unsigned char> block(entry_bytes + std::max(n * sizeof(T), n * sizeof(Entry)));
    auto* e = reinterpret_cast<Entry*>(block.get());
    unsigned char* spare = block.get() + entry_bytes;
    const std::size_t s = threads > 1 && n >= kParallelMin ? stripe_count(n, threads) : 1;
    for_stripes(s, [&](std::size_t k) {
      const auto [lo, hi] = stripe_bounds(0, n, k, s);
      try {
        for (std::size_t i = lo; i < hi; ++i) {
          if ((i & 1023) == 0 && cancel.stopped())
            break;
          decltype(auto) kv = std::invoke(key, static_cast<const T&>(a[i]));
          std::construct_at(e + i, Entry::make(key_bytes(kv), i));
        }
      } catch (...) {
        cancel.capture();
      }
    });
    if (cancel.stopped())
      return;
    if constexpr (N > 16) {
      auto tail = [&key, a](const Entry& x, const Entry& y) {
        decltype(auto) kx = std::invoke(key, static_cast<const T&>(a[x.index()]));
        decltype(auto) ky = std::invoke(key, static_cast<const T&>(a[y.index()]));
        return ByteKeyWords<N>::tail_less(key_bytes(kx), key_bytes(ky));
      };
      sort_entries<N>(e, n, reinterpret_cast<Entry*>(spare), tail, threads, cancel);
    } else {
      NoTail tail;
      sort_entries<N>(e, n, reinterpret_cast<Entry*>(spare), tail, threads, cancel);
    }
    if (cancel.stopped())
      return;
    if (is_identity(e, n, threads))
      return;
    apply_entries(a, e, n, reinterpret_cast<T*>(spare), threads);
  } catch (...) {
    cancel.capture();
  }
}

/// The direct path inside the team: the elements radix-sorted by hi, then the tie pass. Errors go
/// to `cancel`; the range then holds a permutation of its input.
template <class T, class KeyFn>
void byte_key_direct_sort(T* a, std::size_t n, KeyFn& key, std::size_t threads,
                          Cancellation& cancel) {
  using K = std::remove_cvref_t<std::invoke_result_t<KeyFn&, const T&>>;
  constexpr std::size_t N = std::tuple_size_v<K>;
  using Words = ByteKeyWords<N>;
  auto hi = [&key](const T& x) {
    decltype(auto) k = std::invoke(key, x);
    return Words::hi(key_bytes(k));
  };
  try {
    radix_sort(a, n, hi, true);
    if constexpr (N > 8) {
      auto lo = [&key](const T& x) {
        decltype(auto) k = std::invoke(key, x);
        return Words::lo(key_bytes(k));
      };
      auto tail = [&key](const T& x, const T& y) {
        decltype(auto) kx = std::invoke(key, x);
        decltype(auto) ky = std::invoke(key, y);
        return Words::tail_less(key_bytes(kx), key_bytes(ky));
      };
      sort_tied_runs<(N > 16)>(a, n, hi, lo, tail, threads, cancel);
    }
  } catch (...) {
    cancel.capture();
  }
}

/// Keys the byte-string path takes: non-empty arrays of unsigned bytes.
template <class K>
inline constexpr bool is_byte_string_key_v = [] {
  if constexpr (is_byte_array_v<K>) {
    return std::tuple_size_v<K> > 0;
  } else {
    return false;
  }
}();

/// par_sort_by_key / par_sort_unstable_by_key with a byte-string key on trivially copyable T:
/// insertion sort up to 24 elements; the fast paths (sorted, descending, nearly sorted); then the
/// direct or the entries path (byte_key_direct). More than 2^32 elements on the entries path
/// (whose entries hold 32-bit indices) take the direct path instead. Small inputs (in cache,
/// sequential below 16384 elements) take the same paths rather than the sample sort: the traffic
/// argument of byte_key_direct holds inside the cache too (a 100-byte element moves twice instead
/// of once per sample-sort level plus the insertion sort), and a radix pass has no comparisons.
template <class T, class KeyFn>
void byte_key_sort(T* a, std::size_t n, KeyFn& key, bool stable) {
  using K = std::remove_cvref_t<std::invoke_result_t<KeyFn&, const T&>>;
  constexpr std::size_t N = std::tuple_size_v<K>;
  constexpr bool kDirect = byte_key_direct<N>(sizeof(T));
  static_assert(std::is_trivially_copyable_v<T> && is_byte_string_key_v<K>);
  LessByKey<KeyFn> less{&key};
  if (n < 2)
    return;
  if (n <= 24) {
    insertion_sort(a, n, less);
    return;
  }
  const std::size_t threads = n >= kParallelMin ? current_num_threads() : 1;
  Cancellation cancel;
  run_in_team(threads, [&] {
    if (sorted_by_fast_path(a, n, less, stable, threads, cancel))
      return;
    if constexpr (kDirect) {
      byte_key_direct_sort(a, n, key, threads, cancel);
    } else {
      if (n - 1 <= std::numeric_limits<std::uint32_t>::max()) {
        byte_key_entries(a, n, key, threads, cancel);
      } else {
        byte_key_direct_sort(a, n, key, threads, cancel);  // indices beyond 32 bits
      }
    }
  });
  cancel.rethrow_if_failed();
}

/// par_sort_by_cached_key with a byte-string key of at most 16 bytes on trivially copyable T (for
/// n >= 2 and n < 2^32): the entries path, which calls `key` exactly once per element (no fast
/// paths on the elements, which would call it again; an input already in order is found on the
/// entries). An exception from `key` leaves the range unchanged.
template <class T, class KeyFn>
void byte_key_cached_sort(T* a, std::size_t n, KeyFn& key) {
  const std::size_t threads = n >= kParallelMin ? current_num_threads() : 1;
  Cancellation cancel;
  run_in_team(threads, [&] { byte_key_entries(a, n, key, threads, cancel); });
  cancel.rethrow_if_failed();
}

}  // namespace hypar::detail::sorting
