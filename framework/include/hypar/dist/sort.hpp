#pragma once
// hypar::dist::par_sort: a distributed sample sort. Afterwards every rank holds a sorted slice,
// the slices are ordered by rank, and each holds at most 1.05 x n/p (rounded up) items for every
// input shape, all-equal and skewed keys and empty ranks included.
//
// Design (docs/distributed.md, "Distributed sort"): each item is sorted once.
//  1. Stratified random samples, as many per rank as its share of the items (so skewed inputs and
//     empty ranks are sampled fairly), 1024 per output slice in all (fewer beyond 1024 ranks);
//     all-gathered and sorted; every 1024th is a splitter.
//  2. Ties are broken by (origin rank, origin index): every item becomes distinct, so a run of
//     equal keys longer than n/p is cut between ranks like any other run. This is what keeps
//     all-equal inputs balanced.
//  3. Each rank classifies its items against the p - 1 splitters (binary search, in parallel
//     blocks), packs them by destination, and one MPI_Alltoallv moves every item to its rank,
//     which sorts what it received with the intra-node parallel sort (radix sort for arithmetic
//     keys). Slices are then in rank order.
//  4. Sampling leaves slices within a few percent of n/p; if one is above 1.05 n/p, a second
//     exchange shifts items between neighbours to exact slices of n/p. So the bound holds for
//     every input, not only with high probability.
// Costs: one classification pass (branch-free), one all-to-all of the data, one local sort of
// about n/p items, an all-gather of up to 1024 p samples, and rarely a second all-to-all of the
// excess.

#include <algorithm>
#include <bit>
#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <hypar/core/error.hpp>
#include <hypar/dist/communicator.hpp>
#include <hypar/dist/iter.hpp>
#include <hypar/sort.hpp>
#include <hypar/sort/detail/compare.hpp>
#include <hypar/sort/detail/sampling.hpp>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace hypar::dist {

/// Seconds one rank spent in each step of a distributed sort.
struct SortStats {
  double sample = 0;      ///< choosing the splitters (sampling, all-gather, sort of the samples)
  double exchange = 0;    ///< classifying, packing and the all-to-all (and a rebalancing)
  double local_sort = 0;  ///< sorting what arrived
};

/// How par_sort / par_sort_by_key sort.
struct SortOptions {
  /// Keep equal items in their input order: the order of rank 0's items, then rank 1's, ...
  /// (each in its vector's order). Free: what arrives on a rank comes in source-rank order, in
  /// each source's order, so a stable local sort suffices.
  bool stable = false;
  SortStats* stats = nullptr;  ///< when set, receives this rank's step times
};

