// hypar::ArrayQueue against a std::deque reference, edge cases, and MPMC exactly-once stress.
#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <hypar/chan/array_queue.hpp>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "stress_support.hpp"

namespace {

using hypar::testing::ConsumerLog;
using hypar::testing::Counted;
using hypar::testing::stress_scale;
using hypar::testing::tag;

TEST(ArrayQueue, CapacityZeroIsAnError) {
  EXPECT_THROW(hypar::ArrayQueue<int>(0), hypar::Error);
}

TEST(ArrayQueue, MatchesDequeOnRandomOperations) {
  for (std::size_t cap : {1, 2, 3, 7, 64}) {
    SCOPED_TRACE(cap);
    hypar::ArrayQueue<int> q(cap);
    std::deque<int> ref;
    std::mt19937 rng(static_cast<unsigned>(cap));
    for (int i = 0; i < 20000; ++i) {
      const unsigned op = rng() % 3;
      if (op == 0) {
        int v = i;
        const bool ok = q.push(std::move(v));
        ASSERT_EQ(ok, ref.size() < cap);
        if (ok)
          ref.push_back(i);
      } else if (op == 1) {
        std::optional<int> evicted = q.force_push(i);
        if (ref.size() == cap) {
          ASSERT_TRUE(evicted.has_value());
          ASSERT_EQ(*evicted, ref.front());
          ref.pop_front();
        } else {
          ASSERT_FALSE(evicted.has_value());
        }
        ref.push_back(i);
      } else {
        std::optional<int> got = q.pop();
        if (ref.empty()) {
          ASSERT_FALSE(got.has_value());
        } else {
          ASSERT_TRUE(got.has_value());
          ASSERT_EQ(*got, ref.front());
          ref.pop_front();
        }
      }
      ASSERT_EQ(q.len(), ref.size());
      ASSERT_EQ(q.is_empty(), ref.empty());
      ASSERT_EQ(q.is_full(), ref.size() == cap);
      ASSERT_EQ(q.capacity(), cap);
    }
  }
}

TEST(ArrayQueue, PushWhenFullLeavesValueIntact) {
  hypar::ArrayQueue<std::unique_ptr<int>> q(1);
  EXPECT_TRUE(q.push(std::make_unique<int>(1)));
  auto p = std::make_unique<int>(2);
  EXPECT_FALSE(q.push(std::move(p)));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 2);
  hypar::ArrayQueue<std::string> s(1);
  std::string long_text(100, 'x');
  EXPECT_TRUE(s.push(std::string(long_text)));
  std::string other(200, 'y');
  EXPECT_FALSE(s.push(std::move(other)));
  EXPECT_EQ(other, std::string(200, 'y'));
  EXPECT_EQ(*s.pop(), long_text);
}

TEST(ArrayQueue, ForcePushEvictsOldestInOrder) {
  hypar::ArrayQueue<std::string> q(3);
  for (int i = 0; i < 3; ++i)
    EXPECT_FALSE(q.force_push(std::to_string(i)).has_value());
  for (int i = 3; i < 10; ++i) {
    std::optional<std::string> old = q.force_push(std::to_string(i));
    ASSERT_TRUE(old.has_value());
    EXPECT_EQ(*old, std::to_string(i - 3));
  }
  EXPECT_EQ(*q.pop(), "7");
  EXPECT_EQ(*q.pop(), "8");
  EXPECT_EQ(*q.pop(), "9");
  EXPECT_FALSE(q.pop().has_value());
}

TEST(ArrayQueue, DestroysLeftoverItems) {
  {
    hypar::ArrayQueue<Counted> q(8);
    for (int i = 0; i < 5; ++i)
      EXPECT_TRUE(q.push(Counted(static_cast<std::uint64_t>(i))));
    EXPECT_EQ(q.pop()->value, 0u);
    hypar::ArrayQueue<std::vector<std::uint8_t>> v(4);
    EXPECT_TRUE(v.push(std::vector<std::uint8_t>(1000, 7)));
  }
  EXPECT_EQ(Counted::live.load(), 0);
}

struct Shape {
  std::size_t producers, consumers, capacity;
};

struct ShapeName {
  std::string operator()(const ::testing::TestParamInfo<Shape>& i) const {
    return std::to_string(i.param.producers) + "p" + std::to_string(i.param.consumers) + "c_cap" +
           std::to_string(i.param.capacity);
  }
};

class ArrayQueueStress : public ::testing::TestWithParam<Shape> {};

