// The positive control: the right use of every API whose misuse is a compile_fail test here, built
// by the same harness. It must compile, so a compile_fail test fails for its misuse alone.
#include <compare>
#include <hypar/chan.hpp>
#include <hypar/chan/array_queue.hpp>
#include <hypar/core/scope.hpp>
#include <hypar/core/thread_scope.hpp>
#include <hypar/flow.hpp>
#include <hypar/par.hpp>
#include <hypar/sort.hpp>
#include <hypar/sync/sharded_map.hpp>
#include <hypar/sync/thread_local.hpp>
#include <memory>
#include <span>
#include <vector>

struct NoDefault {
  explicit NoDefault(int v) : value(v) {}
  int value;
};

int main() {
  hypar::ArrayQueue<std::unique_ptr<int>> queue(4);  // a noexcept move
  (void)queue.push(std::make_unique<int>(1));

  auto [tx, rx] = hypar::bounded<std::unique_ptr<int>>(1);  // move-only items travel
  tx.send(std::make_unique<int>(2));
  (void)rx.try_recv();

  auto piped =
      hypar::Pipeline::from(std::vector<int>{1, 2, 3}).stage([](int x) { return x + 1; }).collect();

  const auto numbered = hypar::par_range(0, 100).enumerate().count();  // indexed: fine
  auto evens = hypar::par_range(0, 100).map([](int i) { return 2 * i; });
  const auto pairs = hypar::par_range(0, 100).zip(evens).count();
  std::vector<int> v{3, 1, 2};
  const auto zipped = hypar::par_range(0, 3).zip(hypar::par_iter(v)).count();

  hypar::par_iter_mut(v).for_each([](int& x) { x += 1; });
  hypar::par_chunks_mut(v, 2).for_each([](std::span<int> c) { c[0] += 1; });
  const auto ints = hypar::par_range(0L, 10L).count() + hypar::par_range('a', 'z').count();

  hypar::par_sort(v);
  hypar::par_sort_unstable(v);
  hypar::par_sort_by(v, [](int a, int b) { return a > b; });
  hypar::par_sort_by(v, [](int a, int b) { return b <=> a; });
  hypar::par_sort_by_key(v, [](int a) { return a < 0; });

  hypar::ShardedMap<int, int, 1> map;
  map.insert(1, 1);

  const int scoped = hypar::scope([](hypar::Scope& s) {
    s.spawn([](hypar::Scope&) {});
    return 0;
  });
  hypar::thread_scope([](hypar::ThreadScope& s) {
    s.spawn([] {});
    s.spawn([](hypar::ThreadScope&) {});
  });

  hypar::ThreadLocal<NoDefault> tl([] { return NoDefault(5); });

  return static_cast<int>(piped.size() + numbered + pairs + zipped + ints + map.size()) + scoped +
         tl.local().value;
}
