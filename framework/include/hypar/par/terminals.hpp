#pragma once
// The terminals' reducers, one header per terminal family (the protocol they implement is in
// <hypar/par/bridge.hpp>; ParIter's terminals in <hypar/par/iter.hpp> call them).

#include <hypar/par/terminals/collect.hpp>
#include <hypar/par/terminals/count.hpp>
#include <hypar/par/terminals/for_each.hpp>
#include <hypar/par/terminals/min_max.hpp>
#include <hypar/par/terminals/reduce.hpp>
#include <hypar/par/terminals/short_circuit.hpp>
