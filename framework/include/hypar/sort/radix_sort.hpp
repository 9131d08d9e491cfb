#pragma once
// Parallel stable radix sort for arithmetic keys (docs/sorting.md section 2): one parallel MSD
// step on the highest varying bits of the key (per-stripe histograms, then a stable scatter into
// the scratch array), which cuts the input into buckets of a few hundred KiB; each bucket is then
// sorted inside the core's cache by an LSD radix sort over its remaining bits (8-bit digits, all
// histograms from one pass, digits that are equal for the whole bucket skipped), ping-ponging
// between the scratch array and the caller's range so that it ends in place. Keys that are equal
// in all varying bits cost one pass. Counting-sort scatters keep equal keys in input order, so
// the whole sort is stable, and it serves par_sort as well as par_sort_unstable.

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <hypar/sort/detail/fast_paths.hpp>
#include <hypar/sort/detail/insertion.hpp>
#include <hypar/sort/detail/scratch.hpp>
#include <hypar/sort/detail/stripes.hpp>
#include <type_traits>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace hypar::detail::sorting {

/// The radix sorter for one call over trivially copyable T; `key(x)` returns the unsigned
/// order-preserving key U. See the restore rule in sort/detail/scratch.hpp (key functions may
/// throw).
template <class T, class Key>
class RadixSorter {
 public:
  using U = std::remove_cvref_t<std::invoke_result_t<Key&, const T&>>;
  static_assert(std::is_unsigned_v<U>, "radix keys are unsigned integers");
  static_assert(std::is_trivially_copyable_v<T>, "the radix sort copies elements with memcpy");
  static constexpr int kBits = static_cast<int>(sizeof(U) * 8);
  static constexpr std::size_t kInsertion = 32;  ///< insertion sort at or below
  /// Buckets of at most this many bytes are finished inside the cache (LSD passes or one more MSD
  /// step): the bucket, its scratch twin and the histograms fit a 1-2 MiB L2 cache together.
  /// Measured on 50 M uint64: 128 KiB 0.42 s, 256 KiB 0.46 s, 512 KiB 0.55 s, 64 KiB 0.63 s.
  static constexpr std::size_t kLsdBytes = std::size_t{128} << 10;
  static constexpr int kMaxMsdBits = 12;
  static constexpr int kMaxLsdPasses = 3;

  RadixSorter(T* orig, T* tmp, Key& key, Cancellation& cancel, std::size_t threads)
      : orig_(orig), tmp_(tmp), key_(key), cancel_(cancel), threads_(threads) {}

