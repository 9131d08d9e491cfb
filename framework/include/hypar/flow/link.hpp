#pragma once
// hypar::detail::Link: the hand-off between two pipeline stages, a mesh of Boost.Lockfree
// single-producer single-consumer queues.
//
// Design note. A stage with U workers feeds a stage with W workers through U x W queues
// `boost::lockfree::spsc_queue<T*>`, one per (producer, consumer) pair, so every queue has exactly
// one thread on each side, which is the case Boost.Lockfree's spsc_queue is made for: a push or
// pop is a load, a store and a release/acquire pair on cache-padded indices, with no CAS. (The
// public channels cannot do this: any Sender or Receiver may be copied at any moment, see
// docs/channels.md; inside a pipeline the number of threads on each side is fixed when it starts.)
//   - A producer offers its item to its queues round robin, starting after the one it used last,
//     and takes the first with room: a slow consumer's queues fill up and the producer moves on,
//     which balances the load. When all its queues are full it waits (backpressure).
//   - A consumer polls its U queues round robin, starting after the one it took from last.
//   - Waiting: a short spin, some yields, then a futex sleep on a per-thread WaitQueue
//     (core/wait.hpp), re-checking before sleeping and with a bounded sleep, so that a lost
//     wake-up costs latency, never a hang. A producer wakes the consumer it pushed to; a consumer
//     wakes the producer it popped from.
//   - End of input: each producer closes its side; a consumer ends once every producer has closed
//     and one more pass over its queues finds them empty (the close is a release that follows
//     the producer's last push, so that pass sees every item).
//   - cancel() (a pipeline that failed or stopped early) makes every send throw
//     hypar::Disconnected and every receive return empty at once; items still queued are
//     deleted when the link is destroyed, after all its threads have ended.
// Items travel as pointers (spsc_queue stores trivially copyable values); the link owns them.

#include <atomic>
#include <boost/lockfree/spsc_queue.hpp>
#include <cstddef>
#include <hypar/core/error.hpp>
#include <hypar/core/interference.hpp>
#include <hypar/core/wait.hpp>
#include <hypar/sync/cache_padded.hpp>
#include <memory>
#include <vector>

namespace hypar::detail {

template <class T>
class Link {
 public:
  /// A link from `producers` threads to `consumers` threads; each of the producers x consumers
  /// queues holds up to `queue_capacity` items (at least 1).
  Link(std::size_t producers, std::size_t consumers, std::size_t queue_capacity)
      : producers_(producers), consumers_(consumers), producer_(producers), consumer_(consumers) {
    queues_.reserve(producers * consumers);
    for (std::size_t i = 0; i < producers * consumers; ++i) {
      queues_.push_back(std::make_unique<Queue>(std::max<std::size_t>(1, queue_capacity)));
    }
  }
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;
  /// Deletes the items still queued. Only when no thread uses the link any more.
  ~Link() {
    for (auto& q : queues_) {
      T* item = nullptr;
      while (q->items.pop(item))
        delete item;
    }
  }

  std::size_t producers() const noexcept { return producers_; }
  std::size_t consumers() const noexcept { return consumers_; }

  /// Producer `u` hands `item` on, blocking while all of its queues are full. Throws
  /// hypar::Disconnected once the link is cancelled (the item is then deleted).
  void send(std::size_t u, std::unique_ptr<T> item) {
    T* raw = item.release();
    Backoff backoff;
    for (;;) {
      if (cancelled_.load(std::memory_order_acquire)) {
        delete raw;
        throw Disconnected("hypar pipeline: stopped");
      }
      if (try_push(u, raw))
        return;
      if (!backoff.completed()) {
        backoff.snooze();
        continue;
      }
      const std::uint32_t token = producer_[u]->room.prepare();
      if (try_push(u, raw))
        return;
      if (cancelled_.load(std::memory_order_seq_cst))
        continue;  // handled at the top
      producer_[u]->room.sleep(token);
    }
  }

  /// Producer `u` is done: after its last send. Idempotent.
  void close(std::size_t u) noexcept {
    if (producer_[u]->closed.exchange(true, std::memory_order_acq_rel))
      return;
    closed_count_.fetch_add(1, std::memory_order_acq_rel);
    for (auto& c : consumer_)
      c->items.notify();
  }

  /// Consumer `w` takes the next item; empty once every producer has closed and its queues are
  /// drained, or once the link is cancelled.
  std::unique_ptr<T> recv(std::size_t w) {
    Backoff backoff;
    for (;;) {
      if (cancelled_.load(std::memory_order_acquire))
        return nullptr;
      if (T* item = try_pop(w))
        return std::unique_ptr<T>(item);
      if (closed_count_.load(std::memory_order_acquire) == producers_) {
        // Every producer's last push happened before its close: one more pass sees them all.
        if (T* item = try_pop(w))
          return std::unique_ptr<T>(item);
        return nullptr;
      }
      if (!backoff.completed()) {
        backoff.snooze();
        continue;
      }
      const std::uint32_t token = consumer_[w]->items.prepare();
      if (T* item = try_pop(w))
        return std::unique_ptr<T>(item);
      if (closed_count_.load(std::memory_order_seq_cst) == producers_ ||
          cancelled_.load(std::memory_order_seq_cst)) {
        continue;  // decided at the top
      }
      consumer_[w]->items.sleep(token);
    }
  }

  /// Ends the link for everybody at once: sends throw Disconnected, receives return empty.
  void cancel() noexcept {
    cancelled_.store(true, std::memory_order_seq_cst);
    for (auto& p : producer_)
      p->room.notify();
    for (auto& c : consumer_)
      c->items.notify();
  }

 private:
  struct Queue {
    explicit Queue(std::size_t capacity) : items(capacity) {}
    boost::lockfree::spsc_queue<T*> items;
  };
  /// What only producer u writes, and where it sleeps.
  struct ProducerState {
    std::size_t next = 0;  ///< the consumer to try first
    std::atomic<bool> closed{false};
    WaitQueue room;
  };
  /// What only consumer w writes, and where it sleeps.
  struct ConsumerState {
    std::size_t next = 0;  ///< the producer to try first
    WaitQueue items;
  };

  Queue& queue(std::size_t u, std::size_t w) { return *queues_[u * consumers_ + w]; }

  bool try_push(std::size_t u, T* item) {
    auto& me = *producer_[u];
    for (std::size_t k = 0; k < consumers_; ++k) {
      const std::size_t w = (me.next + k) % consumers_;
      if (queue(u, w).items.push(item)) {
        me.next = w + 1;
        consumer_[w]->items.notify();
        return true;
      }
    }
    return false;
  }

  T* try_pop(std::size_t w) {
    auto& me = *consumer_[w];
    for (std::size_t k = 0; k < producers_; ++k) {
      const std::size_t u = (me.next + k) % producers_;
      T* item = nullptr;
      if (queue(u, w).items.pop(item)) {
        me.next = u + 1;
        producer_[u]->room.notify();
        return item;
      }
    }
    return nullptr;
  }

  const std::size_t producers_;
  const std::size_t consumers_;
  std::vector<std::unique_ptr<Queue>> queues_;
  std::vector<CachePadded<ProducerState>> producer_;
  std::vector<CachePadded<ConsumerState>> consumer_;
  alignas(false_sharing_distance) std::atomic<std::size_t> closed_count_{0};
  std::atomic<bool> cancelled_{false};
};

}  // namespace hypar::detail
