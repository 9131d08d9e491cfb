#pragma once
// hypar::bounded / hypar::unbounded: Crossbeam's MPMC channels, with Sender<T> and Receiver<T>.
//
//   auto [tx, rx] = hypar::bounded<int>(1000);      // or hypar::unbounded<int>()
//   std::thread producer([tx = std::move(tx)]() mutable {
//     for (int i = 0; i < 1000; ++i) tx.send(i);
//   });
//   for (int v : rx) process(v);  // ends when every sender is gone and all is drained
//   producer.join();
//
// Storage: bounded(cap >= 1) is a lock-free ring of cap slots (detail/ring.hpp); bounded(0) is a
// rendezvous channel on a one-slot ring whose sender also waits until its item is taken;
// unbounded() is a lock-free linked list of 31-slot blocks (detail/list.hpp). Waiting: a short
// spin, some yields, then a futex sleep that a lost wake-up delays by at most 100 ms
// (detail/wait.hpp). Design note: docs/channels.md.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <hypar/chan/detail/list.hpp>
#include <hypar/chan/detail/ring.hpp>
#include <hypar/core/error.hpp>
#include <hypar/core/interference.hpp>
#include <hypar/core/wait.hpp>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace hypar {

template <class T>
class Sender;
template <class T>
class Receiver;

namespace detail {

/// What a channel stores for a T: T itself when moving it cannot throw (a claimed ring slot must
/// be filled), else a heap box whose pointer moves without throwing.
template <class T>
using ChanStored =
    std::conditional_t<std::is_nothrow_move_constructible_v<T>, T, std::unique_ptr<T>>;

/// The shared state of one channel. Handles own it through shared_ptr; the counts below are the
/// producer/consumer counts of the API (a handle counts from construction to close()).
///
/// Disconnection: the last Sender's close() sets tx_gone_ after its own decrement, so every item
/// pushed by any sender happens-before tx_gone_ (the decrements form one release sequence);
/// a receiver that sees tx_gone_ then does one more pop and returns nullopt only if that finds
/// nothing: "disconnected and drained". The last Receiver's close() sets rx_gone_; blocked and
/// later sends throw Disconnected and the queued items are destroyed (not for rendezvous, where
/// a sender's completion is read off the ring's head). Each flag change notifies the other side.
template <class T>
class Chan {
  static_assert(std::is_move_constructible_v<T>,
                "hypar channels move their items: T must be move constructible");
  using Stored = ChanStored<T>;
  using Clock = std::chrono::steady_clock;

 public:
  /// A bounded channel (ring of `cap` slots; cap == 0: rendezvous) or an unbounded one.
  Chan(bool bounded, std::size_t cap) : rendezvous_(bounded && cap == 0) {
    if (bounded) {
      ring_.emplace(cap == 0 ? 1 : cap);
    } else {
      list_.emplace();
    }
  }
  Chan(const Chan&) = delete;
  Chan& operator=(const Chan&) = delete;

  void add_sender() noexcept { senders_.fetch_add(1, std::memory_order_relaxed); }
  void add_receiver() noexcept { receivers_.fetch_add(1, std::memory_order_relaxed); }

  void drop_sender() noexcept {
    if (senders_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      tx_gone_.store(true, std::memory_order_seq_cst);
      not_empty_.notify_after_rmw();  // receivers: drain and finish
    }
  }
  void drop_receiver() noexcept {
    if (receivers_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      rx_gone_.store(true, std::memory_order_seq_cst);
      not_full_.notify_after_rmw();  // senders: throw Disconnected
      if (!rendezvous_)
        discard();
    }
  }
  /// Disconnects both sides at once for every handle: sends throw Disconnected, receives return
  /// nullopt at once, queued items are destroyed. For cancelling a pipeline.
  void cancel() noexcept {
    cancelled_.store(true, std::memory_order_seq_cst);
    rx_gone_.store(true, std::memory_order_seq_cst);
    tx_gone_.store(true, std::memory_order_seq_cst);
    not_full_.notify_after_rmw();
    not_empty_.notify_after_rmw();
    discard();
  }

  bool senders_gone() const noexcept { return tx_gone_.load(std::memory_order_acquire); }
  bool receivers_gone() const noexcept { return rx_gone_.load(std::memory_order_acquire); }
  bool is_rendezvous() const noexcept { return rendezvous_; }
  /// Slots of a bounded channel (0 for rendezvous); 0 for unbounded as well.
  std::size_t capacity() const noexcept { return ring_ && !rendezvous_ ? ring_->capacity() : 0; }
  bool is_bounded() const noexcept { return ring_.has_value(); }
  /// Items queued (bounded channels; 0 for unbounded, whose queue cannot count).
  std::size_t len() const noexcept { return ring_ ? ring_->len() : 0; }