  /// Sorts cur[lo, hi), whose keys agree on all bits at and above `hi_bit`, into orig[lo, hi) on
  /// this thread. On an exception the range is restored into orig and the exception propagates.
  void sort_seq(T* cur, std::size_t lo, std::size_t hi, int hi_bit) {
    const std::size_t n = hi - lo;
    if (n <= kInsertion) {
      move_range(cur, orig_, lo, hi);
      insertion_sort(orig_ + lo, n, key_less_);
      return;
    }
    // In cache: LSD passes when the varying bits need at most kMaxLsdPasses of them, else one
    // more MSD step (wide keys such as uniform 64-bit ones: after an 11-bit step the buckets hold
    // a dozen elements, which an insertion sort finishes faster than 7 more passes).
    if (n * sizeof(T) <= kLsdBytes && hi_bit <= 8 * kMaxLsdPasses) {
      lsd(cur, lo, hi, hi_bit);
      return;
    }
    int shift = 0;
    int digit_bits = 0;
    std::vector<std::size_t> start;
    T* out = other(cur);
    try {
      // One pass: the varying bits and a histogram of the digit just below hi_bit (right for
      // keys whose top bits vary; recounted below when they turn out constant).
      const bool in_cache = n * sizeof(T) <= kLsdBytes;
      digit_bits = in_cache ? std::min(kMaxMsdBits, hi_bit) : msd_bits(n, hi_bit);
      shift = hi_bit - digit_bits;
      std::size_t nb = std::size_t{1} << digit_bits;
      start.assign(nb + 1, 0);
      const U k0 = key_(cur[lo]);
      U mask = 0;
      for (std::size_t i = lo; i < hi; ++i) {
        const U k = key_(cur[i]);
        mask |= static_cast<U>(k ^ k0);
        ++start[digit(k, shift, nb) + 1];
      }
      mask &= low_bits(hi_bit);
      if (mask == 0) {
        move_range(cur, orig_, lo, hi);
        return;
      }
      const int hb = static_cast<int>(std::bit_width(mask));
      if (in_cache && hb <= 8 * kMaxLsdPasses) {
        lsd(cur, lo, hi, hb);
        return;
      }
      if (hb - shift < std::max(1, digit_bits - 2)) {
        digit_bits = in_cache ? std::min(kMaxMsdBits, hb) : msd_bits(n, hb);
        shift = hb - digit_bits;
        nb = std::size_t{1} << digit_bits;
        start.assign(nb + 1, 0);
        for (std::size_t i = lo; i < hi; ++i)
          ++start[digit(key_(cur[i]), shift, nb) + 1];
      }
      for (std::size_t b = 0; b < nb; ++b)
        start[b + 1] += start[b];
      // The scatter advances start[b] to the end of bucket b (= the old start[b + 1]).
      scatter(cur, lo, hi, out + lo, start.data(), shift, nb, n * sizeof(T) > kStreamBytes);
    } catch (...) {
      move_range(cur, orig_, lo, hi);
      throw;
    }
    const std::size_t nb = start.size() - 1;
    std::size_t b = 0;
    try {
      for (; b < nb; ++b) {
        const std::size_t blo = lo + (b == 0 ? 0 : start[b - 1]);
        const std::size_t bhi = lo + start[b];
        if (bhi - blo <= kInsertion) {
          move_range(out, orig_, blo, bhi);
          if (bhi - blo > 1)
            insertion_sort(orig_ + blo, bhi - blo, key_less_);
        } else {
          sort_seq(out, blo, bhi, shift);
        }
      }
    } catch (...) {
      for (++b; b < nb; ++b)
        move_range(out, orig_, lo + start[b - 1], lo + start[b]);
      throw;
    }
  }

  /// Sorts cur[lo, hi) into orig[lo, hi) with the team, in four steps: histograms of the top
  /// varying digit per stripe, stable scatter offsets, the scatter into the other array, then the
  /// buckets as tasks. Never throws: errors go to the Cancellation and the range always ends in
  /// orig (a failed or cancelled step moves it back: the scatter only reads `cur`).
  void sort_par(T* cur, std::size_t lo, std::size_t hi, int hi_bit) {
    const std::size_t n = hi - lo;
    if (threads_ <= 1 || n < kParallelMin || cancel_.stopped()) {
      seq_task(cur, lo, hi, hi_bit);
      return;
    }
    const std::size_t s = stripe_count(n, threads_);
    Digit digit = histogram(cur, lo, hi, hi_bit, s);
    if (cancel_.stopped() || digit.constant) {
      par_move_range(cur, orig_, lo, hi, threads_);
      return;
    }
    const std::vector<std::size_t> start = stable_scatter_offsets(digit.counts, s, digit.nb);
    T* out = other(cur);
    scatter_stripes(cur, lo, hi, out, digit, s);
    if (cancel_.stopped()) {
      par_move_range(cur, orig_, lo, hi, threads_);
      return;
    }
    sort_buckets(out, lo, n, start, digit.shift);
  }

 private:
  /// The MSD digit of one parallel step: bits [shift, shift + log2(nb)) of the key, with the
  /// per-stripe histograms (stripe k, bucket b at counts[k * nb + b]).
  struct Digit {
    int shift = 0;
    std::size_t nb = 1;
    std::vector<std::size_t> counts;
    bool constant = false;  ///< every key agrees on all bits below hi_bit: nothing to sort
  };

