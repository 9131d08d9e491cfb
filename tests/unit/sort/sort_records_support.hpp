#pragma once
// Shared by test_sort_records.cpp and test_sort_record_keys.cpp (split so that their many
// instantiations compile in parallel): records with byte-string keys, their input shapes, and the
// checks of every sort of the par_sort family against std::stable_sort in memcmp order.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <hypar/sort.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "sort_test_support.hpp"
#include "thread_counts.hpp"

namespace {

using namespace sort_test;

class SortRecordsTest : public hypar::testing::ThreadCountTest {};
HYPAR_INSTANTIATE_EXHAUSTIVE_THREAD_COUNTS(SortRecordsTest);

/// A record of kSize bytes (alignment 1): an N-byte key of byte type B, its input position in 4
/// bytes (so that a reordering of equal keys shows), filler.
template <class B, std::size_t N, std::size_t kSize>
struct Rec {
  std::array<B, N> key;
  std::array<std::uint8_t, 4> serial;
  std::array<std::uint8_t, kSize - N - 4> fill;
};

/// How the keys of an input are drawn.
enum class KeyShape {
  kUniform,        ///< random bytes
  kFewDistinct,    ///< 16 distinct random keys
  kAllEqual,       ///< one key
  kSorted,         ///< random, sorted ascending (stably)
  kReversed,       ///< random, sorted descending (stably)
  kSharedPrefix,   ///< the first min(8, N - 1) bytes equal everywhere, the rest random
  kPrefixAndTies,  ///< the first min(16, N - 1) bytes equal (8 for N <= 16), the rest of {0,1,FF}
  kMixed,          ///< half uniform, half kPrefixAndTies
  kDuplicates,     ///< n / 8 distinct random keys: ties inside the buckets, not splitters
};

constexpr KeyShape kKeyShapes[] = {
    KeyShape::kUniform,       KeyShape::kFewDistinct, KeyShape::kAllEqual,
    KeyShape::kSorted,        KeyShape::kReversed,    KeyShape::kSharedPrefix,
    KeyShape::kPrefixAndTies, KeyShape::kMixed,       KeyShape::kDuplicates};

const char* key_shape_name(KeyShape s) {
  switch (s) {
    case KeyShape::kUniform:
      return "uniform";
    case KeyShape::kFewDistinct:
      return "few-distinct";
    case KeyShape::kAllEqual:
      return "all-equal";
    case KeyShape::kSorted:
      return "sorted";
    case KeyShape::kReversed:
      return "reversed";
    case KeyShape::kSharedPrefix:
      return "shared-prefix";
    case KeyShape::kPrefixAndTies:
      return "prefix-and-ties";
    case KeyShape::kMixed:
      return "mixed";
    case KeyShape::kDuplicates:
      return "duplicates";
  }
  return "?";
}

/// memcmp order of the keys: the reference, independent of hypar's byte-key code.
template <class R>
bool key_less(const R& a, const R& b) {
  return std::memcmp(a.key.data(), b.key.data(), sizeof a.key) < 0;
}

template <class R>
std::vector<R> make_records(std::size_t n, KeyShape shape, std::uint64_t seed) {
  using B = typename decltype(R::key)::value_type;
  constexpr std::size_t kN = sizeof(R::key);
  std::mt19937_64 rng(seed);
  auto byte = [&rng] { return static_cast<B>(rng() & 0xFF); };
  auto tie_byte = [&rng] {
    static constexpr unsigned char kTies[] = {0x00, 0x01, 0xFF};
    return static_cast<B>(kTies[rng() % 3]);
  };
  const std::size_t prefix = std::min<std::size_t>(8, kN - 1);
  const std::size_t tie_prefix = kN > 16 ? 16 : prefix;
  std::array<B, kN> shared{};
  for (auto& b : shared)
    b = byte();
  std::vector<std::array<B, kN>> pool(shape == KeyShape::kDuplicates ? n / 8 + 1 : 16);
  for (auto& k : pool) {
    for (auto& b : k)
      b = byte();
  }
  std::vector<R> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    R& r = v[i];
    switch (shape) {
      case KeyShape::kFewDistinct:
      case KeyShape::kDuplicates:
        r.key = pool[rng() % pool.size()];
        break;
      case KeyShape::kAllEqual:
        r.key = shared;
        break;
      case KeyShape::kSharedPrefix:
        for (std::size_t j = 0; j < kN; ++j)
          r.key[j] = j < prefix ? shared[j] : byte();
        break;
      case KeyShape::kPrefixAndTies:
        for (std::size_t j = 0; j < kN; ++j)
          r.key[j] = j < tie_prefix ? shared[j] : tie_byte();
        break;
      case KeyShape::kMixed: {
        const bool uniform = rng() % 2 == 0;
        for (std::size_t j = 0; j < kN; ++j)
          r.key[j] = uniform ? byte() : (j < tie_prefix ? shared[j] : tie_byte());
        break;
      }
      default:
        for (auto& b : r.key)
          b = byte();
        break;
    }
  }
  if (shape == KeyShape::kSorted)
    std::sort(v.begin(), v.end(), key_less<R>);
  if (shape == KeyShape::kReversed)
    std::sort(v.begin(), v.end(), [](const R& a, const R& b) { return key_less(b, a); });
  for (std::size_t i = 0; i < n; ++i) {
    const auto serial = static_cast<std::uint32_t>(i);
    std::memcpy(v[i].serial.data(), &serial, 4);
    for (std::size_t j = 0; j < v[i].fill.size(); ++j)
      v[i].fill[j] = static_cast<std::uint8_t>(i * 31 + j);
  }
  return v;
}

