#pragma once
// The sources of parallel iterators: par_range, par_iter, par_iter_mut, into_par_iter,
// par_chunks and par_chunks_mut. All are indexed (item i can be produced alone), so the splitter
// cuts them at any index. Ranges are taken by forwarding reference: an lvalue (or a view such as
// std::span) is borrowed and must outlive the terminal; an owning temporary is moved into the
// iterator and kept alive by it.

#include <concepts>
#include <cstddef>
#include <hypar/core/error.hpp>
#include <hypar/par/iter.hpp>
#include <iterator>
#include <memory>
#include <ranges>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

namespace hypar {
namespace detail {

template <std::integral I>
requires(!std::same_as<I, bool>) struct RangeSrc {
  static constexpr bool indexed = true;
  using item_type = I;
  using U = std::make_unsigned_t<I>;
  I first;
  std::size_t n;
  std::size_t len() const { return n; }
  I get(std::size_t i) const { return static_cast<I>(static_cast<U>(first) + static_cast<U>(i)); }
};

/// Items `*(begin + i)` of a random-access range; `Keep` holds an owned container alive (or is
/// std::monostate when the range is borrowed).
template <class It, class Keep>
struct IterSrc {
  static constexpr bool indexed = true;
  using item_type = std::iter_reference_t<It>;
  It begin;
  std::size_t n;
  Keep keep;
  std::size_t len() const { return n; }
  item_type get(std::size_t i) const { return begin[static_cast<std::iter_difference_t<It>>(i)]; }
};

/// Items moved out of an owned container.
template <class Container>
struct OwnedMoveSrc {
  static constexpr bool indexed = true;
  using value_type = std::ranges::range_value_t<Container>;
  using item_type = value_type;
  std::shared_ptr<Container> items;
  std::size_t len() const { return std::ranges::size(*items); }
  value_type get(std::size_t i) const {
    return std::move(std::ranges::begin(*items)[static_cast<std::ptrdiff_t>(i)]);
  }
};

/// Consecutive spans of `size` elements (the last one shorter).
template <class T, class Keep>
struct ChunksSrc {
  static constexpr bool indexed = true;
  using item_type = std::span<T>;
  T* data;
  std::size_t total;
  std::size_t size;
  Keep keep;
  std::size_t len() const { return total == 0 ? 0 : (total + size - 1) / size; }
  std::span<T> get(std::size_t i) const {
    const std::size_t lo = i * size;
    return std::span<T>(data + lo, std::min(size, total - lo));
  }
};

/// Whether a range passed as `R&&` can be borrowed (an lvalue or a view) rather than owned.
template <class R>
inline constexpr bool borrowable_v =
    std::is_lvalue_reference_v<R> || std::ranges::borrowed_range<R>;

/// The start of a range for indexing: a plain pointer (to const when `Const`) for contiguous
/// ranges, otherwise the range's own iterator (of the const range when `Const`).
template <bool Const, class Range>
auto start_of(Range& r) {
  if constexpr (std::ranges::contiguous_range<Range>) {
    using T = std::remove_reference_t<std::ranges::range_reference_t<Range>>;
    using Ptr = std::conditional_t<Const, const T*, T*>;
    return static_cast<Ptr>(std::ranges::data(r));
  } else if constexpr (Const) {
    return std::ranges::begin(std::as_const(r));
  } else {
    return std::ranges::begin(r);
  }
}

/// Borrow or own `r`: returns {start, size, keep-alive}.
template <bool Const, class R>
auto hold_range(R&& r) {
  using Raw = std::remove_cvref_t<R>;
  if constexpr (borrowable_v<R>) {
    return std::tuple{start_of<Const>(r), static_cast<std::size_t>(std::ranges::size(r)),
                      std::monostate{}};
  } else {
    auto owned = std::make_shared<Raw>(std::move(r));
    auto start = start_of<Const>(*owned);
    const auto n = static_cast<std::size_t>(std::ranges::size(*owned));
    return std::tuple{start, n, std::shared_ptr<const Raw>(std::move(owned))};
  }
}

}  // namespace detail

/// Parallel iterator over the integers [first, last) of any integral type I (empty if
/// last <= first). Sequential: `for (I i = first; i < last; ++i)`.
template <std::integral I>
requires(!std::same_as<I, bool>) auto par_range(I first, I last) {
  using U = std::make_unsigned_t<I>;
  const std::size_t n =
      last > first
          ? static_cast<std::size_t>(static_cast<U>(static_cast<U>(last) - static_cast<U>(first)))
          : 0;
  return ParIter<detail::RangeSrc<I>>(detail::RangeSrc<I>{first, n});
}

/// Parallel iterator over const references to the elements of a random-access sized range.
/// Sequential: `for (const auto& x : range)`.
template <std::ranges::random_access_range R>
requires std::ranges::sized_range<R>
auto par_iter(R&& range) {
  auto [begin, n, keep] = detail::hold_range<true>(std::forward<R>(range));
  using Src = detail::IterSrc<decltype(begin), decltype(keep)>;
  return ParIter<Src>(Src{begin, n, std::move(keep)});
}

/// Parallel iterator over mutable references to the elements of a random-access sized range
/// (an lvalue container, or a view such as std::span). Sequential: `for (auto& x : range)`.
template <std::ranges::random_access_range R>
requires std::ranges::sized_range<R>
auto par_iter_mut(R&& range) {
  static_assert(detail::borrowable_v<R>,
                "hypar: par_iter_mut needs an lvalue container or a view: changes to a temporary "
                "would be lost");
  auto [begin, n, keep] = detail::hold_range<false>(std::forward<R>(range));
  using Src = detail::IterSrc<decltype(begin), decltype(keep)>;
  return ParIter<Src>(Src{begin, n, std::move(keep)});
}

/// Parallel iterator that moves the elements out of a container it takes over (pass
/// `std::move(vec)`); items are values. Sequential: `for (auto&& x : vec) use(std::move(x));`.
template <std::ranges::random_access_range C>
requires(std::ranges::sized_range<C> &&
         !std::is_lvalue_reference_v<C>) auto into_par_iter(C&& container) {
  using Src = detail::OwnedMoveSrc<std::remove_cvref_t<C>>;
  return ParIter<Src>(Src{std::make_shared<std::remove_cvref_t<C>>(std::move(container))});
}

/// Parallel iterator over consecutive `std::span<const T>` of `chunk_size` elements of a
/// contiguous range (the last one shorter). Throws hypar::Error when chunk_size is 0.
/// Sequential: `for (i = 0; i < n; i += chunk_size) f(span(data + i, min(chunk_size, n - i)))`.
template <std::ranges::contiguous_range R>
requires std::ranges::sized_range<R>
auto par_chunks(R&& range, std::size_t chunk_size) {
  if (chunk_size == 0)
    throw Error("hypar::par_chunks: chunk_size must be at least 1");
  auto [begin, n, keep] = detail::hold_range<true>(std::forward<R>(range));
  using T = std::remove_pointer_t<decltype(begin)>;
  using Src = detail::ChunksSrc<T, decltype(keep)>;
  return ParIter<Src>(Src{begin, n, chunk_size, std::move(keep)});
}

/// Like par_chunks, with mutable `std::span<T>` chunks of an lvalue container or a view.
template <std::ranges::contiguous_range R>
requires std::ranges::sized_range<R>
auto par_chunks_mut(R&& range, std::size_t chunk_size) {
  static_assert(detail::borrowable_v<R>,
                "hypar: par_chunks_mut needs an lvalue container or a view: changes to a temporary "
                "would be lost");
  if (chunk_size == 0)
    throw Error("hypar::par_chunks_mut: chunk_size must be at least 1");
  auto [begin, n, keep] = detail::hold_range<false>(std::forward<R>(range));
  using T = std::remove_pointer_t<decltype(begin)>;
  using Src = detail::ChunksSrc<T, decltype(keep)>;
  return ParIter<Src>(Src{begin, n, chunk_size, std::move(keep)});
}

}  // namespace hypar