namespace detail {

/// Seconds since `t0`; resets `t0` to now.
inline double lap(std::chrono::steady_clock::time_point& t0) {
  const auto now = std::chrono::steady_clock::now();
  const double s = std::chrono::duration<double>(now - t0).count();
  t0 = now;
  return s;
}

/// A sample: an item with its origin, so that every item is distinct in (value, rank, index).
template <class T>
struct Sample {
  T value;
  int rank;
  std::uint64_t index;
};

/// Whether item (v, rank, index) comes before sample `s` in the total order (value, origin rank,
/// origin index) that makes every item distinct. Written without branches on the outcome (bitwise
/// & and | of the comparisons): in the classification loop items fall on either side of a
/// splitter at random, and a branch would be mispredicted half the time.
template <class T, class Less>
bool before(const Less& less, const T& v, int rank, std::uint64_t index, const Sample<T>& s) {
  const bool below = less(v, s.value);
  const bool above = less(s.value, v);
  const bool tie_before = (rank < s.rank) | ((rank == s.rank) & (index < s.index));
  return below | (!above & tie_before);
}

/// Runs `step()` and makes every rank learn whether it threw on any rank before the next
/// collective (agree_on_failure): user code (comparators, key functions) may throw in any phase,
/// and no rank may be left waiting in a collective.
template <class Step>
void run_agreed(const Communicator& comm, Step&& step) {
  std::exception_ptr failure;
  try {
    step();
  } catch (...) {
    failure = std::current_exception();
  }
  agree_on_failure(comm, failure);
}

/// Step 1: the p - 1 splitters. Stratified random samples, as many per rank as its share of the
/// n items: 1024 per output slice (fewer on thousands of ranks, so that all samples stay within
/// about 2^20), which leaves slices within a few percent of n/p. All-gathered and sorted in
/// (value, rank, index) order; every per-slice-th sample is a splitter. Collective.
template <class T, class A, class Less>
std::vector<Sample<T>> choose_splitters(const Communicator& comm, const std::vector<T, A>& local,
                                        const Less& less, std::uint64_t n) {
  const auto P = static_cast<std::size_t>(comm.size());
  const int me = comm.rank();
  const std::uint64_t per_slice =
      std::clamp<std::uint64_t>((std::uint64_t{1} << 20) / std::uint64_t{P}, 64, 1024);
  const std::uint64_t wanted = std::min<std::uint64_t>(n, per_slice * std::uint64_t{P});
  const std::uint64_t mine = (wanted * local.size() + n - 1) / n;
  std::vector<Sample<T>> samples;
  samples.reserve(static_cast<std::size_t>(mine));
  for (std::uint64_t k = 0; k < mine; ++k) {
    const std::uint64_t stratum_lo = k * local.size() / mine;
    const std::uint64_t stratum_hi = (k + 1) * local.size() / mine;
    if (stratum_hi == stratum_lo)
      continue;
    hypar::detail::sorting::SplitMix rng{k * 1315423911ull + static_cast<std::uint64_t>(me)};
    const std::uint64_t i = stratum_lo + rng.next() % (stratum_hi - stratum_lo);
    samples.push_back({local[static_cast<std::size_t>(i)], me, i});
  }
  std::vector<Sample<T>> splitters;
  run_agreed(comm, [&] {
    auto all = all_gather_values(comm, samples);
    std::sort(all.begin(), all.end(), [&less](const Sample<T>& a, const Sample<T>& b) {
      return before(less, a.value, a.rank, a.index, b);
    });
    for (std::size_t j = 1; j < P; ++j)
      splitters.push_back(all[all.size() * j / P]);
  });
  return splitters;
}

/// The items of one rank packed by destination rank: send[] holds those for rank 0, then those
/// for rank 1, ...; counts[r] of them for rank r.
template <class T, class A>
struct Packed {
  std::vector<T, A> send;
  std::vector<std::size_t> counts;
};

/// Step 2: classifies every item of `local` (on rank `me`) into its destination rank against the
/// splitters and packs the send buffer, in parallel over blocks: counts per block and rank, then
/// each block scatters to its own offsets (so items keep their order per destination).
template <class T, class A, class Less>
Packed<T, A> classify_and_pack(const std::vector<T, A>& local,
                               const std::vector<Sample<T>>& splitters, const Less& less, int me,
                               std::size_t P) {
  const std::size_t m = local.size();
  const std::size_t blocks =
      std::max<std::size_t>(1, std::min<std::size_t>(m / 4096, 8 * hypar::current_num_threads()));
  auto dest = std::make_unique_for_overwrite<std::uint32_t[]>(m);  // written before read: no memset
  std::vector<std::size_t> counts(blocks * P, 0);
  hypar::par_range(std::size_t{0}, blocks).for_each([&](std::size_t b) {
    // Plain pointers and locals: the loop's stores then cannot alias what it reads.
    const T* items = local.data();
    std::uint32_t* to = dest.get();
    const Sample<T>* split = splitters.data();
    const std::size_t splits = splitters.size();
    const std::size_t top = std::bit_floor(splits);
    const int rank = me;
    std::vector<std::size_t> count(P, 0);
    for (std::size_t i = b * m / blocks, end = (b + 1) * m / blocks; i < end; ++i) {
      // Branch-free binary search for the number of splitters the item does not come before
      // (its destination): the step sizes are fixed by the splitter count alone.
      std::size_t lo = 0;
      for (std::size_t step = top; step > 0; step /= 2) {
        const std::size_t probe = lo + step - 1;
        const bool after = probe < splits && !before(less, items[i], rank, i, split[probe]);
        lo += after ? step : 0;
      }
      to[i] = static_cast<std::uint32_t>(lo);
      ++count[lo];
    }
    std::copy(count.begin(), count.end(), counts.begin() + static_cast<std::ptrdiff_t>(b * P));
  });
  Packed<T, A> packed{std::vector<T, A>(m), std::vector<std::size_t>(P, 0)};
  std::vector<std::size_t> offset(blocks * P);
  std::size_t running = 0;
  for (std::size_t r = 0; r < P; ++r) {
    for (std::size_t b = 0; b < blocks; ++b) {
      offset[b * P + r] = running;
      running += counts[b * P + r];
      packed.counts[r] += counts[b * P + r];
    }
  }
  hypar::par_range(std::size_t{0}, blocks).for_each([&](std::size_t b) {
    std::vector<std::size_t> next(offset.begin() + static_cast<std::ptrdiff_t>(b * P),
                                  offset.begin() + static_cast<std::ptrdiff_t>((b + 1) * P));
    const T* items = local.data();
    const std::uint32_t* from = dest.get();
    T* out = packed.send.data();
    for (std::size_t i = b * m / blocks, end = (b + 1) * m / blocks; i < end; ++i)
      out[next[from[i]]++] = items[i];
  });
  return packed;
}

/// Step 4: sampling leaves the slices within a few percent of n/p; when a rank holds more than
/// 1.05 n/p, all ranks shift their items to exact slices of n/p: each sends the parts of its slice
/// that belong to a neighbour's target range (a second, mostly empty, exchange). The pieces arrive
/// in rank order, and slices are ordered, so their concatenation stays sorted. Collective.
template <class T, class A>
void rebalance(const Communicator& comm, std::vector<T, A>& slice, std::uint64_t n) {
  const auto P = static_cast<std::size_t>(comm.size());
  const std::vector<std::uint64_t> held = comm.all_gather(static_cast<std::uint64_t>(slice.size()));
  const std::uint64_t fair = (n + P - 1) / P;
  if (*std::max_element(held.begin(), held.end()) * 100 <= fair * 105)
    return;
  std::uint64_t first = 0;
  for (int r = 0; r < comm.rank(); ++r)
    first += held[static_cast<std::size_t>(r)];
  const std::uint64_t last = first + slice.size();
  std::vector<std::size_t> shift(P, 0);
  for (std::size_t r = 0; r < P; ++r) {
    const std::uint64_t target_lo = n * r / P;
    const std::uint64_t target_hi = n * (r + 1) / P;
    const std::uint64_t lo = std::max(first, target_lo);
    const std::uint64_t hi = std::min(last, target_hi);
    shift[r] = hi > lo ? static_cast<std::size_t>(hi - lo) : 0;
  }
  slice = comm.all_to_all(slice, shift);
}

/// The distributed sample sort behind par_sort and par_sort_by_key: `less` orders the items,
/// `sort_locally(vector&)` sorts one rank's items in that order (in parallel). The steps are
/// described at the top of this file.
template <class T, class A, class Less, class LocalSort>
void sample_sort(const Communicator& comm, std::vector<T, A>& local, const Less& less,
                 LocalSort sort_locally, SortStats* stats = nullptr) {
  static_assert(std::is_trivially_copyable_v<T>,
                "hypar::dist::par_sort: T must be trivially copyable");
  SortStats times;
  auto t0 = std::chrono::steady_clock::now();
  if (comm.size() == 1) {
    run_agreed(comm, [&] { sort_locally(local); });
    times.local_sort = lap(t0);
    if (stats != nullptr)
      *stats = times;
    return;
  }
  std::uint64_t n = 0;
  for (auto size : comm.all_gather(static_cast<std::uint64_t>(local.size())))
    n += size;
  if (n == 0) {
    if (stats != nullptr)
      *stats = times;
    return;
  }
  const std::vector<Sample<T>> splitters = choose_splitters(comm, local, less, n);
  times.sample = lap(t0);
  Packed<T, A> packed;
  run_agreed(comm, [&] {
    packed = classify_and_pack(local, splitters, less, comm.rank(),
                               static_cast<std::size_t>(comm.size()));
  });
  std::vector<T, A>().swap(local);
  // Step 3: one exchange, then sort what arrived: rank r now holds the items between splitters
  // r-1 and r, so the sorted slices are in rank order.
  std::vector<T, A> received = comm.all_to_all(packed.send, packed.counts);
  std::vector<T, A>().swap(packed.send);
  times.exchange = lap(t0);
  run_agreed(comm, [&] { sort_locally(received); });
  times.local_sort = lap(t0);
  rebalance(comm, received, n);
  times.exchange += lap(t0);
  local = std::move(received);
  if (stats != nullptr)
    *stats = times;
}

}  // namespace detail

