#pragma once
// How the sorts use the team: parallel passes over stripes of the input, the stripe-major
// histogram offsets that keep a scatter stable, and the plan that turns buckets into tasks. All
// forking goes through the core's `detail::fork_each` (core/join.hpp).

#include <omp.h>

#include <algorithm>
#include <cstddef>
#include <hypar/core/join.hpp>
#include <hypar/core/pool.hpp>
#include <utility>
#include <vector>

namespace hypar::detail::sorting {

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

/// Runs f(i) for every i in [0, count) on the team (f(0) on this thread) and returns when all have
/// ended; sequentially outside a parallel region (a sort on one thread). f must not throw (pieces
/// catch and record into a Cancellation), and every call runs.
template <class F>
void for_stripes(std::size_t count, F&& f) {
  if (count <= 1 || !omp_in_parallel()) {
    for (std::size_t i = 0; i < count; ++i)
      f(i);
    return;
  }
  auto piece = [&f](std::size_t i) noexcept { f(i); };
  fork_each(0, count, piece);
}

/// Runs body() (which must not throw) as the root of a parallel sort: in a new region of
/// current_num_threads() threads when `threads` > 1 and none is open, else directly.
template <class F>
void run_in_team(std::size_t threads, F&& body) {
  auto root = [&body]() noexcept { body(); };
  if (threads <= 1 || omp_in_parallel()) {
    root();
    return;
  }
  run_root(root);
}

/// Turns per-stripe histograms into scatter positions: `counts[k * nb + b]` (stripe k, bucket b)
/// becomes the position where stripe k writes its first element of bucket b, bucket-major and
/// stripe-minor, so every bucket keeps its elements in input order (the scatter is stable).
/// Returns the bucket boundaries: bucket b is [start[b], start[b + 1]).
inline std::vector<std::size_t> stable_scatter_offsets(std::vector<std::size_t>& counts,
                                                       std::size_t stripes, std::size_t nb) {
  std::vector<std::size_t> start(nb + 1, 0);
  std::size_t run = 0;
  for (std::size_t b = 0; b < nb; ++b) {
    start[b] = run;
    for (std::size_t k = 0; k < stripes; ++k) {
      const std::size_t c = counts[k * nb + b];
      counts[k * nb + b] = run;
      run += c;
    }
  }
  start[nb] = run;
  return start;
}

/// One task of a sort's bucket phase: buckets [first, last) sorted one after the other, or (when
/// `parallel`) the single bucket `first` sorted with the team.
struct BucketJob {
  std::size_t first;
  std::size_t last;
  bool parallel;
};

/// Plans the bucket phase over the buckets [start[b], start[b + 1]) for b < nb: a bucket of at
/// least `big` elements for which `splittable(b)` holds gets a parallel job of its own; the others
/// are grouped, in order, into sequential jobs of at least `group` elements, so idle threads find
/// work without a task per tiny bucket.
template <class Splittable>
std::vector<BucketJob> plan_buckets(const std::vector<std::size_t>& start, std::size_t big,
                                    std::size_t group, Splittable splittable) {
  const std::size_t nb = start.size() - 1;
  std::vector<BucketJob> jobs;
  std::size_t first = 0;
  std::size_t acc = 0;
  auto flush = [&](std::size_t end) {
    if (first != end)
      jobs.push_back({first, end, false});
    first = end;
    acc = 0;
  };
  for (std::size_t b = 0; b < nb; ++b) {
    const std::size_t size = start[b + 1] - start[b];
    if (size >= big && splittable(b)) {
      flush(b);
      jobs.push_back({b, b + 1, true});
      first = b + 1;
      continue;
    }
    acc += size;
    if (acc >= group)
      flush(b + 1);
  }
  flush(nb);
  return jobs;
}

/// Runs `run(job)` (which must not throw) for every job on the team and returns when all ended.
template <class F>
void run_bucket_jobs(const std::vector<BucketJob>& jobs, F&& run) {
  auto piece = [&](std::size_t j) noexcept { run(jobs[j]); };
  fork_each(0, jobs.size(), piece);
}

}  // namespace hypar::detail::sorting