  /// Step 1: one parallel pass finds which bits vary and counts the digit just below hi_bit per
  /// stripe (right when the top bits vary); when they turn out constant, a second pass counts
  /// the top varying digit instead.
  Digit histogram(const T* cur, std::size_t lo, std::size_t hi, int hi_bit, std::size_t s) {
    const std::size_t n = hi - lo;
    Digit d;
    int digit_bits = msd_bits(n, hi_bit);
    d.shift = hi_bit - digit_bits;
    d.nb = std::size_t{1} << digit_bits;
    d.counts.assign(s * d.nb, 0);
    std::vector<U> masks(s, 0);
    U k0 = 0;
    try {
      k0 = key_(cur[lo]);
    } catch (...) {
      cancel_.capture();
    }
    count_stripes<true>(cur, lo, hi, s, d, k0, masks.data());
    U mask = 0;
    for (U m : masks)
      mask |= m;
    mask &= low_bits(hi_bit);
    if (cancel_.stopped() || mask == 0) {
      d.constant = mask == 0;
      return d;
    }
    const int hb = static_cast<int>(std::bit_width(mask));
    if (hb - d.shift < std::max(1, digit_bits - 2)) {
      digit_bits = msd_bits(n, hb);
      d.shift = hb - digit_bits;
      d.nb = std::size_t{1} << digit_bits;
      d.counts.assign(s * d.nb, 0);
      count_stripes<false>(cur, lo, hi, s, d, k0, nullptr);
    }
    return d;
  }

  /// Counts digit `d` of every key of each stripe into d.counts; with kWithMask, also ORs
  /// `key ^ k0` over stripe k into masks[k] (the bits that vary), in a register per stripe.
  template <bool kWithMask>
  void count_stripes(const T* cur, std::size_t lo, std::size_t hi, std::size_t s, Digit& d, U k0,
                     U* masks) {
    for_stripes(s, [&](std::size_t k) {
      if (cancel_.stopped())
        return;
      const auto [a, b] = stripe_bounds(lo, hi, k, s);
      std::size_t* c = d.counts.data() + k * d.nb;
      U m = 0;
      try {
        for (std::size_t i = a; i < b; ++i) {
          const U key = key_(cur[i]);
          if constexpr (kWithMask)
            m |= static_cast<U>(key ^ k0);
          ++c[digit(key, d.shift, d.nb)];
        }
      } catch (...) {
        cancel_.capture();
      }
      if constexpr (kWithMask)
        masks[k] = m;
    });
  }

  /// Step 3: every stripe scatters its elements to its offsets in `out` (write-combined).
  void scatter_stripes(const T* cur, std::size_t lo, std::size_t hi, T* out, Digit& d,
                       std::size_t s) {
    for_stripes(s, [&](std::size_t k) {
      if (cancel_.stopped())
        return;
      const auto [a, b] = stripe_bounds(lo, hi, k, s);
      try {
        scatter(cur, a, b, out + lo, d.counts.data() + k * d.nb, d.shift, d.nb, true);
      } catch (...) {
        cancel_.capture();
      }
    });
  }

  /// Step 4: the buckets (now in `out`) as tasks: large ones recurse in parallel, small ones are
  /// grouped into sequential tasks of about n / (16 threads) elements.
  void sort_buckets(T* out, std::size_t lo, std::size_t n, const std::vector<std::size_t>& start,
                    int shift) {
    const std::size_t big = std::max<std::size_t>(kParallelMin, n / (2 * threads_));
    const std::size_t group = std::max<std::size_t>(kParallelMin / 4, n / (16 * threads_));
    const auto jobs = plan_buckets(start, big, group, [](std::size_t) { return true; });
    run_bucket_jobs(jobs, [&](const BucketJob& job) noexcept {
      if (job.parallel) {
        sort_par(out, lo + start[job.first], lo + start[job.last], shift);
        return;
      }
      for (std::size_t b = job.first; b < job.last; ++b)
        seq_task(out, lo + start[b], lo + start[b + 1], shift);
    });
  }

  static constexpr U low_bits(int bits) noexcept {
    return bits >= kBits ? static_cast<U>(~U{0}) : static_cast<U>((U{1} << bits) - 1);
  }
  static std::size_t digit(U k, int shift, std::size_t nb) noexcept {
    return static_cast<std::size_t>(k >> shift) & (nb - 1);
  }
  /// Bits of an MSD step over n elements whose highest varying bit is hb - 1: enough buckets that
  /// each fits kLsdBytes, at most kMaxMsdBits and at most hb.
  static int msd_bits(std::size_t n, int hb) noexcept {
    const std::size_t per_bucket = std::max<std::size_t>(1, kLsdBytes / sizeof(T));
    const std::size_t want = (n + per_bucket - 1) / per_bucket;
    const int bits = std::max(1, static_cast<int>(std::bit_width(want - 1)));
    return std::min({bits, kMaxMsdBits, hb});
  }

