#pragma once
// hypar::ParIter: Rayon's parallel iterator vocabulary. Adaptors (map, filter, enumerate, zip,
// fold, with_min_len, deterministic, with_progress) are lazy: they nest source types, and each
// leaf of the split runs the whole chain as one fused loop. Terminals (for_each, sum, min, max,
// count, reduce, any, all, find_any, collect, collect_into) run the chain in parallel on OpenMP
// tasks. Sources are in <hypar/par/sources.hpp>, the adaptors' source types in
// <hypar/par/adaptors.hpp>, the splitting in <hypar/par/bridge.hpp> and the terminals' reducers in
// <hypar/par/terminals.hpp>.

#include <cstddef>
#include <functional>
#include <hypar/core/error.hpp>
#include <hypar/par/adaptors.hpp>
#include <hypar/par/bridge.hpp>
#include <hypar/par/terminals.hpp>
#include <iterator>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace hypar {

template <class Src>
class ParIter;

namespace detail {

template <class T>
struct IsParIter : std::false_type {};
template <class S>
struct IsParIter<ParIter<S>> : std::true_type {};

/// The value an item is stored as by default in `collect()`: the item without reference and
/// const, and pairs (from enumerate and zip) of such values, so that collecting
/// `par_iter(v).enumerate()` gives `std::vector<std::pair<std::size_t, T>>`.
template <class T>
struct StoredValue {
  using type = std::remove_cvref_t<T>;
};
template <class A, class B>
struct StoredValue<std::pair<A, B>> {
  using type = std::pair<typename StoredValue<A>::type, typename StoredValue<B>::type>;
};
template <class T>
using stored_value_t = typename StoredValue<std::remove_cvref_t<T>>::type;

template <class C>
struct IsStdVector : std::false_type {};
template <class T, class A>
struct IsStdVector<std::vector<T, A>> : std::true_type {};

}  // namespace detail

/// A parallel iterator over the items of source `Src` (see <hypar/par/sources.hpp> for how to
/// make one). Adaptors return new iterators and do no work; terminals run the whole chain once,
/// in parallel, and return when every item is done. An exception thrown by user code cancels the
/// leaves not yet started and the first one is rethrown after the rest stopped.
template <class Src>
class ParIter {
 public:
  /// The type of the items (may be a reference, e.g. `const T&` for `par_iter`).
  using item_type = typename Src::item_type;
  /// Whether item i can be produced on its own (true unless a filter, fold or with_progress is in
  /// the chain); enumerate and zip need it.
  static constexpr bool indexed = Src::indexed;

  explicit ParIter(Src src, detail::ChainConfig config = {})
      : src_(std::move(src)), config_(config) {}

  // ---- adaptors (lazy) ------------------------------------------------------------------------

  /// Items `f(x)`. Sequential: `for (x : in) yield f(x)`. Free: fused into the leaf loop.
  template <class F>
  auto map(F f) const& {
    return make(detail::MapSrc<Src, F>{src_, std::move(f)});
  }
  template <class F>
  auto map(F f) && {
    return make(detail::MapSrc<Src, F>{std::move(src_), std::move(f)});
  }

  /// The items for which `pred(const item&)` is true, in order. Makes the chain unindexed.
  template <class P>
  auto filter(P pred) const& {
    return make(detail::FilterSrc<Src, P>{src_, std::move(pred)});
  }
  template <class P>
  auto filter(P pred) && {
    return make(detail::FilterSrc<Src, P>{std::move(src_), std::move(pred)});
  }

  /// Items `std::pair<std::size_t, item>{i, x}` with i the position. Needs an indexed chain.
  auto enumerate() const& {
    static_assert(indexed, "hypar: enumerate() needs an indexed iterator (not after filter/fold)");
    return make(detail::EnumerateSrc<Src>{src_, 0});
  }
  auto enumerate() && {
    static_assert(indexed, "hypar: enumerate() needs an indexed iterator (not after filter/fold)");
    return make(detail::EnumerateSrc<Src>{std::move(src_), 0});
  }

  /// Items `std::pair<A, B>` of this and `other`, as long as the shorter one. Both indexed.
  template <class Other>
  auto zip(Other&& other) const& {
    return zip_impl(src_, std::forward<Other>(other));
  }
  template <class Other>
  auto zip(Other&& other) && {
    return zip_impl(std::move(src_), std::forward<Other>(other));
  }