template <class R>
std::size_t serial_of(const R& r) {
  std::uint32_t s = 0;
  std::memcpy(&s, r.serial.data(), 4);
  return s;
}

/// Whether `got` is a permutation of `input`, whose records carry their positions: every position
/// appears once, with the record that was there, byte for byte.
template <class R>
bool is_permutation_of(const std::vector<R>& got, const std::vector<R>& input) {
  if (got.size() != input.size())
    return false;
  std::vector<bool> seen(input.size(), false);
  for (const R& r : got) {
    const std::size_t s = serial_of(r);
    if (s >= input.size() || seen[s] || std::memcmp(&r, &input[s], sizeof(R)) != 0)
      return false;
    seen[s] = true;
  }
  return true;
}

// The key functions and comparators as named types, so that a sort and its _unstable variant
// share one instantiation (the file compiles in a fraction of the time).
template <class R>
struct KeyByValue {
  auto operator()(const R& r) const { return r.key; }
};
template <class R>
struct KeyByReference {
  const decltype(R::key)& operator()(const R& r) const { return r.key; }
};
template <class R>
struct KeyLess {
  bool operator()(const R& x, const R& y) const { return key_less(x, y); }
};
template <class R>
struct CountingKey {
  std::atomic<std::size_t>* calls;
  auto operator()(const R& r) const {
    calls->fetch_add(1, std::memory_order_relaxed);
    return r.key;
  }
};

/// Which sorts of the par_sort family a check runs.
enum class Sorts {
  kEvery,             ///< the key sorts and the comparator sorts
  kEveryAndThreeWay,  ///< kEvery and par_sort_by with a three-way comparator
  kKeyed,             ///< only the sorts that take a key function (by_key, by_cached_key)
};

/// The sorts of `kSorts` on one input against std::stable_sort in memcmp order.
///
/// kKeyed is for the records that differ from another checked one only in their key's length or
/// byte type: the key sorts see the key (their radix paths and entry layouts depend on it), while
/// a comparator sort sees only the element, whose size and alignment such a record shares with
/// the other one; running them again would add compile time and no path.
template <class R, Sorts kSorts = Sorts::kEvery>
void check_record_sorts(const std::vector<R>& input) {
  const std::size_t n = input.size();
  auto want = input;
  std::stable_sort(want.begin(), want.end(), key_less<R>);
  auto expect_stable = [&](const std::vector<R>& got, const char* what) {
    EXPECT_TRUE(same(want, got)) << what << ": n=" << n << " first difference at "
                                 << first_difference(want, got);
  };
  auto expect_sorted_permutation = [&](const std::vector<R>& got, const char* what) {
    EXPECT_TRUE(std::is_sorted(got.begin(), got.end(), key_less<R>)) << what << ": n=" << n;
    EXPECT_TRUE(is_permutation_of(got, input)) << what << ": n=" << n;
  };
  auto v = input;
  hypar::par_sort_by_key(v, KeyByValue<R>{});
  expect_stable(v, "par_sort_by_key, key by value");
  v = input;
  hypar::par_sort_by_key(v, KeyByReference<R>{});
  expect_stable(v, "par_sort_by_key, key by reference");
  if constexpr (kSorts != Sorts::kKeyed) {
    v = input;
    hypar::par_sort_by(v, KeyLess<R>{});
    expect_stable(v, "par_sort_by memcmp");
  }
  if constexpr (kSorts == Sorts::kEveryAndThreeWay) {
    v = input;
    hypar::par_sort_by(v, [](const R& x, const R& y) {
      return std::memcmp(x.key.data(), y.key.data(), sizeof x.key) <=> 0;
    });
    expect_stable(v, "par_sort_by three-way");
  }
  v = input;
  std::atomic<std::size_t> calls{0};
  hypar::par_sort_by_cached_key(v, CountingKey<R>{&calls});
  expect_stable(v, "par_sort_by_cached_key");
  EXPECT_EQ(calls.load(), n) << "par_sort_by_cached_key calls the key once per element";
  v = input;
  hypar::par_sort_unstable_by_key(v, KeyByValue<R>{});
  expect_sorted_permutation(v, "par_sort_unstable_by_key");
  if constexpr (kSorts != Sorts::kKeyed) {
    v = input;
    hypar::par_sort_unstable_by(v, KeyLess<R>{});
    expect_sorted_permutation(v, "par_sort_unstable_by");
  }
}

/// Sizes: tiny, sequential, and large enough for the parallel paths and (above 8 MiB of 100-byte
/// records) the streaming gather; `big` is smaller under the sanitizers, which run at -O0.
template <class R, Sorts kSorts = Sorts::kEvery>
void check_every_shape(std::size_t big) {
  for (KeyShape shape : kKeyShapes) {
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{100},
                          std::size_t{10000}, kSanitized ? std::size_t{40000} : big}) {
      SCOPED_TRACE(std::string(key_shape_name(shape)) + " n=" + std::to_string(n) + " key bytes=" +
                   std::to_string(sizeof(R::key)) + " record bytes=" + std::to_string(sizeof(R)));
      check_record_sorts<R, kSorts>(make_records<R>(n, shape, n * 7 + sizeof(R::key)));
      if (::testing::Test::HasFailure())
        return;
    }
  }
}

using Rec100x10 = Rec<std::uint8_t, 10, 100>;
static_assert(sizeof(Rec100x10) == 100, "the Sort Benchmark's record layout");

}  // namespace
