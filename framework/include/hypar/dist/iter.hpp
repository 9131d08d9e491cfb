#pragma once
// hypar::dist::par_range: the parallel iterator of <hypar/par.hpp> over an index space split
// across MPI ranks, then across the threads of each rank.
//
// Design. A DistIter keeps the user's adaptor chain built over the *global* index space (the
// same ParIter types as inside a node, so every adaptor is the intra-node one) and cuts it only
// when a terminal runs: this rank's contiguous slice [lo, hi) is wrapped in an OffsetSrc and run
// with the intra-node engine, which gives a partial result; the partials of all ranks are
// all-gathered and combined in rank order (= index order), then finished, so every rank returns
// the same global result. Because the chain sees global indices, enumerate() yields global
// positions with no extra work.
//
// The cut is chosen at terminal time because it depends on the chain's options:
// with deterministic() the rank boundaries are multiples of the deterministic leaf size, each rank
// computes the partials of the maximal aligned subtrees of the fixed global tree it covers, and
// the tree is evaluated from all ranks' nodes: the result is bitwise identical for every ranks x
// threads layout (docs/splitting.md, section 7).
//
// Failures are agreed before any data moves: if user code throws on some rank, every rank learns
// it in one all-reduce, the ranks that threw rethrow their own exception and the others throw
// hypar::Error naming the first failed rank. No rank is ever left waiting in a collective.
//
// Partial results travel as bytes, so the terminals need trivially copyable results (arithmetic
// types and plain structs, as MPI itself does); collect() needs trivially copyable items.

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <exception>
#include <functional>
#include <hypar/core/error.hpp>
#include <hypar/dist/communicator.hpp>
#include <hypar/par.hpp>
#include <new>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace hypar::dist {

namespace detail {

/// The items [begin, begin + n) of a source over a larger index space: item i is item begin + i
/// of the base, so chains built on global indices keep them.
template <class Base>
struct OffsetSrc {
  static constexpr bool indexed = Base::indexed;
  using item_type = typename Base::item_type;
  const Base* base;
  std::size_t begin;
  std::size_t n;
  std::size_t len() const { return n; }
  item_type get(std::size_t i) const requires Base::indexed { return base->get(begin + i); }
  template <class Sink>
  bool drive(std::size_t lo, std::size_t hi, Sink& sink) const {
    return hypar::detail::drive(*base, begin + lo, begin + hi, sink);
  }
};

/// This rank's slice of [0, n) on `size` ranks: contiguous, in rank order, lengths differing by
/// at most one `unit` (the deterministic leaf size, or 1).
inline std::pair<std::size_t, std::size_t> rank_slice(std::size_t n, std::size_t unit, int rank,
                                                      int size) {
  const std::size_t units = (n + unit - 1) / unit;
  const auto r = static_cast<std::size_t>(rank);
  const auto p = static_cast<std::size_t>(size);
  const std::size_t first = units / p * r + std::min(r, units % p);
  const std::size_t last = units / p * (r + 1) + std::min(r + 1, units % p);
  return {std::min(first * unit, n), std::min(last * unit, n)};
}

/// Agrees across ranks on whether a local step failed: rethrows the local exception on ranks
/// where it failed, throws hypar::Error on the others; returns normally only if no rank failed.
void agree_on_failure(const Communicator& comm, const std::exception_ptr& local_failure);

/// One value as a trivially copyable box: gathers of `bool` would otherwise meet
/// std::vector<bool>, and pairs (from enumerate and zip), whose assignment is not trivial, travel
/// as their bytes (they are implicit-lifetime types: trivially copy-constructible and
/// destructible).
template <class T>
struct Boxed {
  alignas(T) unsigned char bytes[sizeof(T)] = {};
};

template <class T>
inline constexpr bool transferable_v = std::is_trivially_copyable_v<T> ||
                                       (std::is_trivially_copy_constructible_v<T> &&
                                        std::is_trivially_destructible_v<T>);

/// Every rank's `values`, concatenated in rank order, on every rank.
template <class T>
std::vector<T> all_gather_values(const Communicator& comm, const std::vector<T>& values) {
  static_assert(transferable_v<T>,
                "hypar::dist: values must be trivially copyable to travel between ranks");
  std::vector<Boxed<T>> boxes(values.size());  // zeroed: padding travels as zeros
  for (std::size_t i = 0; i < values.size(); ++i) {
    ::new (static_cast<void*>(boxes[i].bytes))
        T(values[i]);  // (std::vector<bool> has no addresses)
  }
  const auto all = comm.all_gather(boxes);
  std::vector<T> out;
  out.reserve(all.size());
  for (const auto& box : all)
    out.push_back(*std::launder(reinterpret_cast<const T*>(box.bytes)));
  return out;
}

template <class P>
void require_transferable() {
  static_assert(transferable_v<P>,
                "hypar::dist: this terminal's result must be trivially copyable to travel between "
                "ranks (arithmetic types, plain structs, std::pair of them)");
}

}  // namespace detail

