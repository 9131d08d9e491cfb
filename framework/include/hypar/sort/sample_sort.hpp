#pragma once
// Parallel stable sample sort for any comparator (docs/sorting.md section 3), in the spirit of
// IPS4o but out of place: each level draws a random sample, picks up to 255 splitters, classifies
// every element with a branch-free descent of an implicit splitter tree (several elements at once,
// so their comparisons overlap), writes the bucket ids to an oracle array, and then moves the
// elements bucket by bucket into the other array (`orig` <-> `tmp`). Scanning the input in order
// keeps equal elements in order, so the sort is stable. When the sample shows repeated splitters
// the level adds equality buckets (elements equal to a splitter) that need no further sorting:
// inputs with few distinct keys finish in one or two levels. Buckets recurse as tasks of the team;
// buckets of at most kBase elements get an insertion sort, and buckets of large elements that fit
// in the cache are sorted through an index array and gathered in one move (sort_indirect).

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <hypar/sort/detail/fast_paths.hpp>
#include <hypar/sort/detail/insertion.hpp>
#include <hypar/sort/detail/sampling.hpp>
#include <hypar/sort/detail/scratch.hpp>
#include <hypar/sort/detail/stripes.hpp>
#include <memory>
#include <numeric>
#include <type_traits>
#include <utility>
#include <vector>

namespace hypar::detail::sorting {

/// The sample sorter for one call: `orig` is the caller's range, `tmp` a scratch array of the
/// same length, `oracle` n bytes of bucket ids. See the restore rule in sort/detail/scratch.hpp.
template <class T, class Less>
class SampleSorter {
 public:
  static constexpr std::size_t kBase = 24;  ///< insertion sort at or below this many elements
  static constexpr std::size_t kLeaf = 10;  ///< wanted bucket size at the last level
  static constexpr int kMaxLogBuckets = 8;  ///< at most 256 buckets (128 with equality buckets)
  static constexpr int kMaxDepth = 48;      ///< deeper buckets fall back to std::stable_sort

  SampleSorter(T* orig, T* tmp, std::uint8_t* oracle, std::size_t n, Less& less,
               Cancellation& cancel, std::size_t threads)
      : orig_(orig),
        tmp_(tmp),
        oracle_(oracle),
        n_(n),
        less_(less),
        cancel_(cancel),
        threads_(threads) {}

  /// Sorts cur[lo, hi) into orig[lo, hi) on this thread. On an exception the range is restored
  /// into orig (in some order) and the exception propagates.
  void sort_seq(T* cur, std::size_t lo, std::size_t hi, int depth) {
    const std::size_t n = hi - lo;
    if constexpr (kIndirect) {
      if (n * sizeof(T) <= kIndirectBytes) {
        sort_indirect(cur, lo, hi);
        return;
      }
    }
    if (n <= kBase) {
      move_range(cur, orig_, lo, hi);
      insertion_sort(orig_ + lo, n, less_);
      return;
    }
    if (depth > kMaxDepth) {
      move_range(cur, orig_, lo, hi);
      std::stable_sort(orig_ + lo, orig_ + hi,
                       [this](const T& a, const T& b) { return less_(a, b); });
      return;
    }
    Classifier cls;
    std::array<std::size_t, 257> start;
    try {
      cls.build(cur, lo, hi, less_);
      std::array<std::size_t, 256> count;
      std::fill_n(count.begin(), cls.buckets, std::size_t{0});
      cls.classify(cur + lo, n, oracle_ + lo, count.data(), less_);
      start[0] = 0;
      for (std::size_t b = 0; b < cls.buckets; ++b)
        start[b + 1] = start[b] + count[b];
    } catch (...) {
      move_range(cur, orig_, lo, hi);
      throw;
    }
    T* out = other(cur);
    scatter(cur, out, lo, lo, hi, start.data(), cls.buckets);
    std::size_t b = 0;
    try {
      for (; b < cls.buckets; ++b)
        sort_bucket(out, lo + start[b], lo + start[b + 1], cls.is_equality(b), depth);
    } catch (...) {
      for (++b; b < cls.buckets; ++b)
        move_range(out, orig_, lo + start[b], lo + start[b + 1]);
      throw;
    }
  }

