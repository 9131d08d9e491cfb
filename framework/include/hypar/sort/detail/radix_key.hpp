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

/// The unsigned integer type of a radix key type (of 1, 2, 4 or 8 bytes).
template <class K>
using radix_uint_t = std::conditional_t<
    sizeof(K) == 1, std::uint8_t,
    std::conditional_t<sizeof(K) == 2, std::uint16_t,
                       std::conditional_t<sizeof(K) == 4, std::uint32_t, std::uint64_t>>>;

/// The order-preserving unsigned image of `k`: signed integers get their sign bit flipped;
/// floating point values get all bits flipped when negative, else the sign bit set, and -0.0 is
/// first turned into +0.0 (so that -0.0 and 0.0 compare equal, as with `<`). NaNs land at the
/// ends: those with the sign bit clear after +inf, those with it set before -inf.
template <class K>
constexpr radix_uint_t<K> to_radix_key(K k) noexcept {
  static_assert(sizeof(K) <= 8, "radix keys are at most 8 bytes");
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
