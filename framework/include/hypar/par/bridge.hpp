#pragma once
// The bridge between a chain and the runtime: how an index space is split into leaves (Rayon's
// adaptive splitter, or the fixed tree of `deterministic()`) and how the leaves run on the team
// through the core's one fork primitive (`detail::fork_join`, core/join.hpp). The terminals'
// reducers that it runs are in <hypar/par/terminals.hpp>; docs/splitting.md explains the design
// and the extension point used by hypar::dist.
//
// A *source* (type `Src`) describes the items of an index space [0, len()):
//   static constexpr bool indexed;   // item i can be produced alone: `item_type get(size_t i)
//   const` using item_type = ...;           // what the chain yields (may be a reference)
//   std::size_t len() const;         // the size of the index space
//   template <class Sink> bool drive(size_t lo, size_t hi, Sink& sink) const;   // unindexed only
// `drive` pushes the items of [lo, hi) in order into `sink(item) -> bool` and stops when the sink
// returns false. `detail::drive` does it for either kind.
//
// A *reducer* `R` (one per terminal) has
//   using partial_type = ...;
//   partial_type identity() const;                          // the partial of no items
//   template <class Src> partial_type leaf(const Src&, size_t lo, size_t hi, Cancellation&) const;
//   partial_type combine(partial_type&& left, partial_type&& right) const;   // keeps the order
//   result finish(partial_type&&) const;

#include <algorithm>
#include <cstddef>
#include <functional>
#include <hypar/core/join.hpp>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace hypar::detail {

/// Pushes the items of [lo, hi) of `src` into `sink`; false if the sink stopped early.
template <class Src, class Sink>
bool drive(const Src& src, std::size_t lo, std::size_t hi, Sink&& sink) {
  if constexpr (Src::indexed) {
    for (std::size_t i = lo; i < hi; ++i) {
      if (!sink(src.get(i)))
        return false;
    }
    return true;
  } else {
    return src.drive(lo, hi, sink);
  }
}

/// Options that apply to a whole chain, set by `with_min_len` and `deterministic`.
struct ChainConfig {
  std::size_t min_len = 1;     ///< no leaf shorter than this (unless the whole input is)
  bool deterministic = false;  ///< fixed leaves and combine tree, see deterministic_leaf_size
};

/// Rayon's adaptive splitter: a budget of splits, starting at twice the thread count (Rayon: once)
/// and halved at each split; a piece that was stolen (runs on another thread than the one that
/// created it) gets the budget back, because stealing shows that other threads are idle. Never
/// below `min_len`.
struct Splitter {
  std::size_t splits;
  std::size_t min_len;
  std::size_t threads;

  bool try_split(std::size_t len, bool stolen) noexcept {
    if (len / 2 < min_len || len < 2)
      return false;
    if (stolen) {
      splits = std::max(threads, splits / 2);
      return true;
    }
    if (splits > 0) {
      splits /= 2;
      return true;
    }
    return false;
  }
};

/// The leaf size of `deterministic()`: a function of the global length and `min_len` only, never
/// of the thread (or rank) count: about 512 leaves for short inputs, leaves of 4096 items for long
/// ones, never below min_len. The distributed layer aligns its rank boundaries to multiples of it.
inline std::size_t deterministic_leaf_size(std::size_t global_len, std::size_t min_len) noexcept {
  const std::size_t by_count = (global_len + 511) / 512;
  return std::max<std::size_t>({std::size_t{1}, min_len, std::min<std::size_t>(by_count, 4096)});
}

// ---- running the leaves -------------------------------------------------------------------------

/// The adaptive split of [lo, hi): halves are forked while the splitter allows it, each leaf
/// runs `r.leaf`, and partials are combined in order. `migrated` (the half runs on another thread
/// than the one that split it) resets the splitter's budget, as in Rayon's bridge.
template <class Src, class R>
class AdaptiveRun {
 public:
  using P = typename R::partial_type;
  AdaptiveRun(const Src& src, const R& r, Cancellation& cancel)
      : src_(src), r_(r), cancel_(cancel) {}

