#pragma once
// Tools that avoid contention (API.md section 6): CachePadded, ShardedMap, ThreadLocal, Progress.

#include <hypar/sync/cache_padded.hpp>
#include <hypar/sync/progress.hpp>
#include <hypar/sync/sharded_map.hpp>
#include <hypar/sync/thread_local.hpp>
