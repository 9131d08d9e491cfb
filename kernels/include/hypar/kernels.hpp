#pragma once
// Vectorised, single-threaded inner loops (namespace hypar::kernels). Callers parallelise.

#include <hypar/kernels/checksum.hpp>
#include <hypar/kernels/error.hpp>
#include <hypar/kernels/heat.hpp>
#include <hypar/kernels/isa.hpp>
#include <hypar/kernels/stencil.hpp>
#include <hypar/kernels/text.hpp>
#include <hypar/kernels/vector.hpp>
