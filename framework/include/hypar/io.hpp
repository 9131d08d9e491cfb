#pragma once
// Part header for the io layer: expanding command-line inputs into the files to process (walking
// directories in a deterministic order, every problem kept as an error entry).

#include <hypar/io/walk.hpp>
