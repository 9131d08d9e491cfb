#pragma once
// Part header for the runtime (API.md section 3): thread pools, current_num_threads, join,
// scope and thread_scope.

#include <hypar/core/error.hpp>
#include <hypar/core/interference.hpp>
#include <hypar/core/join.hpp>
#include <hypar/core/pool.hpp>
#include <hypar/core/scope.hpp>
#include <hypar/core/thread_scope.hpp>
#include <hypar/core/threads.hpp>
