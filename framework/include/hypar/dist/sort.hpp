#pragma once
// hypar::dist::par_sort: a distributed sample sort. Afterwards every rank holds a sorted slice,
// the slices are ordered by rank, and each holds at most 1.07 x n/p + p items for every input
// shape, all-equal and skewed keys and empty ranks included.
//
// Design (docs/distributed.md, "Distributed sort"):
//  1. every rank sorts its items with the intra-node parallel sort;
//  2. regular sampling with a *global* spacing g = n / (p * s), s = 16 p samples per output
//     slice: a rank with more items contributes proportionally more samples, so skewed inputs and
//     empty ranks are sampled fairly; the samples are all-gathered and sorted, and every s-th is a
//     splitter;
//  3. ties are broken by (origin rank, position in the locally sorted array): every item becomes
//     distinct, so a run of equal keys longer than n/p is cut between ranks like any other run;
//     this is what keeps all-equal inputs balanced;
//  4. each rank cuts its sorted array at the p - 1 splitters (binary searches), one MPI_Alltoallv
//     moves every item to its destination, and the p received sorted runs are merged (a tree of
//     pairwise merges, in parallel).
// Bound: between two consecutive splitters lie s samples; each rank adds at most one sample
// interval of g items beyond its own samples, so a slice holds at most (s + p) g = n/p (1 + p/s)
// items: 1/16 above n/p, plus rounding. Costs: the local sort, an all-gather of 16 p^2 samples
// (fine up to a few hundred ranks), one all-to-all of the data, and an O(n/p log p) merge.

#include <hypar/core/error.hpp>
#include <hypar/core/scope.hpp>
#include <hypar/dist/communicator.hpp>
#include <hypar/dist/iter.hpp>
#include <hypar/sort.hpp>

#include <algorithm>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <type_traits>
#include <utility>
#include <vector>