  P run(std::size_t lo, std::size_t hi, Splitter splitter, bool migrated) const {
    if (cancel_.stopped())
      return r_.identity();
    if (!splitter.try_split(hi - lo, migrated))
      return r_.leaf(src_, lo, hi, cancel_);
    const std::size_t mid = lo + (hi - lo) / 2;
    auto [left, right] = fork_join(
        cancel_, [&](JoinContext c) { return run(lo, mid, splitter, c.migrated()); },
        [&](JoinContext c) { return run(mid, hi, splitter, c.migrated()); });
    if (!left.filled() || !right.filled())
      return r_.identity();  // an error was captured; the caller rethrows it
    return r_.combine(left.take(), right.take());
  }

 private:
  const Src& src_;
  const R& r_;
  Cancellation& cancel_;
};

/// The fixed tree of deterministic(): leaves of `leaf` items over the global index space
/// [0, global_len); node (level j, index q) covers leaves [q 2^j, (q+1) 2^j), cut at the end.
/// A node whose right half is empty equals its left half, so a node's value depends only on the
/// leaves it covers. `offset` is the global index of the source's local index 0.
template <class Src, class R>
class DeterministicRun {
 public:
  using P = typename R::partial_type;
  DeterministicRun(const Src& src, const R& r, Cancellation& cancel, std::size_t offset,
                   std::size_t global_len, std::size_t leaf, std::size_t grain)
      : src_(src),
        r_(r),
        cancel_(cancel),
        offset_(offset),
        global_len_(global_len),
        leaf_(leaf),
        grain_(grain) {}

  /// The value of the node covering leaves [first, last) (a whole aligned subtree, maybe cut).
  P node(std::size_t first, std::size_t last, std::size_t width) const {
    if (cancel_.stopped())
      return r_.identity();
    const std::size_t lo = first * leaf_;
    const std::size_t hi = std::min(last * leaf_, global_len_);
    if (width == 1)
      return r_.leaf(src_, lo - offset_, hi - offset_, cancel_);
    const std::size_t half = width / 2;
    const std::size_t mid = first + half;
    if (mid >= last)
      return node(first, last, half);
    if (hi - lo <= grain_) {  // sequential below the grain: same tree, no tasks
      P left = node(first, mid, half);
      P right = node(mid, last, half);
      return r_.combine(std::move(left), std::move(right));
    }
    auto [left, right] = fork_join(
        cancel_, [&](JoinContext) { return node(first, mid, half); },
        [&](JoinContext) { return node(mid, last, half); });
    if (!left.filled() || !right.filled())
      return r_.identity();
    return r_.combine(left.take(), right.take());
  }

 private:
  const Src& src_;
  const R& r_;
  Cancellation& cancel_;
  std::size_t offset_, global_len_, leaf_, grain_;
};

/// The smallest power of two >= n (n >= 1).
inline std::size_t ceil_pow2(std::size_t n) noexcept {
  std::size_t p = 1;
  while (p < n)
    p *= 2;
  return p;
}

/// A partial result of the deterministic tree for the node covering leaves [first, last).
template <class P>
struct DeterministicNode {
  std::size_t first_leaf;
  std::size_t last_leaf;
  P partial;
};

/// Runs `r` over the local indices [lo, hi) of `src` in parallel on the current team (or a new
/// region, opened by the first fork) and returns the partial. Throws the first exception of user
/// code. Rayon's splitter starts with twice as many splits as threads.
template <class Src, class R>
typename R::partial_type execute_adaptive(const Src& src, const R& r, std::size_t lo,
                                          std::size_t hi, const ChainConfig& config) {
  Cancellation cancel;
  const std::size_t threads = current_num_threads();
  const Splitter splitter{threads > 1 ? 2 * threads : 0, std::max<std::size_t>(1, config.min_len),
                          threads};
  AdaptiveRun<Src, R> run(src, r, cancel);
  ResultSlot<typename R::partial_type> result;
  auto root = [&] { return run.run(lo, hi, splitter, false); };
  try {
    result.set(root);
  } catch (...) {
    cancel.capture();
  }
  cancel.rethrow_if_failed();
  return result.take();
}

