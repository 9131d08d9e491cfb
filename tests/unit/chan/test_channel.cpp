// hypar::bounded / hypar::unbounded: semantics, disconnect orders, payload types, timeouts,
// rendezvous, and MPMC exactly-once stress against per-producer sequence numbers.
#include <gtest/gtest.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <hypar/chan.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "blocked.hpp"
#include "stress_support.hpp"

namespace {

using namespace std::chrono_literals;
using hypar::testing::BlockWatch;
using hypar::testing::ConsumerLog;
using hypar::testing::Counted;
using hypar::testing::stress_scale;
using hypar::testing::tag;

constexpr std::size_t kUnbounded = static_cast<std::size_t>(-1);

template <class T>
std::pair<hypar::Sender<T>, hypar::Receiver<T>> make(std::size_t cap) {
  return cap == kUnbounded ? hypar::unbounded<T>() : hypar::bounded<T>(cap);
}

std::string cap_name(std::size_t cap) {
  return cap == kUnbounded ? std::string("unbounded") : "cap" + std::to_string(cap);
}

// ---------------------------------------------------------------- single-thread semantics

TEST(Channel, BoundedIsFifoAndRefusesWhenFull) {
  auto [tx, rx] = hypar::bounded<int>(3);
  EXPECT_EQ(tx.capacity(), 3u);
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(tx.try_send(i));
  EXPECT_FALSE(tx.try_send(99));
  EXPECT_EQ(rx.len(), 3u);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(rx.try_recv(), i);
  EXPECT_FALSE(rx.try_recv().has_value());
  tx.send(7);
  EXPECT_EQ(rx.recv(), 7);
}

TEST(Channel, UnboundedNeverRefuses) {
  auto [tx, rx] = hypar::unbounded<std::uint64_t>();
  for (std::uint64_t i = 0; i < 100000; ++i)
    ASSERT_TRUE(tx.try_send(i));
  for (std::uint64_t i = 0; i < 100000; ++i)
    ASSERT_EQ(rx.try_recv(), i);
  EXPECT_FALSE(rx.try_recv().has_value());
}

TEST(Channel, SendersFirstDrainsThenEnds) {
  for (std::size_t cap : {std::size_t{1}, std::size_t{16}, kUnbounded}) {
    SCOPED_TRACE(cap_name(cap));
    auto [tx, rx] = make<int>(cap);
    auto tx2 = tx;
    ASSERT_TRUE(tx.try_send(1));
    tx.close();
    EXPECT_FALSE(rx.is_disconnected());  // tx2 is still a producer
    if (cap != 1) {
      ASSERT_TRUE(tx2.try_send(2));
    }
    tx2 = hypar::Sender<int>();  // assignment drops the old producer
    EXPECT_TRUE(rx.is_disconnected());
    EXPECT_EQ(rx.recv(), 1);
    if (cap != 1) {
      EXPECT_EQ(rx.recv(), 2);
    }
    EXPECT_FALSE(rx.recv().has_value());
    EXPECT_FALSE(rx.try_recv().has_value());
    EXPECT_FALSE(rx.recv_for(1ms).has_value());
  }
}

TEST(Channel, ReceiversFirstMakesSendsFail) {
  for (std::size_t cap : {std::size_t{0}, std::size_t{4}, kUnbounded}) {
    SCOPED_TRACE(cap_name(cap));
    auto [tx, rx] = make<std::string>(cap);
    auto rx2 = rx;
    rx.close();
    EXPECT_FALSE(tx.is_disconnected());
    rx2.close();
    EXPECT_TRUE(tx.is_disconnected());
    EXPECT_THROW(tx.send("x"), hypar::Disconnected);
    EXPECT_FALSE(tx.try_send("y"));
  }
}

TEST(Channel, MovedFromAndClosedHandlesAreEmpty) {
  auto [tx, rx] = hypar::bounded<int>(2);
  hypar::Sender<int> moved = std::move(tx);
  EXPECT_FALSE(tx.valid());  // NOLINT(bugprone-use-after-move): the documented state
  EXPECT_THROW(tx.send(1), hypar::Disconnected);
  EXPECT_FALSE(tx.try_send(1));
  EXPECT_FALSE(rx.is_disconnected());  // `moved` still counts
  moved.send(5);
  hypar::Receiver<int> rx2 = std::move(rx);
  EXPECT_FALSE(rx.recv().has_value());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(rx2.recv(), 5);
  moved.close();
  moved.close();  // closing twice is harmless
  EXPECT_FALSE(rx2.recv().has_value());
}

TEST(Channel, TrySendOnFullAndDisconnected) {
  auto [tx, rx] = hypar::bounded<int>(1);
  EXPECT_TRUE(tx.try_send(1));
  EXPECT_FALSE(tx.try_send(2));
  EXPECT_EQ(rx.try_recv(), 1);
  EXPECT_FALSE(rx.try_recv().has_value());
  EXPECT_TRUE(tx.try_send(3));
  rx.close();
  EXPECT_FALSE(tx.try_send(4));
}

TEST(Channel, CapacityTooLargeIsAnError) {
  EXPECT_THROW(hypar::bounded<int>(std::size_t{1} << 50), hypar::Error);
}

// ---------------------------------------------------------------- payload types

TEST(Channel, MoveOnlyAndHeapPayloads) {
  for (std::size_t cap : {std::size_t{0}, std::size_t{1}, std::size_t{8}, kUnbounded}) {
    SCOPED_TRACE(cap_name(cap));
    {
      auto [tx, rx] = make<std::unique_ptr<int>>(cap);
      std::thread producer([tx = std::move(tx)]() mutable {
        for (int i = 0; i < 1000; ++i)
          tx.send(std::make_unique<int>(i));
      });
      int expect = 0;
      for (std::unique_ptr<int> p : rx) {
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(*p, expect++);
      }
      producer.join();
      EXPECT_EQ(expect, 1000);
    }
    {
      auto [tx, rx] = make<std::vector<std::uint8_t>>(cap);
      std::thread producer([tx = std::move(tx)]() mutable {
        for (std::size_t i = 0; i < 500; ++i)
          tx.send(std::vector<std::uint8_t>(i, 3));
      });
      std::size_t n = 0;
      for (auto&& v : rx) {
        EXPECT_EQ(v.size(), n++);
      }
      producer.join();
      EXPECT_EQ(n, 500u);
    }
  }
}

/// A type whose move may throw: the channel boxes it.
struct CopyOnly {
  std::string text;
  explicit CopyOnly(std::string t) : text(std::move(t)) {}
  CopyOnly(const CopyOnly& o) : text(o.text) {}
  CopyOnly& operator=(const CopyOnly& o) = default;
};
static_assert(!std::is_nothrow_move_constructible_v<CopyOnly>);

TEST(Channel, TypesWithThrowingMoveAreBoxed) {
  for (std::size_t cap : {std::size_t{0}, std::size_t{2}, kUnbounded}) {
    SCOPED_TRACE(cap_name(cap));
    auto [tx, rx] = make<CopyOnly>(cap);
    std::thread producer([tx = std::move(tx)]() mutable {
      for (int i = 0; i < 200; ++i)
        tx.send(CopyOnly(std::string(40, 'a') + std::to_string(i)));
    });
    int i = 0;
    for (CopyOnly v : rx)
      EXPECT_EQ(v.text, std::string(40, 'a') + std::to_string(i++));
    producer.join();
    EXPECT_EQ(i, 200);
  }
}

TEST(Channel, LeftoverItemsAreDestroyed) {
  for (std::size_t cap : {std::size_t{4}, kUnbounded}) {
    SCOPED_TRACE(cap_name(cap));
    {
      auto [tx, rx] = make<Counted>(cap);
      for (int i = 0; i < 4; ++i)
        tx.send(Counted(static_cast<std::uint64_t>(i)));
      EXPECT_EQ(rx.recv()->value, 0u);
      auto [tx2, rx2] = make<std::string>(cap);
      tx2.send(std::string(300, 'q'));  // left inside, never received
      auto [tx3, rx3] = make<Counted>(cap);
      tx3.send(Counted(1));
      rx3.close();  // the last receiver destroys what is queued
    }
    EXPECT_EQ(Counted::live.load(), 0);
  }
}

// ---------------------------------------------------------------- blocking and release

TEST(Channel, BlockedSendersReleasedWithDisconnected) {
  for (std::size_t cap : {std::size_t{0}, std::size_t{1}, std::size_t{3}}) {
    SCOPED_TRACE(cap_name(cap));
    auto [tx, rx] = hypar::bounded<int>(cap);
    while (cap > 0 && tx.try_send(0)) {
    }
    std::atomic<int> released{0};
    BlockWatch watch(4);
    std::vector<std::thread> senders;
    for (std::size_t t = 0; t < 4; ++t) {
      senders.emplace_back([&, t, tx = tx]() mutable {
        try {
          watch.announce(t);
          tx.send(1);  // blocks: full (or no receiver to take it)
        } catch (const hypar::Disconnected&) {
          released.fetch_add(1);
        }
      });
    }
    // Every sender sleeps inside send() before the close, so the close is what releases them.
    ASSERT_TRUE(watch.all_blocked());
    EXPECT_EQ(released.load(), 0);
    rx.close();
    for (auto& t : senders)
      t.join();
    EXPECT_EQ(released.load(), 4);
  }
}

TEST(Channel, BlockedReceiversReleasedWithNullopt) {
  for (std::size_t cap : {std::size_t{0}, std::size_t{1}, kUnbounded}) {
    SCOPED_TRACE(cap_name(cap));
    auto [tx, rx] = make<int>(cap);
    std::atomic<int> released{0};
    BlockWatch watch(4);
    std::vector<std::thread> receivers;
    for (std::size_t t = 0; t < 4; ++t) {
      receivers.emplace_back([&, t, rx = rx]() mutable {
        watch.announce(t);
        if (!rx.recv().has_value())
          released.fetch_add(1);
      });
    }
    ASSERT_TRUE(watch.all_blocked());  // every receiver sleeps inside recv() before the close
    EXPECT_EQ(released.load(), 0);
    tx.close();
    for (auto& t : receivers)
      t.join();
    EXPECT_EQ(released.load(), 4);
  }
}

TEST(Channel, CancelReleasesBothSides) {
  auto [tx, rx] = hypar::bounded<int>(1);
  auto [tx2, rx2] = hypar::bounded<int>(1);
  ASSERT_TRUE(tx.try_send(1));
  BlockWatch watch(2);
  std::thread blocked_sender([&, tx = tx]() mutable {
    watch.announce(0);
    EXPECT_THROW(tx.send(2), hypar::Disconnected);
  });
  std::thread blocked_receiver([&, rx2 = rx2]() mutable {
    watch.announce(1);
    EXPECT_FALSE(rx2.recv().has_value());
  });
  ASSERT_TRUE(watch.all_blocked());  // both sleep in their calls before the cancels
  rx.cancel();
  tx2.cancel();
  blocked_sender.join();
  blocked_receiver.join();
  EXPECT_FALSE(rx.try_recv().has_value());  // cancelled: queued items are gone
  EXPECT_THROW(tx.send(3), hypar::Disconnected);
}

TEST(Channel, RecvForExpiresAndSucceeds) {
  for (std::size_t cap : {std::size_t{0}, std::size_t{4}, kUnbounded}) {
    SCOPED_TRACE(cap_name(cap));
    auto [tx, rx] = make<int>(cap);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(rx.recv_for(50ms).has_value());
    EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);
    EXPECT_FALSE(rx.recv_for(0ms).has_value());
    // The item is sent only once this thread sleeps inside recv_for: it arrives during the wait.
    std::thread producer([tx = std::move(tx), waiter = hypar::testing::current_tid()]() mutable {
      EXPECT_TRUE(hypar::testing::wait_until_blocked(waiter));
      tx.send(42);
    });
    EXPECT_EQ(rx.recv_for(60s), 42);  // arrives long before the deadline
    producer.join();
    EXPECT_FALSE(rx.recv_for(60s).has_value());  // disconnected: no waiting for the deadline
  }
}

