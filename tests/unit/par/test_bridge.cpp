// The splitting engine: leaves cover the input in order and respect with_min_len; deterministic()
// leaves and combine tree are independent of the thread count (bitwise sums), also when
// partials come from several simulated ranks.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <hypar/par.hpp>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "par_inputs.hpp"
#include "thread_counts.hpp"

namespace {

using hypar::testing::kSizes;
using hypar::testing::random_doubles;
using hypar::testing::random_ints;

class BridgeTest : public hypar::testing::ThreadCountTest {};
HYPAR_INSTANTIATE_THREAD_COUNTS(BridgeTest);

/// Records the leaves the engine produced, in combine order.
struct LeafRecorder {
  using partial_type = std::vector<std::pair<std::size_t, std::size_t>>;
  partial_type identity() const { return {}; }
  template <class Src>
  partial_type leaf(const Src&, std::size_t lo, std::size_t hi,
                    hypar::detail::Cancellation&) const {
    return {{lo, hi}};
  }
  partial_type combine(partial_type&& a, partial_type&& b) const {
    a.insert(a.end(), b.begin(), b.end());
    return std::move(a);
  }
  partial_type finish(partial_type&& a) const { return std::move(a); }
};

TEST_P(BridgeTest, LeavesCoverTheInputInOrderAndRespectMinLen) {
  on_pool([] {
    for (std::size_t n : kSizes) {
      for (std::size_t min_len : {std::size_t{1}, std::size_t{10}, std::size_t{1000}}) {
        SCOPED_TRACE(n * 10000 + min_len);
        const auto leaves =
            hypar::par_range(std::size_t{0}, n).with_min_len(min_len).run(LeafRecorder{});
        std::size_t next = 0;
        for (const auto& [lo, hi] : leaves) {
          EXPECT_EQ(lo, next);
          EXPECT_GE(hi - lo, std::min(min_len, n));
          next = hi;
        }
        EXPECT_EQ(next, n);
        if (n >= 4 * min_len && n >= 2 && hypar::current_num_threads() > 1) {
          EXPECT_GE(leaves.size(), 2u) << "a long input is split when there are several threads";
        }
        if (hypar::current_num_threads() == 1) {
          EXPECT_LE(leaves.size(), 1u) << "one thread: one leaf";
        }
      }
    }
  });
}

TEST(IterDeterministic, LeavesIndependentOfThreadCount) {
  for (std::size_t n : kSizes) {
    SCOPED_TRACE(n);
    std::optional<LeafRecorder::partial_type> first;
    for (std::size_t t : hypar::testing::thread_counts()) {
      auto pool = hypar::ThreadPoolBuilder().num_threads(t).build();
      auto leaves = pool.install(
          [&] { return hypar::par_range(std::size_t{0}, n).deterministic().run(LeafRecorder{}); });
      if (!first)
        first = leaves;
      EXPECT_EQ(leaves, *first) << t << " threads";
    }
    const std::size_t leaf = hypar::detail::deterministic_leaf_size(n, 1);
    for (std::size_t i = 0; i < first->size(); ++i) {
      EXPECT_EQ((*first)[i].first, i * leaf);
      EXPECT_EQ((*first)[i].second, std::min(n, (i + 1) * leaf));
    }
  }
}

TEST(IterDeterministic, BitwiseIdenticalForAnyThreadCount) {
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{1001}, std::size_t{100003},
                        std::size_t{1} << 20}) {
    SCOPED_TRACE(n);
    const auto d = random_doubles(n, 21);
    std::optional<double> first_sum;
    std::optional<double> first_reduce;
    std::optional<double> first_fold;
    for (std::size_t t : hypar::testing::thread_counts()) {
      auto pool = hypar::ThreadPoolBuilder().num_threads(t).build();
      for (int rep = 0; rep < 3; ++rep) {
        const double s = pool.install([&] {
          return hypar::par_iter(d).map([](double x) { return x * 1.1; }).deterministic().sum();
        });
        const double r = pool.install([&] {
          return hypar::par_iter(d)
              .deterministic()
              .filter([](double x) { return x > -0.5; })
              .reduce([] { return 0.0; }, [](double a, double b) { return a + b; });
        });
        const double f = pool.install([&] {
          return hypar::par_iter(d)
              .with_min_len(64)
              .deterministic()
              .fold([] { return 0.0; }, [](double a, double x) { return a + x * x; })
              .sum();
        });
        if (!first_sum) {
          first_sum = s;
          first_reduce = r;
          first_fold = f;
        }
        EXPECT_EQ(std::memcmp(&s, &*first_sum, sizeof s), 0) << t << " threads";
        EXPECT_EQ(std::memcmp(&r, &*first_reduce, sizeof r), 0) << t << " threads";
        EXPECT_EQ(std::memcmp(&f, &*first_fold, sizeof f), 0) << t << " threads";
      }
    }
    double abs_sum = 0;
    double seq = 0;
    for (double x : d) {
      seq += x * 1.1;
      abs_sum += std::abs(x * 1.1);
    }
    EXPECT_NEAR(*first_sum, seq, 1e-12 * abs_sum + 1e-300);
  }
}

TEST(IterDeterministic, PartialsFromAnySplitCombineToTheSameBits) {
  // What hypar::dist does: each "rank" evaluates the nodes of its leaf-aligned sub-range, and
  // combining the nodes of all ranks gives the single-process value, bit for bit.
  const std::size_t n = 100003;
  const auto d = random_doubles(n, 33);
  const double whole = hypar::par_iter(d).deterministic().sum();
  hypar::detail::ChainConfig config;
  config.deterministic = true;
  const std::size_t leaf = hypar::detail::deterministic_leaf_size(n, 1);
  const std::size_t leaves = (n + leaf - 1) / leaf;
  hypar::detail::ValueInit<double> id;
  std::plus<> op;
  hypar::detail::ReduceReducer<double, hypar::detail::ValueInit<double>, std::plus<>> r{id, op};
  for (std::size_t ranks = 1; ranks <= 5; ++ranks) {
    std::vector<hypar::detail::DeterministicNode<double>> all;
    for (std::size_t rank = 0; rank < ranks; ++rank) {
      const std::size_t lo = std::min(n, leaves * rank / ranks * leaf);
      const std::size_t hi = std::min(n, leaves * (rank + 1) / ranks * leaf);
      auto local = hypar::par_iter(std::span(d).subspan(lo, hi - lo));
      auto nodes = hypar::detail::deterministic_partials(local.source(), r, lo, n, config);
      all.insert(all.end(), nodes.begin(), nodes.end());
    }
    const double combined = hypar::detail::combine_deterministic(std::move(all), n, config, r);
    EXPECT_EQ(std::memcmp(&combined, &whole, sizeof whole), 0) << ranks << " ranks";
  }
}

}  // namespace