  /// Blocks while full (or, rendezvous, until taken); throws Disconnected.
  void send(T&& v) {
    Stored s = box(std::move(v));
    std::uint64_t pos = 0;
    Backoff backoff;
    for (;;) {
      if (rx_gone_.load(std::memory_order_acquire))
        throw Disconnected();
      if (push(s, &pos))
        break;
      if (!backoff.completed()) {
        backoff.snooze();
        continue;
      }
      const std::uint32_t w = not_full_.prepare();
      if (rx_gone_.load(std::memory_order_acquire))
        throw Disconnected();
      if (push(s, &pos))
        break;
      not_full_.sleep(w);
    }
    not_empty_.notify_after_rmw();
    if (rendezvous_)
      wait_taken(pos);
  }

  /// Never blocks: false when full, disconnected, or (rendezvous) when no receiver is waiting.
  bool try_send(T&& v) {
    if (rx_gone_.load(std::memory_order_acquire))
      return false;
    if (rendezvous_ && waiting_receivers_.load(std::memory_order_seq_cst) == 0)
      return false;
    Stored s = box(std::move(v));
    std::uint64_t pos = 0;
    if (!push(s, &pos))
      return false;
    not_empty_.notify_after_rmw();
    return true;
  }

  /// Blocks until an item arrives (returned), every sender is gone and the channel is drained,
  /// or `deadline` passes (both nullopt).
  std::optional<T> recv(const Clock::time_point* deadline) {
    WaitingReceiver counted(rendezvous_ ? &waiting_receivers_ : nullptr);
    Backoff backoff;
    for (;;) {
      if (auto v = try_recv())
        return v;
      if (tx_gone_.load(std::memory_order_acquire))
        return try_recv();  // the last drain
      if (deadline != nullptr && Clock::now() >= *deadline)
        return std::nullopt;
      if (!backoff.completed()) {
        backoff.snooze();
        continue;
      }
      const std::uint32_t w = not_empty_.prepare();
      if (auto v = try_recv())
        return v;
      if (tx_gone_.load(std::memory_order_acquire))
        return try_recv();
      if (deadline == nullptr) {
        not_empty_.sleep(w);
      } else {
        const auto left = *deadline - Clock::now();
        if (left <= Clock::duration::zero())
          return std::nullopt;
        not_empty_.sleep(w, std::chrono::duration_cast<std::chrono::nanoseconds>(left));
      }
    }
  }

  /// An item if one is queued now, else nullopt; never blocks.
  std::optional<T> try_recv() {
    if (cancelled_.load(std::memory_order_relaxed))
      return std::nullopt;
    std::optional<Stored> s = pop();
    if (!s)
      return std::nullopt;
    if (ring_)
      not_full_.notify_after_rmw();  // a slot is free (and, rendezvous, an item was taken)
    if constexpr (std::is_same_v<Stored, T>) {
      return s;
    } else {
      return std::optional<T>(std::move(**s));
    }
  }

 private:
  /// Counts blocked receivers of a rendezvous channel while it lives (for try_send).
  class WaitingReceiver {
   public:
    explicit WaitingReceiver(std::atomic<std::size_t>* c) noexcept : count_(c) {
      if (count_ != nullptr)
        count_->fetch_add(1, std::memory_order_seq_cst);
    }
    WaitingReceiver(const WaitingReceiver&) = delete;
    WaitingReceiver& operator=(const WaitingReceiver&) = delete;
    ~WaitingReceiver() {
      if (count_ != nullptr)
        count_->fetch_sub(1, std::memory_order_seq_cst);
    }

   private:
    std::atomic<std::size_t>* count_;
  };

  static Stored box(T&& v) {
    if constexpr (std::is_same_v<Stored, T>) {
      return std::move(v);
    } else {
      return std::make_unique<T>(std::move(v));
    }
  }
  // Both always inlined, so the ring's fast paths reach send and recv (an out-of-line pop
  // returned its optional through the stack, as the ring's try_pop did; ring.hpp's note).
  [[gnu::always_inline]] bool push(Stored& s, std::uint64_t* pos) {
    if (ring_)
      return ring_->try_push(s, pos);
    list_->push(s);
    return true;
  }
  [[gnu::always_inline]] std::optional<Stored> pop() noexcept {
    return ring_ ? ring_->try_pop() : list_->try_pop();
  }
  void discard() noexcept {
    while (pop()) {
    }
    if (ring_)
      not_full_.notify_after_rmw();
  }

