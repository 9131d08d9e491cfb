#pragma once
// Orderings for the sorts: a user comparator (bool "less" or three-way) as a "less" predicate,
// key comparisons (byte-array keys as big-endian words), and the standard comparators that let an
// arithmetic range take the radix path.

#include <array>
#include <bit>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <ranges>
#include <tuple>
#include <type_traits>

namespace hypar::detail::sorting {

template <class R>
inline constexpr bool is_ordering_v =
    std::is_same_v<R, std::strong_ordering> || std::is_same_v<R, std::weak_ordering> ||
    std::is_same_v<R, std::partial_ordering>;

/// Whether `Cmp` can order two `T`s: callable as cmp(a, b) on const elements, returning something
/// convertible to bool (a "less") or a std::*_ordering (three-way).
template <class Cmp, class T>
inline constexpr bool is_comparator_v = [] {
  if constexpr (std::is_invocable_v<Cmp&, const T&, const T&>) {
    using R = std::remove_cvref_t<std::invoke_result_t<Cmp&, const T&, const T&>>;
    return is_ordering_v<R> || std::is_convertible_v<R, bool>;
  } else {
    return false;
  }
}();

/// A "less" predicate made from a user comparator that returns bool (a strict weak order) or a
/// std::*_ordering (three-way: less means `cmp(a, b) < 0`). Holds the comparator by pointer, so
/// every thread calls the caller's object.
template <class Cmp>
struct LessFromCmp {
  Cmp* cmp;
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    using R = std::remove_cvref_t<std::invoke_result_t<Cmp&, const A&, const B&>>;
    if constexpr (is_ordering_v<R>) {
      return std::invoke(*cmp, a, b) < 0;
    } else {
      return static_cast<bool>(std::invoke(*cmp, a, b));
    }
  }
};

/// Keys that are fixed-size arrays of bytes, compared as unsigned strings (memcmp order).
template <class K>
inline constexpr bool is_byte_array_v = false;
template <std::size_t N>
inline constexpr bool is_byte_array_v<std::array<unsigned char, N>> = true;
template <std::size_t N>
inline constexpr bool is_byte_array_v<std::array<std::byte, N>> = true;

/// Lexicographic `<` of two N-byte strings of unsigned bytes. Up to 16 bytes as two big-endian
/// words (keys returned by value then stay in registers; memcmp on such temporaries costs a
/// store-forwarding stall per comparison), else memcmp.
template <std::size_t N>
bool bytes_less(const unsigned char* a, const unsigned char* b) noexcept {
  if constexpr (N <= 16 && std::endian::native == std::endian::little) {
    constexpr std::size_t kHead = N < 8 ? N : 8;
    std::uint64_t ha = 0;
    std::uint64_t hb = 0;
    std::memcpy(&ha, a, kHead);
    std::memcpy(&hb, b, kHead);
    ha = __builtin_bswap64(ha);
    hb = __builtin_bswap64(hb);
    if constexpr (N > 8) {
      if (ha != hb)
        return ha < hb;
      std::uint64_t ta = 0;
      std::uint64_t tb = 0;
      std::memcpy(&ta, a + 8, N - 8);
      std::memcpy(&tb, b + 8, N - 8);
      return __builtin_bswap64(ta) < __builtin_bswap64(tb);
    } else {
      return ha < hb;
    }
  } else {
    return std::memcmp(a, b, N) < 0;
  }
}

/// `key(a) < key(b)`: the ordering of par_sort_by_key (the key is computed at every comparison;
/// byte-array keys compare as unsigned strings).
template <class KeyFn>
struct LessByKey {
  KeyFn* key;
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    using K = std::remove_cvref_t<std::invoke_result_t<KeyFn&, const A&>>;
    if constexpr (is_byte_array_v<K>) {
      const auto& ka = std::invoke(*key, a);
      const auto& kb = std::invoke(*key, b);
      return bytes_less<std::tuple_size_v<K>>(reinterpret_cast<const unsigned char*>(ka.data()),
                                              reinterpret_cast<const unsigned char*>(kb.data()));
    } else {
      return std::invoke(*key, a) < std::invoke(*key, b);
    }
  }
};

/// `a < b`: the ordering of par_sort.
struct PlainLess {
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    return a < b;
  }
};

// Recognised standard comparators: with them an arithmetic range can take the radix path.
template <class Cmp, class T>
inline constexpr bool is_std_less_v =
    std::is_same_v<Cmp, std::less<>> || std::is_same_v<Cmp, std::less<T>> ||
    std::is_same_v<Cmp, std::ranges::less>;
template <class Cmp, class T>
inline constexpr bool is_std_greater_v =
    std::is_same_v<Cmp, std::greater<>> || std::is_same_v<Cmp, std::greater<T>> ||
    std::is_same_v<Cmp, std::ranges::greater>;

}  // namespace hypar::detail::sorting
