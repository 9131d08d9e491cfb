// dist::par_range against single-process references: every terminal and adaptor, on sizes that
// leave ranks empty or uneven; deterministic sums bitwise equal to the single-process tree for
// every ranks x threads layout; a failure on one rank raised on every rank.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <hypar/dist.hpp>
#include <hypar/par.hpp>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace {

hypar::dist::Communicator world() {
  return hypar::dist::Communicator(MPI_COMM_WORLD);
}

/// Sizes: empty, smaller than the rank count, odd, around the deterministic leaf size, large.
const std::vector<std::int64_t> sizes = {0, 1, 2, 3, 5, 17, 511, 4096, 4097, 100'003, 3'000'001};

/// The same value on every rank, or a failure naming the rank that differs.
template <class T>
void expect_same_everywhere(const hypar::dist::Communicator& comm, const T& value) {
  const auto all = comm.all_gather(value);
  for (std::size_t r = 0; r < all.size(); ++r) {
    EXPECT_EQ(std::memcmp(&all[r], &all[0], sizeof(T)), 0)
        << "rank " << r << " differs from rank 0";
  }
}

TEST(DistParRange, SlicesCoverTheRangeInRankOrder) {
  auto comm = world();
  for (const std::int64_t n : sizes) {
    SCOPED_TRACE(n);
    for (std::size_t unit : {std::size_t{1}, std::size_t{7}, std::size_t{4096}}) {
      std::size_t expected_first = 0;
      for (int r = 0; r < comm.size(); ++r) {
        const auto [lo, hi] =
            hypar::dist::detail::rank_slice(static_cast<std::size_t>(n), unit, r, comm.size());
        EXPECT_EQ(lo, expected_first);
        EXPECT_LE(lo, hi);
        EXPECT_TRUE(lo % unit == 0 || lo == static_cast<std::size_t>(n));
        expected_first = hi;
      }
      EXPECT_EQ(expected_first, static_cast<std::size_t>(n));
    }
  }
}

TEST(DistParRange, TerminalsEqualTheSequentialResultOnEveryRank) {
  auto comm = world();
  for (const std::int64_t n : sizes) {
    SCOPED_TRACE(n);
    auto it = hypar::dist::par_range(comm, std::int64_t{0}, n);
    std::int64_t sum = 0, count3 = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      sum += i * 3 + 1;
      count3 += (i % 3 == 0);
    }
    const std::int64_t got_sum = it.map([](std::int64_t i) { return i * 3 + 1; }).sum();
    EXPECT_EQ(got_sum, sum);
    expect_same_everywhere(comm, got_sum);
    EXPECT_EQ(it.filter([](std::int64_t i) { return i % 3 == 0; }).count(),
              static_cast<std::size_t>(count3));
    EXPECT_EQ(it.count(), static_cast<std::size_t>(n));
    const auto reduced = it.reduce([] { return std::int64_t{0}; },
                                   [](std::int64_t a, std::int64_t b) { return a + b; });
    EXPECT_EQ(reduced, n * (n - 1) / 2);
    // min / max over a map that is not monotonic: (i * 7919) % 1000
    auto scrambled = it.map([](std::int64_t i) { return (i * 7919) % 1000; });
    if (n == 0) {
      EXPECT_FALSE(scrambled.min().has_value());
      EXPECT_FALSE(scrambled.max().has_value());
    } else {
      std::int64_t lo = 1000, hi = -1;
      for (std::int64_t i = 0; i < n; ++i) {
        lo = std::min(lo, (i * 7919) % 1000);
        hi = std::max(hi, (i * 7919) % 1000);
      }
      EXPECT_EQ(scrambled.min(), lo);
      EXPECT_EQ(scrambled.max(), hi);
    }
    EXPECT_EQ(it.any([n](std::int64_t i) { return i == n - 1; }), n > 0);
    EXPECT_FALSE(it.any([](std::int64_t i) { return i < 0; }));
    EXPECT_TRUE(it.all([n](std::int64_t i) { return i < n; }));
    EXPECT_EQ(it.all([](std::int64_t i) { return i != 2; }), n <= 2);
    const auto found = it.find_any([](std::int64_t i) { return i % 1000 == 999; });
    EXPECT_EQ(found.has_value(), n >= 1000);
    if (found) {
      EXPECT_EQ(*found % 1000, 999);
    }
    expect_same_everywhere(comm, found);
  }
}