  /// Sorts cur[lo, hi) into orig[lo, hi) with the team, in four steps: the splitters, the
  /// classification of every element in parallel stripes (bucket ids into the oracle), stable
  /// scatter offsets and the distribution into the other array, then the buckets as tasks. Never
  /// throws: errors go to the Cancellation, and the range always ends in orig.
  void sort_par(T* cur, std::size_t lo, std::size_t hi, int depth) {
    const std::size_t n = hi - lo;
    if (threads_ <= 1 || n < kParallelMin || cancel_.stopped()) {
      seq_task(cur, lo, hi, false, depth);
      return;
    }
    Classifier cls;
    try {
      cls.build(cur, lo, hi, less_);
    } catch (...) {
      cancel_.capture();
    }
    const std::size_t s = stripe_count(n, threads_);
    std::vector<std::size_t> counts;
    if (!cancel_.stopped())
      counts = classify_stripes(cls, cur, lo, hi, s);
    if (cancel_.stopped()) {
      par_move_range(cur, orig_, lo, hi, threads_);
      return;
    }
    const std::vector<std::size_t> start = stable_scatter_offsets(counts, s, cls.buckets);
    T* out = other(cur);
    for_stripes(s, [&](std::size_t k) {
      const auto [a, b] = stripe_bounds(lo, hi, k, s);
      scatter(cur, out, lo, a, b, counts.data() + k * cls.buckets, cls.buckets);
    });
    sort_buckets(cls, out, lo, n, start, depth);
  }

 private:
  /// Splitters kept by value for small trivially copyable types (cache-friendly tree), else as
  /// pointers into the array being classified (which does not change while classifying).
  static constexpr bool kByValue =
      std::is_trivially_copyable_v<T> && std::is_default_constructible_v<T> && sizeof(T) <= 16;
  using Stored = std::conditional_t<kByValue, T, const T*>;
  static const T& get(const Stored& s) noexcept {
    if constexpr (kByValue) {
      return s;
    } else {
      return *s;
    }
  }
  static Stored store(const T& x) noexcept {
    if constexpr (kByValue) {
      return x;
    } else {
      return &x;
    }
  }

  /// Splitters and the classification of one level.
  struct Classifier {
    int log_k = 1;
    std::size_t k = 2;               ///< tree leaves (power of two); k - 1 splitter slots
    std::size_t m = 0;               ///< distinct splitters
    bool equality = false;           ///< equality buckets on: ids 2j (between) and 2j+1 (== s_j)
    std::size_t buckets = 0;         ///< number of bucket ids
    std::array<Stored, 256> tree;    ///< implicit tree, 1-based
    std::array<Stored, 256> sorted;  ///< splitters in order, padded with the last one

    bool is_equality(std::size_t b) const noexcept { return equality && (b & 1) == 1; }

    void build(const T* cur, std::size_t lo, std::size_t hi, Less& less) {
      const std::size_t n = hi - lo;
      log_k = std::clamp(static_cast<int>(std::bit_width((n - 1) / kLeaf)), 1, kMaxLogBuckets);
      const int lg = static_cast<int>(std::bit_width(n)) - 1;
      const std::size_t alpha = std::max<std::size_t>(1, static_cast<std::size_t>(lg) / 5);
      k = std::size_t{1} << log_k;
      const std::size_t ss = std::min(n, alpha * k * (n >= kParallelMin ? 2 : 1) - 1);
      thread_local std::vector<const T*> sample;
      sample.resize(ss);
      SplitMix rng{static_cast<std::uint64_t>(lo) * 0x9E3779B97F4A7C15ull + hi};
      if (ss == n) {
        for (std::size_t i = 0; i < n; ++i)
          sample[i] = cur + lo + i;
      } else {
        for (auto& p : sample)
          p = cur + lo + rng.below(n);
      }
      auto by_value = [&less](const T* a, const T* b) { return less(*a, *b); };
      if (ss <= 32) {
        insertion_sort(sample.data(), ss, by_value);
      } else {
        std::sort(sample.begin(), sample.end(), by_value);
      }
      pick(sample, less);
      if (m < k - 1 || m == 1) {
        equality = true;
        if (log_k == kMaxLogBuckets) {  // bucket ids must fit in a byte: 2 * 127 + 1
          --log_k;
          k /= 2;
          pick(sample, less);
        }
      }
      for (std::size_t i = m; i + 1 < k; ++i)
        sorted[i] = sorted[m - 1];
      fill_tree(1, 0, k - 1);
      buckets = equality ? 2 * m + 1 : k;
    }

