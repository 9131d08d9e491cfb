#pragma once
// Part header for the io layer: expanding command-line inputs into the files to process (walking
// directories in a deterministic order, every problem kept as an error entry), and PNG pictures
// of 2D fields (colour map, colour bar, numbered frames).

#include <hypar/io/png.hpp>
#include <hypar/io/walk.hpp>