/// The deterministic partials of the local index range [0, src.len()), which lies at global
/// indices [offset, offset + src.len()) of a global space of `global_len` items. `offset` and the
/// local end must be multiples of the leaf size (or the end of the global space). Returns the
/// maximal aligned subtrees covering the local leaves, left to right.
template <class Src, class R>
std::vector<DeterministicNode<typename R::partial_type>> deterministic_partials(
    const Src& src, const R& r, std::size_t offset, std::size_t global_len,
    const ChainConfig& config) {
  using P = typename R::partial_type;
  const std::size_t leaf = deterministic_leaf_size(global_len, config.min_len);
  const std::size_t local_len = src.len();
  std::vector<DeterministicNode<P>> nodes;
  if (local_len == 0)
    return nodes;
  const std::size_t leaves = (global_len + leaf - 1) / leaf;
  if (offset % leaf != 0 ||
      (offset + local_len != global_len && (offset + local_len) % leaf != 0) ||
      offset + local_len > global_len) {
    throw Error(
        "hypar: a deterministic sub-range must start and end on multiples of "
        "detail::deterministic_leaf_size() (or at the end of the global range)");
  }
  const std::size_t root_width = ceil_pow2(leaves);
  std::size_t k = offset / leaf;
  const std::size_t k_end = std::min((offset + local_len + leaf - 1) / leaf, leaves);
  // The maximal aligned subtrees: the widest node starting at k (k a multiple of its width) that
  // ends inside [k, k_end) once cut at the last leaf.
  std::vector<std::pair<std::size_t, std::size_t>> blocks;  // (first leaf, width)
  while (k < k_end) {
    std::size_t width = 1;
    while (2 * width <= root_width && k % (2 * width) == 0 &&
           std::min(k + 2 * width, leaves) <= k_end) {
      width *= 2;
    }
    blocks.emplace_back(k, width);
    k = std::min(k + width, leaves);
  }
  Cancellation cancel;
  std::vector<std::optional<P>> results(blocks.size());
  auto root = [&]() noexcept {
    try {
      const std::size_t threads = current_num_threads();
      const std::size_t grain = std::max(leaf, local_len / (4 * std::max<std::size_t>(1, threads)));
      DeterministicRun<Src, R> run(src, r, cancel, offset, global_len, leaf, grain);
      for (std::size_t b = 0; b < blocks.size(); ++b) {
        const auto [first, width] = blocks[b];
        results[b].emplace(run.node(first, std::min(first + width, leaves), width));
      }
    } catch (...) {
      cancel.capture();
    }
  };
  if (local_len <= leaf) {
    root();
  } else {
    run_root(root);
  }
  cancel.rethrow_if_failed();
  nodes.reserve(blocks.size());
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    const auto [first, width] = blocks[b];
    nodes.push_back({first, std::min(first + width, leaves), std::move(*results[b])});
  }
  return nodes;
}

/// Combines deterministic partials that together cover every leaf of a global space of
/// `global_len` items (from any number of ranks, in any order) along the fixed tree: the result is
/// the same whatever the split into nodes was.
template <class R>
typename R::partial_type combine_deterministic(
    std::vector<DeterministicNode<typename R::partial_type>> nodes, std::size_t global_len,
    const ChainConfig& config, const R& r) {
  using P = typename R::partial_type;
  if (global_len == 0 || nodes.empty())
    return r.identity();
  const std::size_t leaf = deterministic_leaf_size(global_len, config.min_len);
  const std::size_t leaves = (global_len + leaf - 1) / leaf;
  std::sort(nodes.begin(), nodes.end(),
            [](const auto& a, const auto& b) { return a.first_leaf < b.first_leaf; });
  auto eval = [&](auto& self, std::size_t first, std::size_t width) -> P {
    const std::size_t last = std::min(first + width, leaves);
    const auto it = std::lower_bound(nodes.begin(), nodes.end(), first,
                                     [](const auto& n, std::size_t f) { return n.first_leaf < f; });
    if (it != nodes.end() && it->first_leaf == first && it->last_leaf == last)
      return std::move(it->partial);
    if (width == 1)
      throw Error("hypar: deterministic partials do not cover every leaf");
    const std::size_t half = width / 2;
    if (first + half >= last)
      return self(self, first, half);
    P left = self(self, first, half);
    P right = self(self, first + half, half);
    return r.combine(std::move(left), std::move(right));
  };
  return eval(eval, 0, ceil_pow2(leaves));
}

/// Runs reducer `r` over all of `src` with the chain's configuration: the adaptive splitter, or
/// the fixed tree when deterministic.
template <class Src, class R>
typename R::partial_type execute(const Src& src, const R& r, const ChainConfig& config) {
  if (config.deterministic) {
    const std::size_t n = src.len();
    auto nodes = deterministic_partials(src, r, 0, n, config);
    return combine_deterministic(std::move(nodes), n, config, r);
  }
  return execute_adaptive(src, r, 0, src.len(), config);
}

}  // namespace hypar::detail