/// Sorts the items spread over the ranks of `comm`: afterwards `local` on rank r holds the r-th
/// slice of the globally sorted sequence (every item of rank r is not less than every item of
/// rank r - 1), and each rank holds at most 1.05 x n/p items (rounded up). Collective. `cmp` is a
/// bool "less" or a three-way comparator. T must be trivially copyable (items travel as bytes). The
/// order of equal items is unspecified (the sort is not stable).
template <class T, class Cmp = std::less<>>
void par_sort(const Communicator& comm, std::vector<T>& local, Cmp cmp = {}) {
  if constexpr (std::is_same_v<Cmp, std::less<>> || std::is_same_v<Cmp, std::less<T>>) {
    // The default order: the intra-node sort can use its radix sort for arithmetic T.
    detail::sample_sort(comm, local, hypar::detail::sorting::LessFromCmp<Cmp>{&cmp},
                        [](std::vector<T>& v) { hypar::par_sort_unstable(v); });
  } else {
    detail::sample_sort(comm, local, hypar::detail::sorting::LessFromCmp<Cmp>{&cmp},
                        [&cmp](std::vector<T>& v) { hypar::par_sort_unstable_by(v, cmp); });
  }
}

/// par_sort by `key_fn(item)` compared with `<`: Rust's `sort_by_key` across ranks. Arithmetic
/// keys are sorted locally by the parallel radix sort.
template <class T, class KeyFn>
void par_sort_by_key(const Communicator& comm, std::vector<T>& local, KeyFn key_fn) {
  auto less = [key_fn](const T& a, const T& b) { return key_fn(a) < key_fn(b); };
  detail::sample_sort(comm, local, less,
                      [&key_fn](std::vector<T>& v) { hypar::par_sort_unstable_by_key(v, key_fn); });
}

/// par_sort_by_key with options: `options.stable` keeps equal keys in input order (rank order,
/// then vector order) and `options.stats` receives the step times. Any allocator (e.g. a
/// hypar::LargeBuffer: every buffer of the sort is then huge-page memory). Collective.
template <class T, class A, class KeyFn>
void par_sort_by_key(const Communicator& comm, std::vector<T, A>& local, KeyFn key_fn,
                     const SortOptions& options) {
  auto less = [key_fn](const T& a, const T& b) { return key_fn(a) < key_fn(b); };
  if (options.stable) {
    detail::sample_sort(
        comm, local, less, [&key_fn](std::vector<T, A>& v) { hypar::par_sort_by_key(v, key_fn); },
        options.stats);
  } else {
    detail::sample_sort(
        comm, local, less,
        [&key_fn](std::vector<T, A>& v) { hypar::par_sort_unstable_by_key(v, key_fn); },
        options.stats);
  }
}

}  // namespace hypar::dist
