#pragma once
// Part header for the io layer: expanding command-line inputs into the files to process (walking
// directories in a deterministic order, every problem kept as an error entry), PNG pictures of
// 2D fields (colour map, colour bar, numbered frames), and, when hypar was built with parallel
// HDF5 (HYPAR_WITH_HDF5), distributed 2D fields in HDF5 files.

#include <hypar/io/png.hpp>
#include <hypar/io/walk.hpp>
#if defined(HYPAR_WITH_HDF5)
#include <hypar/io/hdf5.hpp>
#endif
