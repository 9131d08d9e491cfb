// dist::par_sort: for every input shape, with empty and skewed ranks: each slice sorted, slices
// ordered across ranks, the output a permutation of the input (gathered and compared with
// std::sort on rank 0), and each rank at most 1.1 n/p + a small constant.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <compare>
#include <cstdint>
#include <cstring>
#include <hypar/dist.hpp>
#include <hypar/sort/large_buffer.hpp>
#include <random>
#include <string>
#include <vector>

#include "input_shapes.hpp"

namespace {

hypar::dist::Communicator world() {
  return hypar::dist::Communicator(MPI_COMM_WORLD);
}

using hypar::testing::kShapes;
using hypar::testing::Shape;
using hypar::testing::shape_name;

/// How the items are spread over the ranks before sorting.
enum class Spread { even, rank0_only, odd_ranks_empty, skewed };
const Spread spreads[] = {Spread::even, Spread::rank0_only, Spread::odd_ranks_empty,
                          Spread::skewed};
/// The global input of `n` items of a shape; item k of the global sequence.
std::vector<std::int64_t> global_input(Shape shape, std::size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::int64_t> v(n);
  switch (shape) {
    case Shape::kUniform:
      for (auto& x : v)
        x = static_cast<std::int64_t>(rng());
      break;
    case Shape::kSorted:
    case Shape::kAlmostSorted:
      for (std::size_t i = 0; i < n; ++i)
        v[i] = static_cast<std::int64_t>(i) * 3 - 1000;
      if (shape == Shape::kAlmostSorted && n > 1) {
        const auto swaps = static_cast<std::size_t>(std::sqrt(static_cast<double>(n)));
        for (std::size_t k = 0; k < swaps; ++k)
          std::swap(v[rng() % n], v[rng() % n]);
      }
      break;
    case Shape::kReverse:
      for (std::size_t i = 0; i < n; ++i)
        v[i] = static_cast<std::int64_t>(n - i);
      break;
    case Shape::kAllEqual:
      std::fill(v.begin(), v.end(), 42);
      break;
    case Shape::kDistinct16:
      for (auto& x : v)
        x = static_cast<std::int64_t>(rng() % 16) * 1'000'003;
      break;
    case Shape::kZipf: {
      // P(k) ~ 1/k over 1000 values, by inverting the cumulative distribution.
      std::vector<double> cdf(1000);
      double total = 0;
      for (std::size_t k = 0; k < cdf.size(); ++k)
        cdf[k] = total += 1.0 / static_cast<double>(k + 1);
      std::uniform_real_distribution<double> u(0, total);
      for (auto& x : v)
        x = std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin();
      break;
    }
  }
  return v;
}

/// This rank's share of the global input under a spread: [first, last) of the global sequence.
std::pair<std::size_t, std::size_t> share(Spread spread, std::size_t n, int rank, int size) {
  std::vector<double> weight(static_cast<std::size_t>(size), 1.0);
  for (int r = 0; r < size; ++r) {
    auto& w = weight[static_cast<std::size_t>(r)];
    if (spread == Spread::rank0_only)
      w = r == 0 ? 1.0 : 0.0;
    if (spread == Spread::odd_ranks_empty)
      w = r % 2 == 1 ? 0.0 : 1.0;
    if (spread == Spread::skewed)
      w = r == 0 ? 10.0 : 1.0;
  }
  double total = 0;
  for (double w : weight)
    total += w;
  double before = 0;
  for (int r = 0; r < rank; ++r)
    before += weight[static_cast<std::size_t>(r)];
  const auto first = static_cast<std::size_t>(static_cast<double>(n) * before / total);
  const auto last =
      rank == size - 1
          ? n
          : static_cast<std::size_t>(static_cast<double>(n) *
                                     (before + weight[static_cast<std::size_t>(rank)]) / total);
  return {first, last};
}

template <class T, class Less>
void check_sorted_output(const hypar::dist::Communicator& comm, const std::vector<T>& global,
                         const std::vector<T>& out, Less less) {
  const std::size_t n = global.size();
  const auto p = static_cast<std::size_t>(comm.size());
  EXPECT_TRUE(std::is_sorted(out.begin(), out.end(), less)) << "rank " << comm.rank();
  EXPECT_LE(
      out.size(),
      static_cast<std::size_t>(1.1 * static_cast<double>(n) / static_cast<double>(p)) + 4 * p + 16)
      << "rank " << comm.rank() << " holds " << out.size() << " of " << n << " items";
  // Gather everything to rank 0 in rank order: it must equal std::sort of the input (which
  // checks order across ranks, the count and the multiset at once).
  const auto gathered = comm.gather(out, 0);
  if (comm.rank() == 0) {
    auto expected = global;
    std::sort(expected.begin(), expected.end(), less);
    ASSERT_EQ(gathered.size(), expected.size());
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_FALSE(less(gathered[i], expected[i]) || less(expected[i], gathered[i]))
          << "position " << i;
    }
  }
}

