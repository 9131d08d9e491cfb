// A ShardedMap spreads keys over its shards: it needs at least one.
#include <hypar/sync/sharded_map.hpp>

int main() {
  hypar::ShardedMap<int, int, 0> map;
  return static_cast<int>(map.size());
}