  /// Rendezvous: the item sent at ring position `pos` is taken once the ring's head passes it.
  void wait_taken(std::uint64_t pos) {
    Backoff backoff;
    for (;;) {
      if (cancelled_.load(std::memory_order_acquire))
        throw Disconnected();
      if (ring_->head() > pos)
        return;
      if (rx_gone_.load(std::memory_order_acquire))
        throw Disconnected();
      if (!backoff.completed()) {
        backoff.snooze();
        continue;
      }
      const std::uint32_t w = not_full_.prepare();
      if (ring_->head() > pos)
        return;
      if (rx_gone_.load(std::memory_order_acquire))
        throw Disconnected();
      not_full_.sleep(w);
    }
  }

  // Each wait queue and the counters on their own cache lines: senders hit not_empty_ on every
  // send, receivers not_full_ on every receive; the counts change only with handles.
  alignas(false_sharing_distance) WaitQueue not_empty_;  // receivers sleep here
  alignas(false_sharing_distance) WaitQueue not_full_;   // senders sleep here (full, or rendezvous)
  alignas(false_sharing_distance) std::atomic<std::size_t> senders_{1};
  std::atomic<std::size_t> receivers_{1};
  std::atomic<std::size_t> waiting_receivers_{0};
  std::atomic<bool> tx_gone_{false};
  std::atomic<bool> rx_gone_{false};
  std::atomic<bool> cancelled_{false};
  const bool rendezvous_;
  std::optional<Ring<Stored>> ring_;
  std::optional<ListQueue<Stored>> list_;
};

/// Constructor tag: a handle adopting one already counted producer/consumer of a channel.
struct AdoptHandle {};

}  // namespace detail

/// The sending half of a channel. Copy it to add a producer (MPMC); the channel's receivers see
/// "disconnected" once every copy is closed or destroyed. A moved-from or closed Sender is empty:
/// it counts as no producer and behaves as a disconnected channel (send throws Disconnected).
template <class T>
class Sender {
 public:
  using value_type = T;

  /// An empty sender.
  Sender() noexcept = default;
  Sender(std::shared_ptr<detail::Chan<T>> chan, detail::AdoptHandle) noexcept
      : chan_(std::move(chan)) {}
  /// Another producer of the same channel. Cost: two atomic increments.
  Sender(const Sender& other) noexcept : chan_(other.chan_) {
    if (chan_)
      chan_->add_sender();
  }
  Sender(Sender&& other) noexcept = default;
  Sender& operator=(const Sender& other) noexcept {
    if (this != &other) {
      Sender copy(other);
      *this = std::move(copy);
    }
    return *this;
  }
  Sender& operator=(Sender&& other) noexcept {
    if (this != &other) {
      close();
      chan_ = std::move(other.chan_);
    }
    return *this;
  }
  ~Sender() { close(); }

  /// Sends `value`, blocking while the channel is full (bounded) or, for bounded(0), until a
  /// receiver takes it. Throws hypar::Disconnected when every receiver is gone, also while
  /// blocked. Sequential equivalent: queue.push_back(value). Cost: one CAS and one release
  /// store on the ring (bounded), a fence and a load to see whether a receiver sleeps, a futex
  /// wake only if one does.
  void send(T value) {
    if (!chan_)
      throw Disconnected();
    chan_->send(std::move(value));
  }
  /// Sends `value` if it can be done without blocking: false when full, when every receiver is
  /// gone, or (rendezvous) when no receiver is waiting in recv right now.
  bool try_send(T value) {
    if (!chan_)
      return false;
    return chan_->try_send(std::move(value));
  }
  /// Drops this producer now (as the destructor would); the last one disconnects the channel.
  void close() noexcept {
    if (chan_) {
      chan_->drop_sender();
      chan_.reset();
    }
  }
  /// Disconnects the whole channel for every handle (see Receiver::cancel).
  void cancel() noexcept {
    if (chan_)
      chan_->cancel();
  }
  /// True when every receiver is gone (or this sender is empty): sends would throw.
  bool is_disconnected() const noexcept { return !chan_ || chan_->receivers_gone(); }
  /// True unless moved-from or closed.
  bool valid() const noexcept { return chan_ != nullptr; }
  /// Items queued now (bounded channels; 0 for unbounded and rendezvous ones).
  std::size_t len() const noexcept { return chan_ ? chan_->len() : 0; }
  /// The capacity given to bounded(); 0 for rendezvous and unbounded channels.
  std::size_t capacity() const noexcept { return chan_ ? chan_->capacity() : 0; }

 private:
  std::shared_ptr<detail::Chan<T>> chan_;
};

/// The receiving half of a channel. Copy it to add a consumer (each item goes to one of them);
/// once every copy is closed or destroyed, senders get hypar::Disconnected. A moved-from or closed
/// Receiver is empty: it counts as no consumer and behaves as a drained, disconnected channel.
/// `for (T v : rx)` receives until every sender is gone and the channel is drained.
template <class T>
class Receiver {
 public:
  using value_type = T;