TEST(DistParSort, EveryShapeAndSpread) {
  auto comm = world();
  for (const std::size_t n :
       {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{1000}, std::size_t{200'003}}) {
    for (const Shape shape : kShapes) {
      for (const Spread spread : spreads) {
        SCOPED_TRACE(std::string(shape_name(shape)) + " n=" + std::to_string(n) +
                     " spread=" + std::to_string(static_cast<int>(spread)));
        const auto global = global_input(shape, n, 7);
        const auto [first, last] = share(spread, n, comm.rank(), comm.size());
        std::vector<std::int64_t> local(global.begin() + static_cast<std::ptrdiff_t>(first),
                                        global.begin() + static_cast<std::ptrdiff_t>(last));
        hypar::dist::par_sort(comm, local);
        check_sorted_output(comm, global, local, std::less<>{});
      }
    }
  }
}

TEST(DistParSort, ComparatorsAndKeys) {
  auto comm = world();
  const auto global = global_input(Shape::kUniform, 50'001, 11);
  const auto [first, last] = share(Spread::even, global.size(), comm.rank(), comm.size());
  auto slice = [&] {
    return std::vector<std::int64_t>(global.begin() + static_cast<std::ptrdiff_t>(first),
                                     global.begin() + static_cast<std::ptrdiff_t>(last));
  };
  auto descending = slice();
  hypar::dist::par_sort(comm, descending, [](std::int64_t a, std::int64_t b) { return b <=> a; });
  check_sorted_output(comm, global, descending, std::greater<>{});
  auto by_low_bits = slice();
  hypar::dist::par_sort_by_key(comm, by_low_bits, [](std::int64_t x) { return x & 0xffff; });
  check_sorted_output(comm, global, by_low_bits,
                      [](std::int64_t a, std::int64_t b) { return (a & 0xffff) < (b & 0xffff); });
}

struct Record {
  std::array<unsigned char, 10> key;
  std::array<unsigned char, 90> payload;
};

TEST(DistParSort, HundredByteRecordsByTenByteKeys) {
  auto comm = world();
  std::mt19937 rng(5);
  std::vector<Record> global(30'000);
  for (auto& r : global) {
    for (auto& b : r.key)
      b = static_cast<unsigned char>(rng() % 4);  // many equal keys
    for (auto& b : r.payload)
      b = static_cast<unsigned char>(rng());
  }
  const auto [first, last] = share(Spread::skewed, global.size(), comm.rank(), comm.size());
  std::vector<Record> local(global.begin() + static_cast<std::ptrdiff_t>(first),
                            global.begin() + static_cast<std::ptrdiff_t>(last));
  auto less = [](const Record& a, const Record& b) {
    return std::memcmp(a.key.data(), b.key.data(), 10) < 0;
  };
  hypar::dist::par_sort(comm, local, less);
  EXPECT_TRUE(std::is_sorted(local.begin(), local.end(), less));
  // Permutation: the gathered records, fully compared, equal the input sorted by whole record.
  const auto gathered = comm.gather(local, 0);
  if (comm.rank() == 0) {
    EXPECT_TRUE(std::is_sorted(gathered.begin(), gathered.end(), less));
    auto whole = [](const Record& a, const Record& b) {
      return std::memcmp(&a, &b, sizeof(Record)) < 0;
    };
    auto got = gathered;
    auto want = global;
    std::sort(got.begin(), got.end(), whole);
    std::sort(want.begin(), want.end(), whole);
    ASSERT_EQ(got.size(), want.size());
    EXPECT_EQ(std::memcmp(got.data(), want.data(), got.size() * sizeof(Record)), 0);
  }
}

TEST(DistParSort, StableByKeyInALargeBufferKeepsInputOrderAndReportsItsSteps) {
  // Few distinct keys, so most items tie: with SortOptions::stable the gathered result must equal
  // std::stable_sort of the concatenated input (rank 0's share first), item for item.
  auto comm = world();
  struct Item {
    std::uint32_t key;
    std::uint32_t origin;  // position in the global input
  };
  const std::size_t n = 50'000;
  std::vector<Item> global(n);
  for (std::size_t i = 0; i < n; ++i)
    global[i] = {static_cast<std::uint32_t>((i * 2654435761u) % 7), static_cast<std::uint32_t>(i)};
  for (const Spread spread : {Spread::even, Spread::skewed, Spread::rank0_only}) {
    const auto [first, last] = share(spread, n, comm.rank(), comm.size());
    hypar::LargeBuffer<Item> local(global.begin() + static_cast<std::ptrdiff_t>(first),
                                   global.begin() + static_cast<std::ptrdiff_t>(last));
    hypar::dist::SortStats stats{-1, -1, -1};
    hypar::dist::par_sort_by_key(
        comm, local, [](const Item& x) { return x.key; },
        hypar::dist::SortOptions{.stable = true, .stats = &stats});
    EXPECT_GE(stats.sample, 0.0);
    EXPECT_GE(stats.exchange, 0.0);
    EXPECT_GE(stats.local_sort, 0.0);
    const std::vector<Item> mine(local.begin(), local.end());
    const auto gathered = comm.gather(mine, 0);
    if (comm.rank() == 0) {
      auto want = global;
      std::stable_sort(want.begin(), want.end(),
                       [](const Item& a, const Item& b) { return a.key < b.key; });
      ASSERT_EQ(gathered.size(), want.size());
      for (std::size_t i = 0; i < n; ++i) {
        ASSERT_EQ(gathered[i].key, want[i].key) << "at " << i;
        ASSERT_EQ(gathered[i].origin, want[i].origin) << "tie out of input order at " << i;
      }
    }
  }
}

TEST(LargeBuffer, HoldsWhatIsWrittenAcrossTheMappedSizes) {
  // Below and above the 4 MiB mmap threshold; resize keeps existing elements.
  for (const std::size_t n : {std::size_t{10}, std::size_t{3} << 20}) {
    hypar::LargeBuffer<std::uint32_t> v(n);
    for (std::size_t i = 0; i < n; ++i)
      v[i] = static_cast<std::uint32_t>(i * 3);
    v.resize(2 * n);
    for (std::size_t i = 0; i < n; ++i)
      ASSERT_EQ(v[i], i * 3);
    v.push_back(7);
    EXPECT_EQ(v.back(), 7u);
    EXPECT_EQ(v.size(), 2 * n + 1);
  }
}

TEST(DistParSort, AComparatorThatThrowsFailsEveryRank) {
  auto comm = world();
  std::vector<int> local(1000);
  for (std::size_t i = 0; i < local.size(); ++i)
    local[i] = static_cast<int>((i * 7919) % 1000);
  const int thrower = comm.size() - 1;
  EXPECT_THROW(hypar::dist::par_sort(comm, local,
                                     [&](int a, int b) {
                                       if (comm.rank() == thrower && a == 500)
                                         throw std::runtime_error("bad key");
                                       return a < b;
                                     }),
               std::runtime_error);
  // Still in step afterwards.
  std::vector<int> again = {3, 1, 2};
  hypar::dist::par_sort(comm, again);
  EXPECT_EQ(comm.all_reduce(again.size(), std::plus<>{}),
            3u * static_cast<std::size_t>(comm.size()));
}

}  // namespace