TEST(DistParRange, CollectAndEnumerateKeepGlobalOrder) {
  auto comm = world();
  for (const std::int64_t n :
       {std::int64_t{0}, std::int64_t{3}, std::int64_t{1001}, std::int64_t{250'007}}) {
    SCOPED_TRACE(n);
    auto it = hypar::dist::par_range(comm, std::int64_t{10}, 10 + n);
    const std::vector<std::int64_t> squares =
        it.map([](std::int64_t i) { return i * i; }).collect();
    ASSERT_EQ(squares.size(), static_cast<std::size_t>(n));
    for (std::int64_t k = 0; k < n; ++k)
      ASSERT_EQ(squares[k], (10 + k) * (10 + k));
    const auto pairs = it.enumerate().collect();
    ASSERT_EQ(pairs.size(), static_cast<std::size_t>(n));
    for (std::int64_t k = 0; k < n; ++k) {
      ASSERT_EQ(pairs[k].first, static_cast<std::size_t>(k));
      ASSERT_EQ(pairs[k].second, 10 + k);
    }
    const std::vector<std::int64_t> odd =
        it.filter([](std::int64_t i) { return i % 2 == 1; }).collect();
    std::vector<std::int64_t> want;
    for (std::int64_t i = 10; i < 10 + n; ++i) {
      if (i % 2 == 1)
        want.push_back(i);
    }
    EXPECT_EQ(odd, want);
    std::vector<std::int64_t> into{1, 2, 3};
    it.collect_into(into);
    EXPECT_EQ(into.size(), static_cast<std::size_t>(n));
  }
}

TEST(DistParRange, FoldThenReduceAndZip) {
  auto comm = world();
  const std::int64_t n = 123'457;
  auto it = hypar::dist::par_range(comm, std::int64_t{0}, n);
  const std::int64_t folded = it.fold([] { return std::int64_t{0}; },
                                      [](std::int64_t acc, std::int64_t i) { return acc + i % 10; })
                                  .reduce([] { return std::int64_t{0}; }, std::plus<>{});
  std::int64_t want = 0;
  for (std::int64_t i = 0; i < n; ++i)
    want += i % 10;
  EXPECT_EQ(folded, want);
  auto other = hypar::dist::par_range(comm, std::int64_t{100}, 100 + n);
  const std::int64_t dot = it.zip(other).map([](auto p) { return p.first * (p.second % 7); }).sum();
  std::int64_t want_dot = 0;
  for (std::int64_t i = 0; i < n; ++i)
    want_dot += i * ((100 + i) % 7);
  EXPECT_EQ(dot, want_dot);
}

TEST(DistParRange, DeterministicSumIsBitwiseTheSingleProcessTree) {
  auto comm = world();
  for (const std::int64_t n : {std::int64_t{1}, std::int64_t{4095}, std::int64_t{4097},
                               std::int64_t{1'000'003}, std::int64_t{5'000'000}}) {
    SCOPED_TRACE(n);
    auto term = [](std::int64_t i) {
      return std::sin(static_cast<double>(i)) * 1e-3 + 1.0 / (1.0 + static_cast<double>(i));
    };
    const double dist_sum =
        hypar::dist::par_range(comm, std::int64_t{0}, n).map(term).deterministic().sum();
    // The single-process reference: the same fixed tree on this rank alone.
    const double local_sum = hypar::par_range(std::int64_t{0}, n).map(term).deterministic().sum();
    EXPECT_EQ(std::bit_cast<std::uint64_t>(dist_sum), std::bit_cast<std::uint64_t>(local_sum))
        << dist_sum << " vs " << local_sum;
    // And close to a plain sequential sum.
    double seq = 0;
    for (std::int64_t i = 0; i < n; ++i)
      seq += term(i);
    EXPECT_NEAR(dist_sum, seq, 1e-9 * std::max(1.0, std::abs(seq)));
    const double with_min_len = hypar::dist::par_range(comm, std::int64_t{0}, n)
                                    .map(term)
                                    .with_min_len(10'000)
                                    .deterministic()
                                    .sum();
    const double local_min_len =
        hypar::par_range(std::int64_t{0}, n).map(term).with_min_len(10'000).deterministic().sum();
    EXPECT_EQ(std::bit_cast<std::uint64_t>(with_min_len),
              std::bit_cast<std::uint64_t>(local_min_len));
  }
}

TEST(DistParRange, AFailureOnOneRankIsRaisedOnEveryRank) {
  auto comm = world();
  const std::int64_t n = 10'000;
  // The item that throws lies in the last rank's slice.
  const std::int64_t bad = n - 1;
  bool threw = false;
  try {
    hypar::dist::par_range(comm, std::int64_t{0}, n).for_each([&](std::int64_t i) {
      if (i == bad)
        throw std::domain_error("bad item");
    });
  } catch (const std::domain_error& e) {
    threw = true;
    EXPECT_EQ(comm.rank(), comm.size() - 1)
        << "only the rank that owns the item rethrows its own exception";
  } catch (const hypar::Error& e) {
    threw = true;
    EXPECT_NE(comm.rank(), comm.size() - 1);
    EXPECT_NE(std::string(e.what()).find("rank " + std::to_string(comm.size() - 1)),
              std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(threw);
  // Every rank is still in step: the next collective works.
  EXPECT_EQ(hypar::dist::par_range(comm, std::int64_t{0}, n).count(), static_cast<std::size_t>(n));
  // And in a reduction.
  EXPECT_THROW((void)hypar::dist::par_range(comm, std::int64_t{0}, n)
                   .map([&](std::int64_t i) -> std::int64_t {
                     if (i == 0)
                       throw std::runtime_error("first item");
                     return i;
                   })
                   .sum(),
               std::runtime_error);
}

}  // namespace