  /// An empty receiver.
  Receiver() noexcept = default;
  Receiver(std::shared_ptr<detail::Chan<T>> chan, detail::AdoptHandle) noexcept
      : chan_(std::move(chan)) {}
  /// Another consumer of the same channel. Cost: two atomic increments.
  Receiver(const Receiver& other) noexcept : chan_(other.chan_) {
    if (chan_)
      chan_->add_receiver();
  }
  Receiver(Receiver&& other) noexcept = default;
  Receiver& operator=(const Receiver& other) noexcept {
    if (this != &other) {
      Receiver copy(other);
      *this = std::move(copy);
    }
    return *this;
  }
  Receiver& operator=(Receiver&& other) noexcept {
    if (this != &other) {
      close();
      chan_ = std::move(other.chan_);
    }
    return *this;
  }
  ~Receiver() { close(); }

  /// The next item, blocking while the channel is empty; nullopt once every sender is gone and
  /// the channel is drained. Sequential equivalent: `if (q.empty()) return nullopt; pop_front()`.
  std::optional<T> recv() { return chan_ ? chan_->recv(nullptr) : std::nullopt; }
  /// The next item if one is queued now; never blocks.
  std::optional<T> try_recv() { return chan_ ? chan_->try_recv() : std::nullopt; }
  /// Like recv(), but gives up (nullopt) after `timeout`.
  template <class Rep, class Period>
  std::optional<T> recv_for(std::chrono::duration<Rep, Period> timeout) {
    if (!chan_)
      return std::nullopt;
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::ceil<std::chrono::steady_clock::duration>(timeout);
    return chan_->recv(&deadline);
  }
  /// Drops this consumer now (as the destructor would); the last one disconnects the channel:
  /// blocked and later sends throw hypar::Disconnected, queued items are destroyed.
  void close() noexcept {
    if (chan_) {
      chan_->drop_receiver();
      chan_.reset();
    }
  }
  /// Disconnects the whole channel for every handle at once, whatever the other handles do:
  /// every send (blocked or later) throws Disconnected, every receive returns nullopt
  /// immediately, queued items are destroyed. For stopping a pipeline on an error.
  void cancel() noexcept {
    if (chan_)
      chan_->cancel();
  }
  /// True when every sender is gone (or this receiver is empty); items may still be queued.
  bool is_disconnected() const noexcept { return !chan_ || chan_->senders_gone(); }
  /// True unless moved-from or closed.
  bool valid() const noexcept { return chan_ != nullptr; }
  /// Items queued now (bounded channels; 0 for unbounded and rendezvous ones).
  std::size_t len() const noexcept { return chan_ ? chan_->len() : 0; }
  /// The capacity given to bounded(); 0 for rendezvous and unbounded channels.
  std::size_t capacity() const noexcept { return chan_ ? chan_->capacity() : 0; }

  /// Input iterator of range-for: each increment is a recv(); the end is disconnected + drained.
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using reference = T&&;

    iterator() = default;
    explicit iterator(Receiver* rx) : rx_(rx) { ++*this; }
    /// The current item, to be moved from (so `for (T v : rx)` works for move-only T).
    T&& operator*() { return std::move(*current_); }
    iterator& operator++() {
      current_ = rx_->recv();
      if (!current_)
        rx_ = nullptr;
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) {
      return it.rx_ == nullptr;
    }

   private:
    Receiver* rx_ = nullptr;
    std::optional<T> current_;
  };
  /// Starts receiving (blocks for the first item).
  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  std::shared_ptr<detail::Chan<T>> chan_;
};

/// A channel of at most `capacity` queued items: send blocks while it is full (backpressure).
/// `bounded<T>(0)` is a rendezvous channel: a send completes when a receiver takes the item.
/// Cost: one allocation of `capacity` slots (plus a box per item if T's move may throw).
/// Throws hypar::Error for a capacity above 2^40.
template <class T>
std::pair<Sender<T>, Receiver<T>> bounded(std::size_t capacity) {
  if (capacity > (std::size_t{1} << 40)) {
    throw Error("hypar::bounded: capacity " + std::to_string(capacity) +
                " is too large (at most 2^40); use hypar::unbounded");
  }
  auto chan = std::make_shared<detail::Chan<T>>(true, capacity);
  return {Sender<T>(chan, detail::AdoptHandle{}), Receiver<T>(chan, detail::AdoptHandle{})};
}

/// A channel without a capacity: send never blocks (memory grows with the backlog). Cost per
/// item: one CAS to claim a slot and one atomic OR to publish it; one block allocation per 31
/// items (plus a heap box per item if T's move may throw).
template <class T>
std::pair<Sender<T>, Receiver<T>> unbounded() {
  auto chan = std::make_shared<detail::Chan<T>>(false, 0);
  return {Sender<T>(chan, detail::AdoptHandle{}), Receiver<T>(chan, detail::AdoptHandle{})};
}

}  // namespace hypar
