#pragma once
// Vectorised, single-threaded inner loops (namespace hypar::kernels). Callers parallelise.

#include <hypar/kernels/isa.hpp>
#include <hypar/kernels/text.hpp>