namespace hypar::dist {

namespace detail {

/// A comparator as a strict-weak-order "less": bool predicates as they are, three-way
/// comparators (returning a std::*_ordering) as `cmp(a, b) < 0`.
template <class Cmp>
struct AsLess {
  Cmp cmp;
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    using R = std::invoke_result_t<const Cmp&, const A&, const B&>;
    if constexpr (std::is_convertible_v<R, bool>) {
      return static_cast<bool>(cmp(a, b));
    } else {
      return cmp(a, b) < 0;
    }
  }
};


/// A sample: an item with its origin, so that every item is distinct in (value, rank, index).
template <class T>
struct Sample {
  T value;
  int rank;
  std::uint64_t index;
};

/// Merges the sorted runs data[bounds[k], bounds[k + 1]) into one sorted run, in place, as a
/// balanced tree of pairwise merges whose halves run in parallel. Equal items keep run order.
template <class T, class Less>
void merge_runs(std::vector<T>& data, const std::vector<std::size_t>& bounds, std::size_t first, std::size_t last,
                const Less& less) {
  if (last - first <= 1) return;
  const std::size_t mid = first + (last - first) / 2;
  hypar::join([&] { merge_runs(data, bounds, first, mid, less); },
              [&] { merge_runs(data, bounds, mid, last, less); });
  std::inplace_merge(data.begin() + static_cast<std::ptrdiff_t>(bounds[first]),
                     data.begin() + static_cast<std::ptrdiff_t>(bounds[mid]),
                     data.begin() + static_cast<std::ptrdiff_t>(bounds[last]), less);
}

/// The distributed sample sort behind par_sort and par_sort_by_key: `less` orders the items,
/// `sort_locally(vector&)` sorts one rank's items in that order (in parallel).
template <class T, class Less, class LocalSort>
void sample_sort(const Communicator& comm, std::vector<T>& local, const Less& less, LocalSort sort_locally) {
  static_assert(std::is_trivially_copyable_v<T>, "hypar::dist::par_sort: T must be trivially copyable");
  const int p = comm.size();
  const int me = comm.rank();

  // 1. Local sort. A comparator that throws fails the sort on every rank alike.
  std::exception_ptr failure;
  try {
    sort_locally(local);
  } catch (...) {
    failure = std::current_exception();
  }
  detail::agree_on_failure(comm, failure);
  if (p == 1) return;

  // 2. Regular samples at a global spacing.
  const std::vector<std::uint64_t> sizes = comm.all_gather(static_cast<std::uint64_t>(local.size()));
  std::uint64_t n = 0, offset = 0;
  for (int r = 0; r < p; ++r) {
    if (r == me) offset = n;
    n += sizes[static_cast<std::size_t>(r)];
  }
  if (n == 0) return;
  const std::uint64_t per_slice = 16 * static_cast<std::uint64_t>(p);
  const std::uint64_t spacing = std::max<std::uint64_t>(1, n / (per_slice * static_cast<std::uint64_t>(p)));
  std::vector<detail::Sample<T>> samples;
  // Global positions spacing/2, spacing/2 + spacing, ... that fall on this rank.
  std::uint64_t first = spacing / 2;
  if (offset > first) first += (offset - first + spacing - 1) / spacing * spacing;
  for (std::uint64_t g = first; g < offset + local.size(); g += spacing) {
    samples.push_back({local[static_cast<std::size_t>(g - offset)], me, g - offset});
  }
  auto all = detail::all_gather_values(comm, samples);
  auto sample_less = [&less](const detail::Sample<T>& a, const detail::Sample<T>& b) {
    if (less(a.value, b.value)) return true;
    if (less(b.value, a.value)) return false;
    return a.rank != b.rank ? a.rank < b.rank : a.index < b.index;
  };
  std::sort(all.begin(), all.end(), sample_less);

  // 3. Cut this rank's sorted array before each splitter (in (value, rank, index) order).
  std::vector<std::size_t> cuts(static_cast<std::size_t>(p) + 1, 0);
  cuts.back() = local.size();
  for (int j = 1; j < p; ++j) {
    const auto& s = all[all.size() * static_cast<std::size_t>(j) / static_cast<std::size_t>(p)];
    const auto lo = static_cast<std::size_t>(std::lower_bound(local.begin(), local.end(), s.value, less) - local.begin());
    const auto hi = static_cast<std::size_t>(std::upper_bound(local.begin(), local.end(), s.value, less) - local.begin());
    std::size_t cut;
    if (me < s.rank) {
      cut = hi;  // items equal to the splitter come from a lower rank: all go left
    } else if (me > s.rank) {
      cut = lo;
    } else {
      cut = std::clamp(static_cast<std::size_t>(s.index), lo, hi);
    }
    cuts[static_cast<std::size_t>(j)] = std::max(cut, cuts[static_cast<std::size_t>(j) - 1]);
  }
  std::vector<std::size_t> send_counts(static_cast<std::size_t>(p));
  for (int r = 0; r < p; ++r) {
    send_counts[static_cast<std::size_t>(r)] = cuts[static_cast<std::size_t>(r) + 1] - cuts[static_cast<std::size_t>(r)];
  }

  // 4. One exchange, then merge the p sorted runs.
  std::vector<std::size_t> recv_counts;
  std::vector<T> received = comm.all_to_all(local, send_counts, &recv_counts);
  std::vector<T>().swap(local);  // release the old slice before the merge needs its scratch
  std::vector<std::size_t> bounds(static_cast<std::size_t>(p) + 1, 0);
  for (int r = 0; r < p; ++r) {
    bounds[static_cast<std::size_t>(r) + 1] = bounds[static_cast<std::size_t>(r)] + recv_counts[static_cast<std::size_t>(r)];
  }
  failure = nullptr;
  try {
    detail::merge_runs(received, bounds, 0, static_cast<std::size_t>(p), less);
  } catch (...) {
    failure = std::current_exception();
  }
  local = std::move(received);
  detail::agree_on_failure(comm, failure);
}


}  // namespace detail

/// Sorts the items spread over the ranks of `comm`: afterwards `local` on rank r holds the r-th
/// slice of the globally sorted sequence (every item of rank r is not less than every item of
/// rank r - 1), and each rank holds at most about 1.07 x n/p items. Collective. `cmp` is a bool
/// "less" or a three-way comparator. T must be trivially copyable (items travel as bytes). The
/// order of equal items follows (origin rank, order after the local sort), so it is not stable
/// with respect to the input order within a rank.
template <class T, class Cmp = std::less<>>
void par_sort(const Communicator& comm, std::vector<T>& local, Cmp cmp = {}) {
  if constexpr (std::is_same_v<Cmp, std::less<>> || std::is_same_v<Cmp, std::less<T>>) {
    // The default order: the intra-node sort can use its radix sort for arithmetic T.
    detail::sample_sort(comm, local, detail::AsLess<Cmp>{cmp}, [](std::vector<T>& v) { hypar::par_sort_unstable(v); });
  } else {
    detail::sample_sort(comm, local, detail::AsLess<Cmp>{cmp},
                        [&cmp](std::vector<T>& v) { hypar::par_sort_unstable_by(v, cmp); });
  }
}

/// par_sort by `key_fn(item)` compared with `<`: Rust's `sort_by_key` across ranks. Arithmetic
/// keys are sorted locally by the parallel radix sort.
template <class T, class KeyFn>
void par_sort_by_key(const Communicator& comm, std::vector<T>& local, KeyFn key_fn) {
  auto less = [key_fn](const T& a, const T& b) { return key_fn(a) < key_fn(b); };
  detail::sample_sort(comm, local, less, [&key_fn](std::vector<T>& v) { hypar::par_sort_unstable_by_key(v, key_fn); });
}

}  // namespace hypar::dist
