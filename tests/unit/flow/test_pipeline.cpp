// Pipelines: results equal to the sequential composition of the stages (as a multiset, and in
// order where a stage is ordered); exceptions from every stage and from the sink reach the
// caller; an early stop and a never-closing input channel leave no thread blocked; move-only
// items, rendezvous and empty inputs; and a stress of many producers feeding three many-worker
// stages, checked item by item (every item exactly once, per-producer order behind an ordered
// stage, no heap payload leaked or destroyed twice).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <hypar/flow.hpp>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "stress_support.hpp"

namespace {

using hypar::testing::ConsumerLog;
using hypar::testing::Counted;
using hypar::testing::stress_scale;
using hypar::testing::tag;

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int kItems = 5'000;
constexpr int kRepeats = 5;
#else
constexpr int kItems = 50'000;
constexpr int kRepeats = 20;
#endif

std::vector<int> iota_vector(int n) {
  std::vector<int> v(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    v[static_cast<std::size_t>(i)] = i;
  return v;
}

/// A little irregular work, so that workers finish out of order.
int churn(int x) {
  unsigned h = static_cast<unsigned>(x) * 2654435761u;
  for (unsigned k = 0; k < (h >> 28); ++k)
    h = h * 1664525u + 1013904223u;
  return x + static_cast<int>(h & 1u) - static_cast<int>(h & 1u);
}

TEST(Pipeline, SeedHelperEqualsTheSequentialComposition) {
  auto stage1 = [](int x) { return static_cast<long>(churn(x)) * 3; };
  auto stage2 = [](long y) { return std::to_string(y); };
  std::vector<std::string> out = hypar::pipeline(iota_vector(kItems), stage1, stage2);
  std::vector<std::string> want;
  for (int x = 0; x < kItems; ++x)
    want.push_back(stage2(stage1(x)));
  std::sort(out.begin(), out.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(out, want);
}

TEST(Pipeline, OrderedStageKeepsInputOrderAfterUnorderedWorkers) {
  for (std::size_t workers : {1u, 2u, 4u, 8u}) {
    SCOPED_TRACE(workers);
    const auto out =
        hypar::Pipeline::from(iota_vector(kItems))
            .stage([](int x) { return churn(x) * 2; }, {.workers = workers, .capacity = 16})
            .stage([](int y) { return y + 1; },
                   {.workers = workers, .capacity = 8, .ordered = true})
            .collect();
    ASSERT_EQ(out.size(), static_cast<std::size_t>(kItems));
    for (int i = 0; i < kItems; ++i)
      ASSERT_EQ(out[static_cast<std::size_t>(i)], 2 * i + 1) << "position " << i;
  }
}

TEST(Pipeline, OrderedStageBehindAVerySlowItemNeitherDeadlocksNorReorders) {
  // Item 3 takes long in an unordered upstream stage while the others overtake it; the ordered
  // stage must wait for it without blocking the workers that would bring it.
  const int n = 2000;
  const auto out =
      hypar::Pipeline::from(iota_vector(n))
          .stage(
              [](int x) {
                if (x == 3)
                  std::this_thread::sleep_for(std::chrono::milliseconds(200));
                return x;
              },
              {.workers = 4, .capacity = 4})
          .stage([](int x) { return x; }, {.workers = 3, .capacity = 2, .ordered = true})
          .collect();
  ASSERT_EQ(out, iota_vector(n));
}

TEST(Pipeline, ThreeStagesOfDifferentTypes) {
  const auto out = hypar::Pipeline::from(iota_vector(kItems))
                       .stage([](int x) { return std::to_string(x); }, {.workers = 3})
                       .stage([](std::string s) { return s + "!"; }, {.workers = 2, .capacity = 0})
                       .stage([](const std::string& s) { return s.size(); })
                       .collect();
  std::size_t total = 0, want = 0;
  for (auto n : out)
    total += n;
  for (int x = 0; x < kItems; ++x)
    want += std::to_string(x).size() + 1;
  EXPECT_EQ(out.size(), static_cast<std::size_t>(kItems));
  EXPECT_EQ(total, want);
}

TEST(Pipeline, FromAReceiverTakesEveryItemOnce) {
  auto [tx, rx] = hypar::bounded<int>(64);
  const int producers = 4, each = kItems / 4;
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([tx = tx, p, each]() mutable {
      for (int i = 0; i < each; ++i)
        tx.send(p * each + i);
    });
  }
  tx.close();
  auto out = hypar::Pipeline::from(std::move(rx))
                 .stage([](int x) { return x * 2; }, {.workers = 3})
                 .collect();
  for (auto& t : threads)
    t.join();
  std::sort(out.begin(), out.end());
  ASSERT_EQ(out.size(), static_cast<std::size_t>(producers * each));
  for (int i = 0; i < producers * each; ++i)
    ASSERT_EQ(out[static_cast<std::size_t>(i)], 2 * i);
}

TEST(Pipeline, AnExceptionInAnyStageReachesTheCaller) {
  std::mt19937 rng(3);
  for (int repeat = 0; repeat < kRepeats; ++repeat) {
    for (int failing = 0; failing < 3; ++failing) {
      const int items = kItems / 10;
      const int bad = static_cast<int>(rng() % static_cast<unsigned>(items));
      SCOPED_TRACE("stage " + std::to_string(failing) + " item " + std::to_string(bad));
      auto maybe_throw = [bad, failing](int stage, int x) {
        if (stage == failing && x == bad)
          throw std::out_of_range("stage " + std::to_string(stage));
        return x;
      };
      try {
        (void)hypar::Pipeline::from(iota_vector(items))
            .stage([&](int x) { return maybe_throw(0, x); }, {.workers = 2, .capacity = 4})
            .stage([&](int x) { return maybe_throw(1, x); }, {.workers = 1, .capacity = 1})
            .stage([&](int x) { return maybe_throw(2, x); },
                   {.workers = 3, .capacity = 64, .ordered = true})
            .collect();
        ADD_FAILURE() << "no exception";
      } catch (const std::out_of_range& e) {
        EXPECT_EQ(std::string(e.what()), "stage " + std::to_string(failing));
      }
    }
  }
}

TEST(Pipeline, AnEarlyStopReleasesEveryStage) {
  for (int repeat = 0; repeat < kRepeats; ++repeat) {
    std::atomic<int> started{0};
    int seen = 0;
    hypar::Pipeline::from(iota_vector(kItems))
        .stage(
            [&](int x) {
              started.fetch_add(1);
              return x;
            },
            {.workers = 2, .capacity = 1})
        .stage([](int x) { return x; }, {.capacity = 1})
        .for_each([&](int) { return ++seen < 10; });
    EXPECT_EQ(seen, 10);
    EXPECT_LT(started.load(), kItems) << "the stages kept running after the stop";
  }
}

TEST(Pipeline, AnEarlyStopDoesNotWaitForAnInputChannelThatNeverCloses) {
  auto [tx, rx] = hypar::unbounded<int>();
  for (int i = 0; i < 100; ++i)
    tx.send(i);
  // tx stays open: the input never ends by itself.
  int seen = 0;
  const auto start = std::chrono::steady_clock::now();
  hypar::Pipeline::from(std::move(rx)).stage([](int x) { return x; }).for_each([&](int) {
    return ++seen < 50;
  });
  EXPECT_EQ(seen, 50);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(Pipeline, ASinkThatThrowsStopsThePipeline) {
  EXPECT_THROW(hypar::Pipeline::from(iota_vector(kItems))
                   .stage([](int x) { return x; }, {.workers = 2})
                   .for_each([](int x) {
                     if (x == 100)
                       throw std::logic_error("sink");
                   }),
               std::logic_error);
}

TEST(Pipeline, MoveOnlyItemsAndEmptyInput) {
  std::vector<std::unique_ptr<int>> boxes;
  for (int i = 0; i < 1000; ++i)
    boxes.push_back(std::make_unique<int>(i));
  auto out = hypar::Pipeline::from(std::move(boxes))
                 .stage(
                     [](std::unique_ptr<int> p) {
                       *p *= 2;
                       return p;
                     },
                     {.workers = 3})
                 .stage([](std::unique_ptr<int> p) { return *p; }, {.ordered = true})
                 .collect();
  ASSERT_EQ(out.size(), 1000u);
  for (int i = 0; i < 1000; ++i)
    ASSERT_EQ(out[static_cast<std::size_t>(i)], 2 * i);
  EXPECT_TRUE(
      hypar::Pipeline::from(std::vector<int>{}).stage([](int x) { return x; }).collect().empty());
  EXPECT_TRUE(hypar::pipeline(
                  std::vector<int>{}, [](int x) { return x; }, [](int x) { return x; })
                  .empty());
}

// ---------------------------------------------------------------- stress

struct StressShape {
  std::size_t producers;  // threads sending into the pipeline's input channel
  std::size_t workers;    // per stage
  std::size_t capacity;   // of the input channel (0: rendezvous) and of every stage
  bool ordered;           // the last stage emits in input order
};
struct StressShapeName {
  std::string operator()(const ::testing::TestParamInfo<StressShape>& i) const {
    return std::to_string(i.param.producers) + "p" + std::to_string(i.param.workers) + "w_cap" +
           std::to_string(i.param.capacity) + (i.param.ordered ? "_ordered" : "");
  }
};

class PipelineStress : public ::testing::TestWithParam<StressShape> {};

TEST_P(PipelineStress, EveryItemExactlyOnceThroughThreeStages) {
  // Producers send tagged items into a channel, the pipeline takes them from its receiver: stage
  // 1 boxes each into a heap Counted, stage 2 flips a mask in it, stage 3 flips it back and
  // unboxes. An item that skipped stage 2 or passed it twice arrives masked, out of range. Behind
  // an ordered last stage the items come in the order the pipeline received them, in which each
  // producer's items are in sequence (the channel is FIFO per producer): the FIFO check holds too.
  const StressShape s = GetParam();
  const std::size_t per = 100000 / stress_scale / s.producers;
  constexpr std::uint64_t mask = std::uint64_t{1} << 63;
  auto [tx, rx] = hypar::bounded<std::uint64_t>(s.capacity);
  std::vector<std::thread> producers;
  for (std::size_t p = 0; p < s.producers; ++p) {
    producers.emplace_back([tx = tx, p, per]() mutable {
      for (std::size_t i = 0; i < per; ++i)
        tx.send(tag(p, i));
    });
  }
  tx.close();
  std::vector<ConsumerLog> logs(1, ConsumerLog(s.producers));
  const hypar::StageOptions each{.workers = s.workers, .capacity = s.capacity};
  hypar::Pipeline::from(std::move(rx))
      .stage([](std::uint64_t t) { return std::make_unique<Counted>(t); }, each)
      .stage(
          [](std::unique_ptr<Counted> c) {
            c->value ^= mask;
            return c;
          },
          each)
      .stage([](std::unique_ptr<Counted> c) { return c->value ^ mask; },
             {.workers = s.workers, .capacity = s.capacity, .ordered = s.ordered})
      .for_each([&](std::uint64_t t) {
        if (s.ordered)
          logs[0].see(t);
        else
          logs[0].items.push_back(t);
      });
  for (auto& t : producers)
    t.join();
  EXPECT_EQ(hypar::testing::exactly_once(logs, s.producers, per), "");
  EXPECT_EQ(Counted::live.load(), 0) << "boxes leaked or destroyed twice";
}

INSTANTIATE_TEST_SUITE_P(Shapes, PipelineStress,
                         ::testing::Values(StressShape{1, 1, 0, true}, StressShape{2, 3, 1, false},
                                           StressShape{4, 3, 1, true}, StressShape{4, 2, 64, false},
                                           StressShape{8, 4, 64, true},
                                           StressShape{2, 8, 4, false}),
                         StressShapeName());

}  // namespace
