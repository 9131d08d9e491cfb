#pragma once
// Part header for the parallel sorts (API.md section 2): par_sort, par_sort_by, par_sort_by_key,
// par_sort_by_cached_key, par_sort_unstable, par_sort_unstable_by, par_sort_unstable_by_key, on
// the runtime of <hypar/core.hpp>. Design and measurements: docs/sorting.md.

#include <hypar/core.hpp>
#include <hypar/sort/large_buffer.hpp>
#include <hypar/sort/par_sort.hpp>
#include <hypar/sort/radix_sort.hpp>
#include <hypar/sort/sample_sort.hpp>
