#pragma once
// Radix keys: for every arithmetic type, the unsigned integer whose order is the value's order.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace hypar::detail::sorting {

/// Arithmetic types sorted by radix: integers, bool, and IEEE float/double (not long double).
template <class K>
inline constexpr bool is_radix_key_v =
    std::is_integral_v<K> ||
    ((std::is_same_v<K, float> || std::is_same_v<K, double>)&&std::numeric_limits<K>::is_iec559);

template <std::size_t N>
struct UintOfSize;
template <>
struct UintOfSize<1> {
  using type = std::uint8_t;
};
template <>
struct UintOfSize<2> {
  using type = std::uint16_t;
};
template <>
struct UintOfSize<4> {
  using type = std::uint32_t;
};
template <>
struct UintOfSize<8> {
  using type = std::uint64_t;
};

/// The unsigned integer type of a radix key type.
template <class K>
using radix_uint_t = typename UintOfSize<sizeof(K)>::type;

/// The order-preserving unsigned image of `k`: signed integers get their sign bit flipped;
/// floating point values get all bits flipped when negative, else the sign bit set, and -0.0 is
/// first turned into +0.0 (so that -0.0 and 0.0 compare equal, as with `<`). NaNs land at the
/// ends: those with the sign bit clear after +inf, those with it set before -inf.
template <class K>
constexpr radix_uint_t<K> to_radix_key(K k) noexcept {
  using U = radix_uint_t<K>;
  constexpr U kSign = static_cast<U>(U{1} << (sizeof(U) * 8 - 1));
  if constexpr (std::is_same_v<K, bool>) {
    return static_cast<U>(k);
  } else if constexpr (std::is_integral_v<K> && std::is_unsigned_v<K>) {
    return static_cast<U>(k);
  } else if constexpr (std::is_integral_v<K>) {
    return static_cast<U>(static_cast<U>(k) ^ kSign);
  } else {
    if (k == K(0))
      k = K(0);
    const U u = std::bit_cast<U>(k);
    const U mask =
        static_cast<U>(static_cast<U>(U{0} - static_cast<U>(u >> (sizeof(U) * 8 - 1))) | kSign);
    return static_cast<U>(u ^ mask);
  }
}

}  // namespace hypar::detail::sorting