    /// The k - 1 evenly spaced sample elements, duplicates removed.
    void pick(const std::vector<const T*>& sample, Less& less) {
      const std::size_t ss = sample.size();
      m = 0;
      for (std::size_t i = 1; i < k; ++i) {
        const T* s = sample[std::min(ss - 1, i * ss / k)];
        if (m > 0 && !less(get(sorted[m - 1]), *s))
          continue;
        sorted[m++] = store(*s);
      }
    }

    /// Eytzinger layout of sorted[a, b) below node i.
    void fill_tree(std::size_t i, std::size_t a, std::size_t b) {
      if (a >= b)
        return;
      const std::size_t mid = a + (b - a) / 2;
      tree[i] = sorted[mid];
      fill_tree(2 * i, a, mid);
      fill_tree(2 * i + 1, mid + 1, b);
    }

    /// Writes the bucket id of each of x[0, n) to out and counts them. Four elements descend the
    /// tree together; each step is `i = 2 i + less(splitter, x)` without a branch.
    void classify(const T* x, std::size_t n, std::uint8_t* out, std::size_t* count,
                  Less& less) const {
      if (equality) {
        classify_depth<true>(x, n, out, count, less);
      } else {
        classify_depth<false>(x, n, out, count, less);
      }
    }

    template <bool kEq>
    void classify_depth(const T* x, std::size_t n, std::uint8_t* out, std::size_t* count,
                        Less& less) const {
      classify_by_depth<kEq>(std::make_index_sequence<kMaxLogBuckets>{}, x, n, out, count, less);
    }

    /// Calls classify_impl<kEq, log_k> (the tree depth as a compile-time constant, 1..8).
    template <bool kEq, std::size_t... D>
    void classify_by_depth(std::index_sequence<D...>, const T* x, std::size_t n, std::uint8_t* out,
                           std::size_t* count, Less& less) const {
      const int depth = std::clamp(log_k, 1, kMaxLogBuckets);
      static_cast<void>(
          ((depth == static_cast<int>(D) + 1 &&
            (classify_impl<kEq, static_cast<int>(D) + 1>(x, n, out, count, less), true)) ||
           ...));
    }

    template <bool kEq>
    std::size_t finish(std::size_t j, const T& x, Less& less) const {
      if constexpr (kEq) {
        const std::size_t jm = j < m ? j : m - 1;
        const bool eq = (j < m) & !less(x, get(sorted[jm]));
        return 2 * (j < m ? j : m) + static_cast<std::size_t>(eq);
      } else {
        return j;
      }
    }

    template <bool kEq, int kLog>
    void classify_impl(const T* x, std::size_t n, std::uint8_t* out, std::size_t* count,
                       Less& less) const {
      constexpr std::size_t kUnroll = 8;
      constexpr std::size_t kLeaves = std::size_t{1} << kLog;
      std::size_t i = 0;
      for (; i + kUnroll <= n; i += kUnroll) {
        std::size_t b[kUnroll];
        for (std::size_t u = 0; u < kUnroll; ++u)
          b[u] = 1;
        for (int l = 0; l < kLog; ++l) {
          for (std::size_t u = 0; u < kUnroll; ++u) {
            b[u] = 2 * b[u] + static_cast<std::size_t>(less(get(tree[b[u]]), x[i + u]));
          }
        }
        for (std::size_t u = 0; u < kUnroll; ++u) {
          const std::size_t id = finish<kEq>(b[u] - kLeaves, x[i + u], less);
          out[i + u] = static_cast<std::uint8_t>(id);
          ++count[id];
        }
      }
      for (; i < n; ++i) {
        std::size_t b = 1;
        for (int l = 0; l < kLog; ++l)
          b = 2 * b + static_cast<std::size_t>(less(get(tree[b]), x[i]));
        const std::size_t id = finish<kEq>(b - kLeaves, x[i], less);
        out[i] = static_cast<std::uint8_t>(id);
        ++count[id];
      }
    }
  };

  T* other(T* cur) const noexcept { return cur == orig_ ? tmp_ : orig_; }

