#pragma once
// hypar::ShardedMap: a hash map split into independently locked shards, the seed's ShardedCache.
// Threads that touch different keys almost never meet on a lock, and readers of one shard run
// side by side (a reader-writer lock per shard, hypar::SharedSpinLock unless another is asked
// for). Each shard, lock included, sits on cache lines of its own so that two busy shards never
// false-share.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <hypar/sync/cache_padded.hpp>
#include <hypar/sync/shared_spin_lock.hpp>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_map>
#include <utility>

namespace hypar {

/// A concurrent map of `K` to `V` in `Shards` shards, each a `std::unordered_map` behind a
/// reader-writer lock of type `Lock` (anything with std::shared_mutex's interface). Every call
/// locks exactly one shard (except `size` and `for_each`, which visit all shards one after the
/// other). Values are never handed out by reference: `get` copies, `visit` lends the value to a
/// function for the time of the read lock, so no caller holds a pointer into a shard after its
/// lock is released.
template <class K, class V, std::size_t Shards = 16, class Hash = std::hash<K>,
          class Lock = SharedSpinLock>
class ShardedMap {
  static_assert(Shards > 0, "a ShardedMap needs at least one shard");

 public:
  ShardedMap() = default;
  /// Uses `hash` for the keys (shard choice and buckets inside the shard).
  explicit ShardedMap(const Hash& hash) : hash_(hash) {
    for (auto& shard : shards_)
      shard->map = Map(0, hash);
  }
  ShardedMap(const ShardedMap&) = delete;
  ShardedMap& operator=(const ShardedMap&) = delete;

  /// Sets `key` to `value`, replacing an existing value. Returns true if the key was new.
  bool insert(const K& key, V value) {
    auto& shard = shard_of(key);
    std::unique_lock lock(shard.mutex);
    return shard.map.insert_or_assign(key, std::move(value)).second;
  }

  /// A copy of the value of `key`, or empty. Takes the shard's lock shared. To look at a large
  /// value without copying it, use `visit`.
  std::optional<V> get(const K& key) const {
    std::optional<V> copy;
    visit(key, [&](const V& value) { copy.emplace(value); });
    return copy;
  }

  /// Calls `fn(const V&)` on the value of `key`, in place, under the shard's shared lock (no
  /// copy); returns false without calling it when the key is absent. `fn` must be short, must not
  /// keep a reference to the value, and must not touch this map. Whatever `fn` throws propagates
  /// (the lock is released). Sequential equivalent: `if (auto it = m.find(key); it != m.end())
  /// fn(it->second)`.
  template <class F>
  bool visit(const K& key, F&& fn) const {
    const auto& shard = shard_of(key);
    std::shared_lock lock(shard.mutex);
    const auto it = shard.map.find(key);
    if (it == shard.map.end())
      return false;
    std::invoke(std::forward<F>(fn), std::as_const(it->second));
    return true;
  }

  /// True if `key` is in the map (at the instant its shard was looked at).
  bool contains(const K& key) const {
    const auto& shard = shard_of(key);
    std::shared_lock lock(shard.mutex);
    return shard.map.find(key) != shard.map.end();
  }

  /// Atomically replaces the value of `key` with `fn(old)`, where `old` is the current value or
  /// empty, and returns the new value. `fn` runs under the shard's exclusive lock: keep it short,
  /// and never touch this map from inside it. If `fn` throws, the map is unchanged.
  /// Sequential equivalent: `m[key] = fn(m.contains(key) ? optional(m[key]) : nullopt)`.
  template <class F>
  V update(const K& key, F&& fn) {
    auto& shard = shard_of(key);
    std::unique_lock lock(shard.mutex);
    const auto it = shard.map.find(key);
    if (it == shard.map.end()) {
      V fresh = std::invoke(std::forward<F>(fn), std::optional<V>());
      shard.map.emplace(key, fresh);
      return fresh;
    }
    it->second = std::invoke(std::forward<F>(fn), std::optional<V>(it->second));
    return it->second;
  }

  /// Removes `key`; true if it was there.
  bool erase(const K& key) {
    auto& shard = shard_of(key);
    std::unique_lock lock(shard.mutex);
    return shard.map.erase(key) != 0;
  }

  /// The number of keys. Shards are counted one after the other, so under concurrent updates the
  /// result is a value the map had at no single instant, only an approximation.
  std::size_t size() const {
    std::size_t n = 0;
    for (const auto& shard : shards_) {
      std::shared_lock lock(shard->mutex);
      n += shard->map.size();
    }
    return n;
  }

  /// Calls `fn(const K&, const V&)` for every entry, shard by shard, each under its shared lock
  /// (so `fn` must not modify this map). Entries changed concurrently in a shard not yet visited
  /// are seen with their new value.
  template <class F>
  void for_each(F&& fn) const {
    for (const auto& shard : shards_) {
      std::shared_lock lock(shard->mutex);
      for (const auto& [key, value] : shard->map)
        fn(key, value);
    }
  }

  /// The number of shards.
  static constexpr std::size_t shard_count() noexcept { return Shards; }

 private:
  using Map = std::unordered_map<K, V, Hash>;
  struct Shard {
    mutable Lock mutex;
    Map map;
  };

  /// The shard of a key. std::hash of an integer is the integer itself on libstdc++, so the hash
  /// is mixed (Fibonacci hashing: multiply by 2^64 / golden ratio, take the high bits) before it
  /// picks a shard; otherwise keys 0, 16, 32, ... would all land in shard 0.
  std::size_t index_of(const K& key) const {
    const std::uint64_t mixed = static_cast<std::uint64_t>(hash_(key)) * 0x9E3779B97F4A7C15ull;
    return static_cast<std::size_t>((mixed >> 32) % Shards);
  }
  Shard& shard_of(const K& key) { return *shards_[index_of(key)]; }
  const Shard& shard_of(const K& key) const { return *shards_[index_of(key)]; }

  Hash hash_{};
  std::array<CachePadded<Shard>, Shards> shards_;
};

}  // namespace hypar