TEST_P(ArrayQueueStress, EveryItemExactlyOnceInProducerOrder) {
  const Shape s = GetParam();
  const std::size_t per = 200000 / stress_scale / s.producers;
  hypar::ArrayQueue<std::uint64_t> q(s.capacity);
  std::atomic<std::size_t> done_producers{0};
  std::vector<ConsumerLog> logs(s.consumers, ConsumerLog(s.producers));
  std::vector<std::thread> threads;
  for (std::size_t p = 0; p < s.producers; ++p) {
    threads.emplace_back([&, p] {
      for (std::size_t i = 0; i < per; ++i) {
        std::uint64_t t = tag(p, i);
        while (!q.push(std::move(t)))
          std::this_thread::yield();
      }
      done_producers.fetch_add(1);
    });
  }
  for (std::size_t c = 0; c < s.consumers; ++c) {
    threads.emplace_back([&, c] {
      for (;;) {
        if (auto v = q.pop()) {
          logs[c].see(*v);
        } else if (done_producers.load() == s.producers) {
          if (auto w = q.pop()) {  // the last items may land between the two checks
            logs[c].see(*w);
            continue;
          }
          return;
        } else {
          std::this_thread::yield();
        }
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(hypar::testing::exactly_once(logs, s.producers, per), "");
  EXPECT_TRUE(q.is_empty());
}

TEST_P(ArrayQueueStress, ForcePushLosesNothing) {
  // Producers force_push; every item is either popped by a consumer or returned as evicted.
  const Shape s = GetParam();
  const std::size_t per = 100000 / stress_scale / s.producers;
  hypar::ArrayQueue<std::uint64_t> q(s.capacity);
  std::atomic<std::size_t> done_producers{0};
  std::vector<ConsumerLog> logs(s.consumers + s.producers, ConsumerLog(s.producers));
  std::vector<std::vector<std::uint64_t>> evicted(s.producers);
  std::vector<std::thread> threads;
  for (std::size_t p = 0; p < s.producers; ++p) {
    threads.emplace_back([&, p] {
      for (std::size_t i = 0; i < per; ++i) {
        if (auto old = q.force_push(tag(p, i)))
          evicted[p].push_back(*old);
      }
      done_producers.fetch_add(1);
    });
  }
  for (std::size_t c = 0; c < s.consumers; ++c) {
    threads.emplace_back([&, c] {
      while (done_producers.load() != s.producers || !q.is_empty()) {
        if (auto v = q.pop())
          logs[c].see(*v);
      }
    });
  }
  for (auto& t : threads)
    t.join();
  // Evicted items go through the same exactly-once check (not the FIFO one: they interleave).
  for (std::size_t p = 0; p < s.producers; ++p) {
    for (std::uint64_t t : evicted[p])
      logs[s.consumers + p].items.push_back(t);
  }
  EXPECT_EQ(hypar::testing::exactly_once(logs, s.producers, per), "");
}

TEST_P(ArrayQueueStress, HeapPayloadsExactlyOnce) {
  // Strings long enough to live on the heap: ASan sees any double free or leak.
  const Shape s = GetParam();
  const std::size_t per = 40000 / stress_scale / s.producers;
  hypar::ArrayQueue<std::string> q(s.capacity);
  std::atomic<std::size_t> done_producers{0};
  std::vector<ConsumerLog> logs(s.consumers, ConsumerLog(s.producers));
  std::vector<std::thread> threads;
  for (std::size_t p = 0; p < s.producers; ++p) {
    threads.emplace_back([&, p] {
      for (std::size_t i = 0; i < per; ++i) {
        std::string item = std::to_string(tag(p, i)) + std::string(40, '.');
        while (!q.push(std::move(item)))
          std::this_thread::yield();  // item intact on failure
      }
      done_producers.fetch_add(1);
    });
  }
  for (std::size_t c = 0; c < s.consumers; ++c) {
    threads.emplace_back([&, c] {
      for (;;) {
        std::optional<std::string> v = q.pop();
        if (!v && done_producers.load() == s.producers)
          v = q.pop();
        if (!v) {
          if (done_producers.load() == s.producers)
            return;
          std::this_thread::yield();
          continue;
        }
        logs[c].see(std::stoull(*v));
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(hypar::testing::exactly_once(logs, s.producers, per), "");
}

INSTANTIATE_TEST_SUITE_P(Shapes, ArrayQueueStress,
                         ::testing::Values(Shape{1, 1, 1}, Shape{1, 1, 1024}, Shape{2, 2, 1},
                                           Shape{2, 2, 16}, Shape{4, 4, 1}, Shape{4, 4, 3},
                                           Shape{8, 2, 16}, Shape{2, 8, 1024}),
                         ShapeName());

}  // namespace
