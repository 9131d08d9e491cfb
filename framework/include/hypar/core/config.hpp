#pragma once
// Compile-time facts about the target that several parts of hypar depend on.

#include <cstddef>

namespace hypar {

/// The distance, in bytes, that keeps two hot variables from false sharing. 128 rather than 64 on
/// x86-64 because the adjacent-line prefetcher pulls cache lines in pairs; 64 elsewhere. This is a
/// fixed constant instead of std::hardware_destructive_interference_size, whose value may change
/// between compiler versions and would silently change the ABI of padded types.
#if defined(__x86_64__) || defined(__aarch64__) || defined(__powerpc64__)
inline constexpr std::size_t cache_line_size = 128;
#else
inline constexpr std::size_t cache_line_size = 64;
#endif

}  // namespace hypar
