#pragma once
// hypar's distributed layer (namespace hypar::dist): MPI start-up, communicators, partitioning
// of files across ranks. Needs hypar built with MPI (HYPAR_WITH_MPI).

#include <hypar/dist/communicator.hpp>
#include <hypar/dist/environment.hpp>
#include <hypar/dist/error.hpp>
#include <hypar/dist/field.hpp>
#include <hypar/dist/grid.hpp>
#include <hypar/dist/halo.hpp>
#include <hypar/dist/iter.hpp>
#include <hypar/dist/partition.hpp>
#include <hypar/dist/progress.hpp>
#include <hypar/dist/sort.hpp>
#include <hypar/dist/stencil.hpp>
#include <hypar/dist/timeout.hpp>