/// A parallel iterator whose index space is spread over the ranks of a communicator. Built by
/// `dist::par_range`; offers the adaptors and terminals of hypar::ParIter. Every terminal is
/// collective (all ranks of the communicator must call it, in the same order) and returns the
/// global result on every rank. Costs one intra-node run over n/p items plus one all-reduce and
/// one all-gather of the partial results (a few per rank).
template <class Src>
class DistIter {
 public:
  using item_type = typename Src::item_type;
  static constexpr bool indexed = Src::indexed;

  DistIter(Communicator comm, ParIter<Src> chain)
      : comm_(std::move(comm)), chain_(std::move(chain)) {}

  // ---- adaptors: the intra-node ones, applied to the global chain -------------------------------

  /// Items `f(x)`.
  template <class F>
  auto map(F f) const {
    return wrap(chain_.map(std::move(f)));
  }
  /// The items for which `pred(x)` holds.
  template <class P>
  auto filter(P pred) const {
    return wrap(chain_.filter(std::move(pred)));
  }
  /// Items `{global position, x}`.
  auto enumerate() const { return wrap(chain_.enumerate()); }
  /// Items `{x, y}` of this and another distributed iterator over the same communicator.
  template <class Other>
  auto zip(const DistIter<Other>& other) const {
    return wrap(chain_.zip(other.chain()));
  }
  /// One accumulator per split (see ParIter::fold); reduce or sum them next.
  template <class Id, class Op>
  auto fold(Id identity, Op op) const {
    return wrap(chain_.fold(std::move(identity), std::move(op)));
  }
  /// No split shorter than `n` items.
  DistIter with_min_len(std::size_t n) const { return wrap(chain_.with_min_len(n)); }
  /// Bitwise identical results for every ranks x threads layout.
  DistIter deterministic() const { return wrap(chain_.deterministic()); }
  /// Counts this rank's items into `progress` (e.g. a dist::Progress, which aggregates the
  /// counts of all ranks on rank 0).
  template <class Progress>
  auto with_progress(Progress& progress) const {
    return wrap(chain_.with_progress(progress));
  }

  // ---- terminals: collective, global result on every rank ---------------------------------------

  /// Calls `f(x)` for every item of this rank's slice; returns once every rank is done (a
  /// failure on any rank is raised on all).
  template <class F>
  void for_each(const F& f) const {
    run(hypar::detail::ForEachReducer<F>{f});
  }
  /// The global sum.
  auto sum() const {
    using T = std::remove_cvref_t<item_type>;
    hypar::detail::ValueInit<T> id;
    std::plus<> op;
    return run(hypar::detail::ReduceReducer<T, hypar::detail::ValueInit<T>, std::plus<>>{id, op});
  }
  /// All items combined with the associative `op`, each split starting from `identity()`.
  template <class Id, class Op>
  auto reduce(const Id& identity, const Op& op) const {
    using T = std::remove_cvref_t<std::invoke_result_t<const Id&>>;
    return run(hypar::detail::ReduceReducer<T, Id, Op>{identity, op});
  }
  /// The smallest item (the first of equal ones), or nullopt.
  auto min() const {
    return run(hypar::detail::MinMaxReducer<std::remove_cvref_t<item_type>, false>{});
  }
  /// The largest item (the last of equal ones), or nullopt.
  auto max() const {
    return run(hypar::detail::MinMaxReducer<std::remove_cvref_t<item_type>, true>{});
  }
  /// The number of items.
  std::size_t count() const { return run(hypar::detail::CountReducer{}); }
  /// Whether some item satisfies `pred` (each rank stops early; the answer is global).
  template <class P>
  bool any(const P& pred) const {
    return run(hypar::detail::AnyReducer<P>{pred});
  }
  /// Whether every item satisfies `pred`.
  template <class P>
  bool all(const P& pred) const {
    auto negated = [&pred](const auto& x) { return !pred(x); };
    return !run(hypar::detail::AnyReducer<decltype(negated)>{negated});
  }
  /// Some item satisfying `pred`, the same on every rank (the one of the lowest rank that found
  /// one), or nullopt.
  template <class P>
  auto find_any(const P& pred) const {
    return run(hypar::detail::FindAnyReducer<std::remove_cvref_t<item_type>, P>{pred});
  }
  /// All items in global order, on every rank (an all-gather: n items of memory per rank).
  template <class V = hypar::detail::stored_value_t<item_type>>
  std::vector<V> collect() const {
    static_assert(detail::transferable_v<V>,
                  "hypar::dist: collect() needs trivially copyable items");
    std::vector<V> local;
    std::exception_ptr failure;
    try {
      const auto [lo, hi] = slice();
      local = ParIter<detail::OffsetSrc<Src>>({&chain_.source(), lo, hi - lo}, chain_.config())
                  .template collect<std::vector<V>>();
    } catch (...) {
      failure = std::current_exception();
    }
    detail::agree_on_failure(comm_, failure);
    return detail::all_gather_values(comm_, local);
  }
  /// Replaces `out` with all items in global order.
  template <class T, class A>
  void collect_into(std::vector<T, A>& out) const {
    auto all = collect<T>();
    out.assign(all.begin(), all.end());
  }