  // Indirect leaves for large elements. Each sample-sort level moves every element once, and the
  // last levels (a split into buckets of about kLeaf elements, then insertion sorts that move an
  // element a few more times) happen inside the cache, where moving a 100-byte element still costs
  // several times what moving a 2-byte index does. So a bucket of trivially copyable elements of
  // at least kIndirectMin bytes whose bytes fit well inside a core's L2 (kIndirectBytes: half of
  // a 512 KiB L2, which leaves room for the indices, the stable_sort buffer and the
  // destination lines) stops splitting: an array of 16-bit indices is sorted stably by `less` on
  // the elements (which stay where they are, cache-resident, and are compared through the
  // indices), then the elements are gathered into their final places in `orig` in one move: from
  // `tmp` straight into `orig`, or, when the bucket already sits in `orig`, by following the
  // cycles of the permutation in place (one move per element plus one per cycle, in cache). With
  // 10 M 100-byte elements an element then moves 3 times (two scatters and the gather) instead of
  // 5-6. Below 64 bytes (one cache line) an element move costs about as much as the merge passes
  // over the indices and the extra indirection of every comparison, so such buckets keep the
  // direct path. Restore rule: the elements do not move until the index sort has finished, so an
  // exception from `less` only needs the bucket moved back into `orig`; stability comes from the
  // stable index sort over a bucket that holds its elements in input order.
  static constexpr std::size_t kIndirectBytes = std::size_t{256} << 10;
  static constexpr std::size_t kIndirectMin = 64;
  /// At most 8 KiB elements (a leaf then holds at least 32 of them; one sits on the stack while a
  /// cycle is followed).
  static constexpr std::size_t kIndirectMaxElem = kIndirectBytes / 32;
  static constexpr bool kIndirect =
      std::is_trivially_copyable_v<T> && sizeof(T) >= kIndirectMin && sizeof(T) <= kIndirectMaxElem;
  static constexpr std::size_t kIndirectMaxCount = kIndirectBytes / kIndirectMin;
  static_assert(kIndirectMaxCount <= 65536, "indirect leaves index their elements with 16 bits");

  /// Sorts cur[lo, hi) (at most kIndirectBytes) into orig[lo, hi) through sorted indices (see
  /// above). On an exception from `less` the range is moved back into orig and it propagates.
  void sort_indirect(T* cur, std::size_t lo, std::size_t hi) {
    const std::size_t n = hi - lo;
    if (n < 2) {
      move_range(cur, orig_, lo, hi);
      return;
    }
    std::array<std::uint16_t, kIndirectMaxCount> idx;  // 8 KiB
    std::iota(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(n), std::uint16_t{0});
    const T* src = cur + lo;
    try {
      std::stable_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(n),
                       [&](std::uint16_t x, std::uint16_t y) { return less_(src[x], src[y]); });
    } catch (...) {
      move_range(cur, orig_, lo, hi);
      throw;
    }
    T* dst = orig_ + lo;
    if (cur != orig_) {
      for (std::size_t i = 0; i < n; ++i)
        std::memcpy(static_cast<void*>(dst + i), static_cast<const void*>(src + idx[i]), sizeof(T));
      return;
    }
    // In place: position j receives the element at idx[j]; a visited position gets idx[j] = j.
    alignas(T) unsigned char hold[sizeof(T)];
    for (std::size_t i = 0; i < n; ++i) {
      if (idx[i] == i)
        continue;
      std::memcpy(hold, static_cast<const void*>(dst + i), sizeof(T));
      std::size_t j = i;
      for (;;) {
        const std::size_t k = idx[j];
        idx[j] = static_cast<std::uint16_t>(j);
        if (k == i) {
          std::memcpy(static_cast<void*>(dst + j), hold, sizeof(T));
          break;
        }
        std::memcpy(static_cast<void*>(dst + j), static_cast<const void*>(dst + k), sizeof(T));
        j = k;
      }
    }
  }

  /// Moves cur[a, b) to out by the oracle; `pos` holds the (relative to lo) next slot per bucket.
  void scatter(T* cur, T* out, std::size_t lo, std::size_t a, std::size_t b,
               const std::size_t* pos_in, std::size_t nb) noexcept {
    std::array<std::size_t, 256> pos;
    std::copy(pos_in, pos_in + nb, pos.begin());
    T* dst = out + lo;
    for (std::size_t i = a; i < b; ++i)
      dst[pos[oracle_[i]]++] = std::move(cur[i]);
  }

