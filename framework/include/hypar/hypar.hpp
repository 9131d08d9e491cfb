#pragma once
// The umbrella header: every part of hypar's public API, the kernels and the io layer included.
// Each part also has a header of its own (<hypar/core.hpp>, <hypar/par.hpp>, <hypar/sort.hpp>,
// <hypar/sync.hpp>, <hypar/chan.hpp>, <hypar/flow.hpp>, <hypar/io.hpp>, <hypar/dist.hpp>,
// <hypar/kernels.hpp>). The distributed layer is included when hypar was built with MPI.

#include <hypar/chan.hpp>
#include <hypar/core.hpp>
#include <hypar/flow.hpp>
#include <hypar/io.hpp>
#include <hypar/kernels.hpp>
#include <hypar/par.hpp>
#include <hypar/sort.hpp>
#include <hypar/sync.hpp>
#include <hypar/version.hpp>
#if defined(HYPAR_WITH_MPI) && HYPAR_WITH_MPI
#include <hypar/dist.hpp>
#endif