  // ---- for layers built on top ------------------------------------------------------------------

  /// The global chain and the communicator.
  const ParIter<Src>& chain() const noexcept { return chain_; }
  const Communicator& communicator() const noexcept { return comm_; }
  /// The size of the global index space.
  std::size_t len() const { return chain_.len(); }
  /// This rank's slice [first, last) of the global index space under the chain's options.
  std::pair<std::size_t, std::size_t> slice() const {
    const std::size_t n = chain_.len();
    const std::size_t unit = chain_.config().deterministic ? hypar::detail::deterministic_leaf_size(
                                                                 n, chain_.config().min_len)
                                                           : 1;
    return detail::rank_slice(n, unit, comm_.rank(), comm_.size());
  }

  /// Runs reducer `r` over the whole distributed space and returns the finished global result.
  template <class R>
  auto run(const R& r) const {
    using P = typename R::partial_type;
    detail::require_transferable<P>();
    const std::size_t n = chain_.len();
    const auto [lo, hi] = slice();
    const detail::OffsetSrc<Src> local{&chain_.source(), lo, hi - lo};
    const auto& config = chain_.config();
    std::exception_ptr failure;
    if (config.deterministic) {
      std::vector<hypar::detail::DeterministicNode<P>> nodes;
      try {
        nodes = hypar::detail::deterministic_partials(local, r, lo, n, config);
      } catch (...) {
        failure = std::current_exception();
      }
      detail::agree_on_failure(comm_, failure);
      auto all = detail::all_gather_values(comm_, nodes);
      return r.finish(hypar::detail::combine_deterministic(std::move(all), n, config, r));
    }
    std::optional<P> partial;
    try {
      partial.emplace(hypar::detail::execute_adaptive(local, r, 0, hi - lo, config));
    } catch (...) {
      failure = std::current_exception();
    }
    detail::agree_on_failure(comm_, failure);
    auto all = detail::all_gather_values(comm_, std::vector<P>{std::move(*partial)});
    P acc = std::move(all.front());
    for (std::size_t k = 1; k < all.size(); ++k)
      acc = r.combine(std::move(acc), std::move(all[k]));
    return r.finish(std::move(acc));
  }

 private:
  template <class S>
  DistIter<S> wrap(ParIter<S> chain) const {
    return DistIter<S>(comm_, std::move(chain));
  }

  Communicator comm_;
  ParIter<Src> chain_;
};

/// The integers [first, last) split across the ranks of `comm` (contiguous slices in rank
/// order), then across the threads of each rank. Sequential equivalent, on every rank:
/// `for (I i = first; i < last; ++i)`. Terminals are collective and return the global result.
template <std::integral I>
requires(!std::same_as<I, bool>) auto par_range(const Communicator& comm, I first, I last) {
  using Chain = decltype(hypar::par_range(first, last));
  using Src = std::remove_cvref_t<decltype(std::declval<const Chain&>().source())>;
  return DistIter<Src>(comm, hypar::par_range(first, last));
}

}  // namespace hypar::dist