  T* other(T* cur) const noexcept { return cur == orig_ ? tmp_ : orig_; }

  /// Above this many bytes an MSD scatter writes through cache-line buffers (below, the
  /// destination stays in cache and plain stores are faster).
  static constexpr std::size_t kStreamBytes = std::size_t{8} << 20;

  /// Moves src[a, b) to dst[pos[digit]++]. With `streaming`, elements are first collected per
  /// bucket in a 64-byte line buffer and whole destination lines are written with non-temporal
  /// stores (software write-combining): no read-for-ownership of the destination, and one TLB
  /// lookup per line instead of per element. Lines shared with a neighbouring bucket or stripe
  /// are written element-wise, so concurrent stripes never write the same bytes.
  void scatter(const T* src, std::size_t a, std::size_t b, T* dst, std::size_t* pos, int shift,
               std::size_t nb, bool streaming) {
#if defined(__SSE2__)
    constexpr std::size_t kLine = 64;
    if constexpr (kLine % sizeof(T) == 0 && sizeof(T) >= 4) {
      constexpr std::size_t kPer = kLine / sizeof(T);
      if (streaming && reinterpret_cast<std::uintptr_t>(dst) % sizeof(T) == 0) {
        auto* raw =
            static_cast<unsigned char*>(::operator new (nb* kLine, std::align_val_t{kLine}));
        struct Free {
          void operator()(unsigned char* p) const {
            ::operator delete (p, std::align_val_t{kLine});
          }
        };
        std::unique_ptr<unsigned char, Free> hold(raw);
        std::vector<std::uint8_t> fill(nb);
        std::vector<std::uint8_t> from(nb);
        for (std::size_t d = 0; d < nb; ++d) {
          const auto slot = static_cast<std::uint8_t>(
              (reinterpret_cast<std::uintptr_t>(dst + pos[d]) % kLine) / sizeof(T));
          fill[d] = slot;
          from[d] = slot;
        }
        for (std::size_t i = a; i < b; ++i) {
          const T x = src[i];
          const std::size_t d = digit(key_(x), shift, nb);
          unsigned char* line = raw + d * kLine;
          std::memcpy(line + fill[d] * sizeof(T), &x, sizeof(T));
          if (++fill[d] == kPer) {
            if (from[d] == 0) {
              auto* target = reinterpret_cast<__m128i*>(dst + pos[d]);
              const auto* source = reinterpret_cast<const __m128i*>(line);
              _mm_stream_si128(target, _mm_load_si128(source));
              _mm_stream_si128(target + 1, _mm_load_si128(source + 1));
              _mm_stream_si128(target + 2, _mm_load_si128(source + 2));
              _mm_stream_si128(target + 3, _mm_load_si128(source + 3));
              pos[d] += kPer;
            } else {
              std::memcpy(static_cast<void*>(dst + pos[d]), line + from[d] * sizeof(T),
                          (kPer - from[d]) * sizeof(T));
              pos[d] += kPer - from[d];
              from[d] = 0;
            }
            fill[d] = 0;
          }
        }
        for (std::size_t d = 0; d < nb; ++d) {
          if (fill[d] > from[d]) {
            std::memcpy(static_cast<void*>(dst + pos[d]), raw + d * kLine + from[d] * sizeof(T),
                        static_cast<std::size_t>(fill[d] - from[d]) * sizeof(T));
            pos[d] += static_cast<std::size_t>(fill[d] - from[d]);
          }
        }
        _mm_sfence();
        return;
      }
    }
#endif
    static_cast<void>(streaming);
    for (std::size_t i = a; i < b; ++i) {
      const T x = src[i];
      dst[pos[digit(key_(x), shift, nb)]++] = x;
    }
  }

