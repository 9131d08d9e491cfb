#pragma once
// The padding distance that keeps hot variables of different threads from false sharing.

#include <cstddef>

namespace hypar {

/// The distance, in bytes, that two variables written by different threads must keep so that they
/// never share a unit of cache coherence (what padding and alignment against false sharing use).
/// - x86-64: 128. Lines are 64 bytes, but since Sandy Bridge the spatial prefetcher pulls lines in
///   adjacent pairs, so two variables 64 bytes apart still contend.
/// - aarch64: 128. Several big cores (Apple M-series, Neoverse parts) use 128-byte lines.
/// - powerpc64: 128, its cache line size.
/// - anything else: 64, the common line size.
/// A fixed constant rather than std::hardware_destructive_interference_size, whose value may change
/// between compiler versions and flags and so would silently change the layout (the ABI) of padded
/// types.
#if defined(__x86_64__) || defined(__aarch64__) || defined(__powerpc64__)
inline constexpr std::size_t false_sharing_distance = 128;
#else
inline constexpr std::size_t false_sharing_distance = 64;
#endif

}  // namespace hypar