  /// Rayon's fold: each split folds its items into `acc = op(acc, x)` starting from
  /// `identity()`, and the result is a parallel iterator over those accumulators (one per split,
  /// none for an empty split), on which reduce, sum or collect follow.
  template <class Id, class Op>
  auto fold(Id identity, Op op) const& {
    return make(detail::FoldSrc<Src, Id, Op>{src_, std::move(identity), std::move(op)});
  }
  template <class Id, class Op>
  auto fold(Id identity, Op op) && {
    return make(detail::FoldSrc<Src, Id, Op>{std::move(src_), std::move(identity), std::move(op)});
  }

  /// No split yields fewer than `n` items (unless the whole input is shorter); applies to the
  /// whole chain. Use it when items are so cheap that task overhead would show.
  ParIter with_min_len(std::size_t n) const& {
    ParIter copy = *this;
    copy.config_.min_len = std::max<std::size_t>(1, n);
    return copy;
  }
  ParIter with_min_len(std::size_t n) && {
    config_.min_len = std::max<std::size_t>(1, n);
    return std::move(*this);
  }

  /// Split points and the combine tree depend only on the input length (and with_min_len), never
  /// on the thread count or timing, so floating-point sums and reductions are bitwise identical
  /// for any number of threads. Costs a little more combining; applies to the whole chain.
  ParIter deterministic() const& {
    ParIter copy = *this;
    copy.config_.deterministic = true;
    return copy;
  }
  ParIter deterministic() && {
    config_.deterministic = true;
    return std::move(*this);
  }

  /// Calls `progress.add(n)` as items pass this point (in batches of at most 1024 per split);
  /// `progress` is any object with a thread-safe `add(std::size_t)`, e.g. hypar::Progress, and
  /// must outlive the terminal. Makes the chain unindexed.
  template <class Progress>
  auto with_progress(Progress& progress) const& {
    return make(detail::ProgressSrc<Src, Progress>{src_, &progress});
  }
  template <class Progress>
  auto with_progress(Progress& progress) && {
    return make(detail::ProgressSrc<Src, Progress>{std::move(src_), &progress});
  }

  // ---- terminals ------------------------------------------------------------------------------

  /// Calls `f(x)` for every item, in parallel, in no particular order.
  /// Sequential: `for (x : in) f(x);`. Cost: one pass; about 4 leaves per thread (more when
  /// threads steal), a task per split.
  template <class F>
  void for_each(const F& f) const {
    run(detail::ForEachReducer<F>{f});
  }

  /// The sum of the items, starting from `T{}` (T = the item type without reference/const).
  /// Sequential: `T acc{}; for (x : in) acc += x; return acc;`. Arithmetic items of an indexed
  /// chain are summed in independent lanes (vectorised, at memory speed); the rounding therefore
  /// differs from a left-to-right loop, and between runs unless deterministic(). Cost: one pass,
  /// one addition per item and per split.
  auto sum() const {
    using T = std::remove_cvref_t<item_type>;
    detail::ValueInit<T> id;
    std::plus<> op;
    return run(detail::ReduceReducer<T, detail::ValueInit<T>, std::plus<>>{id, op});
  }

  /// Combines all items with the associative `op`, starting each split from `identity()`; the
  /// result for no items is `identity()`. Sequential: `acc = identity(); for (x) acc = op(acc, x)`.
  /// Cost: one pass; one `op` per item, plus one `identity()` and one `op` per split.
  template <class Id, class Op>
  auto reduce(const Id& identity, const Op& op) const {
    using T = std::remove_cvref_t<std::invoke_result_t<const Id&>>;
    return run(detail::ReduceReducer<T, Id, Op>{identity, op});
  }

  /// The smallest item (the first of equal ones) as a copy, or nullopt when there is none.
  /// Sequential: `std::min_element(in)`, copied. Cost: one pass, one `<` per item; a copy per
  /// new minimum.
  auto min() const { return run(detail::MinMaxReducer<std::remove_cvref_t<item_type>, false>{}); }
  /// The largest item (the last of equal ones) as a copy, or nullopt when there is none.
  /// Sequential: a loop keeping `x` whenever `!(x < best)` (Rust's `max`). Cost: as min().
  auto max() const { return run(detail::MinMaxReducer<std::remove_cvref_t<item_type>, true>{}); }

  /// The number of items (after filters); every adaptor still runs.
  /// Sequential: `std::size_t n = 0; for (x : in) ++n;`. Cost: one pass.
  std::size_t count() const { return run(detail::CountReducer{}); }