  /// LSD radix sort of cur[lo, hi) on bits [0, hi_bit) into orig[lo, hi).
  void lsd(T* cur, std::size_t lo, std::size_t hi, int hi_bit) {
    switch (std::max(1, (hi_bit + 7) / 8)) {
      case 1:
        return lsd_impl<1>(cur, lo, hi);
      case 2:
        return lsd_impl<std::min<int>(2, sizeof(U))>(cur, lo, hi);
      case 3:
        return lsd_impl<std::min<int>(3, sizeof(U))>(cur, lo, hi);
      case 4:
        return lsd_impl<std::min<int>(4, sizeof(U))>(cur, lo, hi);
      default:
        return lsd_impl<static_cast<int>(sizeof(U))>(cur, lo, hi);
    }
  }

  template <int kDigits>
  void lsd_impl(T* cur, std::size_t lo, std::size_t hi) {
    constexpr int kMaxDigits = kDigits;
    constexpr int digits = kDigits;
    const std::size_t n = hi - lo;
    std::array<std::array<std::uint32_t, 256>, kMaxDigits> cnt;
    for (int d = 0; d < digits; ++d)
      cnt[static_cast<std::size_t>(d)].fill(0);
    T* src = cur;
    try {
      for (std::size_t i = lo; i < hi; ++i) {
        const U k = key_(src[i]);
        for (int d = 0; d < kMaxDigits; ++d)
          ++cnt[static_cast<std::size_t>(d)][(k >> (8 * d)) & 0xFF];
      }
      const U k0 = key_(src[lo]);
      for (int d = 0; d < digits; ++d) {
        auto& c = cnt[static_cast<std::size_t>(d)];
        if (c[(k0 >> (8 * d)) & 0xFF] == n)
          continue;  // this digit is the same everywhere
        std::uint32_t run = 0;
        for (auto& v : c) {
          const std::uint32_t t = v;
          v = run;
          run += t;
        }
        T* dst = other(src);
        T* out = dst + lo;
        const int sh = 8 * d;
        for (std::size_t i = lo; i < hi; ++i) {
          const T x = src[i];
          out[c[(key_(x) >> sh) & 0xFF]++] = x;
        }
        src = dst;
      }
    } catch (...) {
      move_range(src, orig_, lo, hi);
      throw;
    }
    move_range(src, orig_, lo, hi);
  }

  void seq_task(T* cur, std::size_t lo, std::size_t hi, int hi_bit) noexcept {
    if (cancel_.stopped()) {
      move_range(cur, orig_, lo, hi);
      return;
    }
    try {
      sort_seq(cur, lo, hi, hi_bit);
    } catch (...) {
      cancel_.capture();
    }
  }

  /// `key(a) < key(b)` for the insertion sorts.
  struct KeyLess {
    Key* key;
    bool operator()(const T& a, const T& b) const { return (*key)(a) < (*key)(b); }
  };

  T* orig_;
  T* tmp_;
  Key& key_;
  KeyLess key_less_{&key_};
  Cancellation& cancel_;
  std::size_t threads_;
};

/// Sorts a[0, n) of trivially copyable T stably by the unsigned key `key(x)` with the parallel
/// radix sort (after the presorted check). `stable` = false lets the equal runs of a descending
/// input stay reversed. The first exception from `key` is rethrown after all pieces stopped; the
/// range then holds a permutation of its input. `scratch`, when given, is n elements of memory
/// the sort may use (no live objects needed) instead of allocating its own.
template <class T, class Key>
void radix_sort(T* a, std::size_t n, Key key, bool stable, T* scratch = nullptr) {
  using Sorter = RadixSorter<T, Key>;
  auto less = [&key](const T& x, const T& y) { return key(x) < key(y); };
  sort_entry(a, n, less, stable, Sorter::kInsertion,
             [&](Cancellation& cancel, std::size_t threads) {
               if (scratch != nullptr) {
                 Sorter sorter(a, scratch, key, cancel, threads);
                 sorter.sort_par(a, 0, n, Sorter::kBits);
                 return;
               }
               ScratchArray<T> tmp(n);
               Sorter sorter(a, tmp.get(), key, cancel, threads);
               sorter.sort_par(a, 0, n, Sorter::kBits);
             });
}

}  // namespace hypar::detail::sorting
