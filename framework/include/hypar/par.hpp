#pragma once
// Part header for the parallel iterators (API.md section 1): sources (par_range, par_iter,
// par_iter_mut, into_par_iter, par_chunks, par_chunks_mut), lazy adaptors and terminals, on the
// runtime of <hypar/core.hpp>.

#include <hypar/core.hpp>
#include <hypar/par/bridge.hpp>
#include <hypar/par/iter.hpp>
#include <hypar/par/sources.hpp>
