#pragma once
// The umbrella header: everything of hypar's public API. Each part also has a header of its own
// (<hypar/par.hpp>, <hypar/chan.hpp>, <hypar/dist.hpp>, <hypar/kernels.hpp>, ...).

#include <hypar/chan.hpp>
#include <hypar/core.hpp>
#include <hypar/core/config.hpp>
#include <hypar/core/error.hpp>
#include <hypar/core/topology.hpp>
#include <hypar/flow.hpp>
#include <hypar/par.hpp>
#include <hypar/sort.hpp>
#include <hypar/sync.hpp>
#include <hypar/version.hpp>
#if defined(HYPAR_WITH_MPI) && HYPAR_WITH_MPI
#include <hypar/dist.hpp>
#endif