TEST(Channel, RendezvousSendWaitsForTaker) {
  auto [tx, rx] = hypar::bounded<int>(0);
  EXPECT_EQ(tx.capacity(), 0u);
  EXPECT_FALSE(tx.try_send(1));  // nobody is waiting in recv
  std::atomic<bool> sent{false};
  BlockWatch watch(1);
  std::thread producer([&, tx = std::move(tx)]() mutable {
    watch.announce(0);
    tx.send(5);
    sent.store(true);
    tx.send(6);
  });
  ASSERT_TRUE(watch.all_blocked());  // send(5) sleeps: nobody takes it
  EXPECT_FALSE(sent.load());
  EXPECT_EQ(rx.recv(), 5);
  EXPECT_EQ(rx.recv(), 6);
  producer.join();
  EXPECT_TRUE(sent.load());
  EXPECT_FALSE(rx.recv().has_value());
}

TEST(Channel, RendezvousTrySendReachesWaitingReceiver) {
  auto [tx, rx] = hypar::bounded<int>(0);
  std::thread receiver([rx = std::move(rx)]() mutable { EXPECT_EQ(rx.recv(), 9); });
  while (!tx.try_send(9))
    std::this_thread::yield();  // succeeds once the receiver waits
  receiver.join();
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

TEST(Channel, IdleWaitersSleep) {
  // A receiver blocked for 600 ms must not burn its core (it sleeps after a short spin).
  auto [tx, rx] = hypar::bounded<int>(4);
  double used = -1;
  BlockWatch watch(1);
  std::thread receiver([&, rx = std::move(rx)]() mutable {
    const double before = thread_cpu_seconds();
    watch.announce(0);
    EXPECT_EQ(rx.recv(), 1);
    used = thread_cpu_seconds() - before;
  });
  // The receiver reaches its futex sleep (not a spin), and 600 ms of idling cost it little CPU.
  ASSERT_TRUE(watch.all_blocked());
  std::this_thread::sleep_for(600ms);
  tx.send(1);
  receiver.join();
  EXPECT_LT(used, 0.2) << "the idle receiver used " << used << " s of CPU in 0.6 s";
}

// ---------------------------------------------------------------- stress

struct Shape {
  std::size_t producers, consumers, capacity;
};
struct ShapeName {
  std::string operator()(const ::testing::TestParamInfo<Shape>& i) const {
    return std::to_string(i.param.producers) + "p" + std::to_string(i.param.consumers) + "c_" +
           cap_name(i.param.capacity);
  }
};

class ChannelStress : public ::testing::TestWithParam<Shape> {};

TEST_P(ChannelStress, EveryItemExactlyOnceInProducerOrder) {
  const Shape s = GetParam();
  const std::size_t total = (s.capacity == 0 ? 40000 : 200000) / stress_scale;
  const std::size_t per = total / s.producers;
  auto [tx, rx] = make<std::uint64_t>(s.capacity);
  std::vector<ConsumerLog> logs(s.consumers, ConsumerLog(s.producers));
  std::vector<std::thread> threads;
  for (std::size_t c = 0; c < s.consumers; ++c) {
    threads.emplace_back([&, c, rx = rx]() mutable {
      for (std::uint64_t v : rx)
        logs[c].see(v);
    });
  }
  rx.close();
  for (std::size_t p = 0; p < s.producers; ++p) {
    threads.emplace_back([&, p, tx = tx]() mutable {
      for (std::size_t i = 0; i < per; ++i)
        tx.send(tag(p, i));
      tx.close();
    });
  }
  tx.close();
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(hypar::testing::exactly_once(logs, s.producers, per), "");
}

TEST_P(ChannelStress, StringsArriveIntact) {
  const Shape s = GetParam();
  const std::size_t per = (s.capacity == 0 ? 5000 : 20000) / stress_scale / s.producers;
  auto [tx, rx] = make<std::string>(s.capacity);
  std::vector<ConsumerLog> logs(s.consumers, ConsumerLog(s.producers));
  std::vector<std::string> errors(s.consumers);
  std::vector<std::thread> threads;
  for (std::size_t c = 0; c < s.consumers; ++c) {
    threads.emplace_back([&, c, rx = rx]() mutable {
      while (std::optional<std::string> v = rx.recv()) {
        const std::uint64_t t = std::stoull(v->substr(0, v->find(':')));
        if (*v != std::to_string(t) + ":" + std::string(t % 97, 'z'))
          errors[c] = "corrupt " + *v;
        logs[c].see(t);
      }
    });
  }
  rx.close();
  for (std::size_t p = 0; p < s.producers; ++p) {
    threads.emplace_back([&, p, tx = tx]() mutable {
      for (std::size_t i = 0; i < per; ++i) {
        const std::uint64_t t = tag(p, i);
        tx.send(std::to_string(t) + ":" + std::string(t % 97, 'z'));
      }
    });
  }
  tx.close();
  for (auto& t : threads)
    t.join();
  for (const auto& e : errors)
    EXPECT_EQ(e, "");
  EXPECT_EQ(hypar::testing::exactly_once(logs, s.producers, per), "");
}

TEST_P(ChannelStress, ReceiversLeaveMidStream) {
  // Consumers stop after a few items each and close; every producer must end with Disconnected
  // (never hang), and nothing is received twice.
  const Shape s = GetParam();
  auto [tx, rx] = make<std::uint64_t>(s.capacity);
  std::atomic<std::size_t> disconnected{0};
  std::vector<ConsumerLog> logs(s.consumers, ConsumerLog(s.producers));
  std::vector<std::thread> threads;
  for (std::size_t c = 0; c < s.consumers; ++c) {
    threads.emplace_back([&, c, rx = rx]() mutable {
      for (int k = 0; k < 100; ++k) {
        auto v = rx.recv();
        if (!v)
          break;
        logs[c].see(*v);
      }
      rx.close();
    });
  }
  rx.close();
  for (std::size_t p = 0; p < s.producers; ++p) {
    threads.emplace_back([&, p, tx = tx]() mutable {
      try {
        for (std::size_t i = 0;; ++i) {
          tx.send(tag(p, i));
          // an unbounded channel never fills: stop by hand once the receivers are gone
          if (tx.is_disconnected())
            throw hypar::Disconnected();
        }
      } catch (const hypar::Disconnected&) {
        disconnected.fetch_add(1);
      }
    });
  }
  tx.close();
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(disconnected.load(), s.producers);
  for (const auto& log : logs) {
    EXPECT_EQ(log.error, "");
    EXPECT_LE(log.items.size(), 100u);
  }
}

TEST_P(ChannelStress, CancelMidStreamReleasesEveryone) {
  // What a failing pipeline stage does: cancel while producers and consumers are busy or
  // blocked. Every thread must come back (senders with Disconnected, receivers with nullopt).
  const Shape s = GetParam();
  auto [tx, rx] = make<std::string>(s.capacity);
  std::atomic<std::size_t> received{0};
  std::atomic<std::size_t> finished{0};
  std::vector<std::thread> threads;
  for (std::size_t c = 0; c < s.consumers; ++c) {
    threads.emplace_back([&, rx = rx]() mutable {
      while (rx.recv())
        received.fetch_add(1);
      finished.fetch_add(1);
    });
  }
  for (std::size_t p = 0; p < s.producers; ++p) {
    threads.emplace_back([&, p, tx = tx]() mutable {
      try {
        for (std::size_t i = 0;; ++i)
          tx.send(std::to_string(tag(p, i)));
      } catch (const hypar::Disconnected&) {
        finished.fetch_add(1);
      }
    });
  }
  while (received.load() < 200 / stress_scale)
    std::this_thread::yield();
  rx.cancel();
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(finished.load(), s.producers + s.consumers);
  EXPECT_THROW(tx.send("late"), hypar::Disconnected);
  EXPECT_FALSE(rx.try_recv().has_value());
}

std::vector<Shape> shapes() {
  std::vector<Shape> out;
  for (std::size_t cap :
       {std::size_t{0}, std::size_t{1}, std::size_t{4}, std::size_t{1024}, kUnbounded}) {
    for (auto pc : {std::pair<std::size_t, std::size_t>{1, 1}, {2, 2}, {4, 4}, {8, 2}, {2, 8}}) {
      out.push_back(Shape{pc.first, pc.second, cap});
    }
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Shapes, ChannelStress, ::testing::ValuesIn(shapes()), ShapeName());

}  // namespace