  /// Whether some item satisfies `pred`; stops every split once one does.
  /// Sequential: `std::any_of(in, pred)`. Cost: at most one pass; once found, every leaf stops
  /// within one item (a shared flag, read before each item).
  template <class P>
  bool any(const P& pred) const {
    return run(detail::AnyReducer<P>{pred});
  }
  /// Whether every item satisfies `pred`; stops every split once one does not.
  /// Sequential: `std::all_of(in, pred)`. Cost: as any().
  template <class P>
  bool all(const P& pred) const {
    auto negated = [&pred](const auto& x) { return !pred(x); };
    return !run(detail::AnyReducer<decltype(negated)>{negated});
  }
  /// Some item satisfying `pred` (a copy; not necessarily the first), or nullopt; short-circuits.
  /// Sequential: `std::find_if(in, pred)`, except that any match may win. Cost: as any(), plus
  /// one copy.
  template <class P>
  auto find_any(const P& pred) const {
    return run(detail::FindAnyReducer<std::remove_cvref_t<item_type>, P>{pred});
  }

  /// The items in input order, in a new container (by default a std::vector of the items
  /// without reference or const; pairs from enumerate/zip hold values too).
  /// Indexed chains write each item straight into its slot; others concatenate one vector per
  /// split. Sequential: `for (x : in) out.push_back(x);`.
  template <class C = std::vector<detail::stored_value_t<item_type>>>
  C collect() const {
    if constexpr (detail::IsStdVector<C>::value) {
      using V = typename C::value_type;
      if constexpr (indexed && std::is_default_constructible_v<V> && std::is_move_assignable_v<V> &&
                    std::is_same_v<typename C::allocator_type, std::allocator<V>>) {
        C out(src_.len());
        run(detail::CollectIndexedReducer<V>{out.data(), 0});
        return out;
      } else {
        auto items = run(detail::CollectChunksReducer<V>{});
        if constexpr (std::is_same_v<C, std::vector<V>>) {
          return items;
        } else {
          return C(std::make_move_iterator(items.begin()), std::make_move_iterator(items.end()));
        }
      }
    } else {
      auto items = collect<std::vector<std::ranges::range_value_t<C>>>();
      return C(std::make_move_iterator(items.begin()), std::make_move_iterator(items.end()));
    }
  }

  /// Replaces the contents of `out` with the items in input order. An indexed chain reuses the
  /// vector's storage (resized to the item count, then every slot overwritten in parallel), so
  /// collecting into the same vector again costs no allocation and no page faults.
  template <class T, class A>
  void collect_into(std::vector<T, A>& out) const {
    if constexpr (indexed && std::is_default_constructible_v<T> && std::is_move_assignable_v<T>) {
      out.resize(src_.len());
      run(detail::CollectIndexedReducer<T>{out.data(), 0});
    } else {
      out = collect<std::vector<T, A>>();
    }
  }

  // ---- for layers built on top (hypar::dist) ------------------------------------------------

  /// The source (the whole adaptor chain) and the chain options.
  const Src& source() const noexcept { return src_; }
  const detail::ChainConfig& config() const noexcept { return config_; }
  /// The size of the index space (the item count of an indexed chain).
  std::size_t len() const { return src_.len(); }

  /// Runs a reducer over the whole chain (adaptive or deterministic) and finishes it.
  template <class R>
  auto run(const R& r) const {
    return r.finish(detail::execute(src_, r, config_));
  }

 private:
  template <class S>
  ParIter<S> make(S src) const {
    return ParIter<S>(std::move(src), config_);
  }

  template <class S, class Other>
  auto zip_impl(S&& self_src, Other&& other) const {
    using O = std::remove_cvref_t<Other>;
    static_assert(detail::IsParIter<O>::value, "hypar: zip() takes another parallel iterator");
    static_assert(indexed && O::indexed,
                  "hypar: zip() needs two indexed iterators (not after filter/fold)");
    using OS = std::remove_cvref_t<decltype(other.source())>;
    detail::ChainConfig config = config_;
    config.min_len = std::max(config.min_len, other.config().min_len);
    config.deterministic = config.deterministic || other.config().deterministic;
    return ParIter<detail::ZipSrc<Src, OS>>(
        detail::ZipSrc<Src, OS>{std::forward<S>(self_src), std::forward<Other>(other).source()},
        config);
  }

  Src src_;
  detail::ChainConfig config_;
};

}  // namespace hypar
