// Seed pattern "Minimize Lock Contention": a cache of word -> count filled by many threads.
// One lock around one map serialises every thread; hypar::ShardedMap has one reader-writer lock
// per cache-padded shard, so threads that touch different words rarely meet. Both are timed and
// both counts are checked against a sequential count; then every word is read back in place
// with visit() (the seed's read under the shard's read lock) and the sum checked.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <hypar/hypar.hpp>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

int main() {
  // 400 000 words out of a vocabulary of 5 000.
  std::vector<std::string> words;
  std::uint64_t state = 12345;
  for (int i = 0; i < 400'000; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    words.push_back("w" + std::to_string((state >> 33) % 5000));
  }

  // BAD: a single lock for everything.
  std::shared_mutex big_lock;
  std::unordered_map<std::string, long> single;
  auto start = std::chrono::steady_clock::now();
  hypar::par_iter(words).for_each([&](const std::string& w) {
    std::unique_lock lock(big_lock);
    ++single[w];
  });
  const double t_single =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // GOOD: sharded locks.
  hypar::ShardedMap<std::string, long, 16> sharded;
  start = std::chrono::steady_clock::now();
  hypar::par_iter(words).for_each([&](const std::string& w) {
    sharded.update(w, [](std::optional<long> old) { return old.value_or(0) + 1; });
  });
  const double t_sharded =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::map<std::string, long> reference;
  for (const auto& w : words)
    ++reference[w];
  bool ok = sharded.size() == reference.size() && single.size() == reference.size();
  sharded.for_each(
      [&](const std::string& w, long n) { ok = ok && reference[w] == n && single[w] == n; });

  // Reading, as the seed's cache does under its read lock: visit() lends the value in place (no
  // copy, the shard's lock held shared); contains() only asks.
  std::atomic<long> read_total{0};
  hypar::par_iter(words).for_each([&](const std::string& w) {
    sharded.visit(w, [&](const long& n) { read_total.fetch_add(n, std::memory_order_relaxed); });
  });
  long expected_total = 0;
  for (const auto& w : words)
    expected_total += reference[w];
  ok = ok && read_total.load() == expected_total && sharded.contains("w42") &&
       !sharded.contains("not a word");

  std::printf("%zu distinct words of %zu, on %zu threads\n", reference.size(), words.size(),
              hypar::current_num_threads());
  std::printf("one lock:               %.3f s\n", t_single);
  std::printf("ShardedMap (%zu shards): %.3f s\n", sharded.shard_count(), t_sharded);
  std::printf("count of \"w42\": %ld\n", sharded.get("w42").value_or(0));
  if (!ok) {
    std::printf("FAILED: the counts differ from the sequential count\n");
    return 1;
  }
  std::printf("OK\n");
  return 0;
}