  /// Classifies every element of cur[lo, hi) in s parallel stripes: bucket ids into the oracle,
  /// and per-stripe histograms (stripe k, bucket b at [k * buckets + b]) returned.
  std::vector<std::size_t> classify_stripes(const Classifier& cls, const T* cur, std::size_t lo,
                                            std::size_t hi, std::size_t s) {
    const std::size_t nb = cls.buckets;
    std::vector<std::size_t> counts(s * nb, 0);
    for_stripes(s, [&](std::size_t k) {
      if (cancel_.stopped())
        return;
      const auto [a, b] = stripe_bounds(lo, hi, k, s);
      try {
        cls.classify(cur + a, b - a, oracle_ + a, counts.data() + k * nb, less_);
      } catch (...) {
        cancel_.capture();
      }
    });
    return counts;
  }

  /// The buckets (now in `out`) as tasks: large ones that are not equality buckets recurse in
  /// parallel, the rest are grouped into tasks of about n / (8 threads) elements, so that idle
  /// threads find work without a task per tiny bucket.
  void sort_buckets(const Classifier& cls, T* out, std::size_t lo, std::size_t n,
                    const std::vector<std::size_t>& start, int depth) {
    const std::size_t big = std::max<std::size_t>(kParallelMin, n / (2 * threads_));
    const std::size_t group = std::max<std::size_t>(kParallelMin / 4, n / (8 * threads_));
    const auto jobs =
        plan_buckets(start, big, group, [&](std::size_t b) { return !cls.is_equality(b); });
    run_bucket_jobs(jobs, [&](const BucketJob& job) noexcept {
      if (job.parallel) {
        sort_par(out, lo + start[job.first], lo + start[job.last], depth + 1);
        return;
      }
      for (std::size_t b = job.first; b < job.last; ++b)
        seq_task(out, lo + start[b], lo + start[b + 1], cls.is_equality(b), depth + 1);
    });
  }

  /// Sorts one bucket that now sits in `cur`.
  void sort_bucket(T* cur, std::size_t lo, std::size_t hi, bool equal_keys, int depth) {
    if (equal_keys) {
      move_range(cur, orig_, lo, hi);
    } else {
      sort_seq(cur, lo, hi, depth + 1);
    }
  }

  /// A sequential piece run as a task: records its exception instead of throwing; when the sort
  /// has been cancelled it only restores its range.
  void seq_task(T* cur, std::size_t lo, std::size_t hi, bool equal_keys, int depth) noexcept {
    if (cancel_.stopped()) {
      move_range(cur, orig_, lo, hi);
      return;
    }
    try {
      if (equal_keys) {
        move_range(cur, orig_, lo, hi);
      } else {
        sort_seq(cur, lo, hi, depth);
      }
    } catch (...) {
      cancel_.capture();
    }
  }

  T* orig_;
  T* tmp_;
  std::uint8_t* oracle_;
  std::size_t n_;
  Less& less_;
  Cancellation& cancel_;
  std::size_t threads_;
};

/// Sorts a[0, n) stably by `less` with the sample sorter (after the fast paths). The first
/// exception from `less` is rethrown after all pieces stopped; the range then holds a permutation
/// of its input. `stable` = false lets the equal runs of a descending input stay reversed.
template <class T, class Less>
void sample_sort(T* a, std::size_t n, Less less, bool stable) {
  using Sorter = SampleSorter<T, Less>;
  sort_entry(a, n, less, stable, Sorter::kBase, [&](Cancellation& cancel, std::size_t threads) {
    ScratchArray<T> tmp(n);
    ScratchArray<std::uint8_t> oracle(n);
    Sorter sorter(a, tmp.get(), oracle.get(), n, less, cancel, threads);
    if constexpr (std::is_trivially_copyable_v<T>) {
      sorter.sort_par(a, 0, n, 0);
    } else {
      // The scratch array holds live objects: the input is moved into it, the sort moves it
      // back, and the moved-from objects are destroyed at the end.
      T* t = tmp.get();
      const std::size_t s = threads > 1 ? stripe_count(n, threads) : 1;
      for_stripes(s, [&](std::size_t k) {
        const auto [lo, hi] = stripe_bounds(0, n, k, s);
        std::uninitialized_move(a + lo, a + hi, t + lo);
      });
      sorter.sort_par(t, 0, n, 0);
      for_stripes(s, [&](std::size_t k) {
        const auto [lo, hi] = stripe_bounds(0, n, k, s);
        std::destroy(t + lo, t + hi);
      });
    }
  });
}

}  // namespace hypar::detail::sorting
