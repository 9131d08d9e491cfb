#pragma once
// Field files: a distributed 2D field written to and read from one HDF5 file with parallel HDF5
// (MPI-IO), collectively, in any process grid. Needs hypar built with HYPAR_WITH_HDF5.
//
// Design note: the file format and how it is written
// ---------------------------------------------------
// A field file holds the global array as one dataset (default `/u`), float64 (IEEE, little
// endian) of shape [ny][nx], contiguous, with scalar attributes on the dataset: `nx` and `ny`
// (int64, always) and the caller's (int64 or float64). Nothing in it records the process grid,
// so the file is layout-free: any number of ranks in any process grid reads it back, the same
// way h5py or h5dump do, and a run may restart on another machine size.
//
// Collective I/O with hyperslabs. Every rank selects its block [y0, y0 + local_ny) x [x0, x0 +
// local_nx) of the file's dataspace as a hyperslab, and the padded local storage of the field as
// a second hyperslab (local_ny rows of stride() cells, the first local_nx of each selected), so
// HDF5 moves the interior straight from (or into) the field without a packing copy. One
// collective H5Dwrite / H5Dread (H5FD_MPIO_COLLECTIVE) then lets MPI-IO merge the blocks into
// large contiguous file accesses (two-phase I/O) instead of local_ny small ones per rank.
// float64 to float64 needs no conversion, so values round-trip bit for bit (NaN payloads and
// signed zeros included): a restart continues bitwise. Metadata operations are collective too
// (H5Pset_all_coll_metadata_ops, H5Pset_coll_metadata_write): rank 0 reads the metadata and
// broadcasts it instead of every rank reading it. MPI-IO runs on a plain copy of the grid's
// communicator, without its Cartesian topology, because Open MPI's OMPIO (4.1.4 here) loses data
// in collective writes on Cartesian communicators (see mpio_access in src/io/hdf5/hdf5.cpp).
// Measured (4096^2 doubles, 2 ranks, into the page cache): the hyperslab from the padded storage
// writes 1.3 to 1.7 times faster than packing the interior into a buffer first; contiguous and
// chunked datasets were within noise, and contiguous needs no chunk index and suits any layout.
//
// Atomic replacement. write_field never writes the named file in place: it writes
// `.NAME.tmp-<pid of rank 0>` in the same directory, flushes it (MPI_File_sync on every rank)
// and closes it on every rank; then rank 0 fsyncs it, renames it over NAME (atomic within a
// file system) and fsyncs the directory, and every rank waits for that. A crash at any point
// leaves either the previous file or the new one under NAME, never a torn one; at worst a
// temporary file stays behind.
//
// Errors agree. After each collective step every rank reports success or failure (one
// MPI_Allreduce of an int): if any rank failed, all ranks close what they opened, rank 0 removes
// the temporary file, and every rank throws the same hypar::Error (the first failing rank's
// message, broadcast), naming the path. So no rank goes on to a step that another rank skipped.
// (A call that fails on some ranks only, inside one HDF5 collective, can still hang in HDF5 or
// MPI-IO itself: rank 0 checks the directory and creates the file first so that the common
// failures happen before any collective HDF5 call.) The reading side validates the file on
// rank 0 (serially) and broadcasts the result or the error before any rank opens it in parallel.
//
// HDF5's own error printing is switched off around each call (and restored after), and HDF5's
// messages (the failing call and its innermost cause, e.g. MPI_File_open's) go into the thrown
// message. Call these functions from one thread per rank at a time (HDF5 is not thread-safe).

#if !defined(HYPAR_WITH_HDF5)
#error "<hypar/io/hdf5.hpp> needs hypar built with parallel HDF5 (HYPAR_WITH_HDF5=ON)"
#endif

#include <cstdint>
#include <filesystem>
#include <hypar/dist/field.hpp>
#include <map>
#include <string>
#include <string_view>
#include <variant>

namespace hypar::io {

/// One scalar attribute to write: an int64 (counts such as `steps`) or a float64 (parameters such
/// as `r`). `{"steps", 10}` picks int64 and `{"r", 0.25}` float64; a `std::size_t` must be cast.
using FieldAttribute = std::variant<std::int64_t, double>;

/// The attributes write_field stores on the dataset, by name.
using FieldAttributes = std::map<std::string, FieldAttribute>;

/// What read_field_info finds in a field file.
struct FieldFileInfo {
  /// The dataset's shape: [ny][nx] (nx varies fastest).
  int nx = 0;
  int ny = 0;
  /// Every numeric scalar attribute of the dataset (nx and ny included, as the writer stores
  /// them), converted to double: integers are exact up to 2^53. Attributes of other types
  /// (strings, arrays) are skipped.
  std::map<std::string, double> attributes;
};

/// Writes the interior of `f` (halos are not stored) to the HDF5 file `path` as the float64
/// dataset `dataset` of shape [ny][nx], with the attributes nx, ny (int64) and `attributes`,
/// replacing any existing file atomically (design note above). `dataset` may be a path such as
/// "fields/u" (the groups are created). Collective over f.grid().comm(): every rank passes the
/// same `path`, `dataset` and `attributes`. Sequential equivalent: h5py's
/// `File(path, "w").create_dataset(dataset, data=u)` on the gathered array, written to a
/// temporary name and renamed. Cost: one collective write of nx * ny * 8 bytes, plus a few small
/// collectives, an fsync of the file and of its directory.
/// Throws hypar::Error on every rank, naming `path`, when the arguments differ between ranks or
/// are invalid (an empty dataset name, an attribute named nx or ny with another value than the
/// grid's, a path naming a directory), when the directory is missing or not writable, or when
/// HDF5 or the file system fails (full disk, I/O error); the previous file is then intact and
/// the temporary file removed.
void write_field(const std::filesystem::path& path, const dist::Field2D<double>& f,
                 const FieldAttributes& attributes = {}, std::string_view dataset = "u");

/// The shape and numeric attributes of the dataset `dataset` of the field file `path`. Collective
/// over `comm` (rank 0 reads the file and broadcasts). Sequential equivalent: h5py's
/// `d = File(path)[dataset]; d.shape, dict(d.attrs)`. Cost: one serial open on rank 0 and two
/// broadcasts. Throws hypar::Error on every rank, naming the path, when the file does not exist
/// or cannot be read, is not an HDF5 file, has no object `dataset` or one that is not a dataset,
/// or the dataset is not 2D or not of a floating-point type.
FieldFileInfo read_field_info(const dist::Communicator& comm, const std::filesystem::path& path,
                              std::string_view dataset = "u");
/// read_field_info over MPI_COMM_WORLD: for learning a file's size before the grid exists
/// (e.g. to start a run from a field file). Collective over every rank of MPI_COMM_WORLD.
FieldFileInfo read_field_info(const std::filesystem::path& path, std::string_view dataset = "u");

/// Reads the dataset `dataset` of the field file `path` into the interior of `f` (halos are left
/// as they are) and returns what read_field_info does. Any process grid reads any file of the
/// grid's global size, whatever layout wrote it; float64 files round-trip bitwise and other
/// floating-point types (float32, ...) are converted by HDF5. Collective over f.grid().comm().
/// Sequential equivalent: `u = File(path)[dataset][...]`, then scatter. Cost: read_field_info,
/// then one collective read of nx * ny values. Throws hypar::Error on every rank as
/// read_field_info does, when the file's [ny][nx] differs from the grid's, or when HDF5 fails.
FieldFileInfo read_field(const std::filesystem::path& path, dist::Field2D<double>& f,
                         std::string_view dataset = "u");

namespace detail {

/// The steps of write_field at which the test hook below can make a rank fail.
enum class WriteFault {
  none,
  after_create,  ///< the temporary file exists, empty
  after_data,    ///< the data is written, the file still open
  after_close,   ///< the temporary file is complete and closed, not yet renamed
  rename,        ///< rank 0's rename over the final name (only rank 0 can fail there)
  lost_data,     ///< the data reads back different on this rank, as a silently failed write would
};

/// Test hook: from now on write_field fails on rank `rank` of its communicator at step `fault`,
/// as a real failure there would (every rank throws, the temporary file is removed); with
/// `crash`, that rank ends its process at once instead (std::_Exit(86)), as a crash would.
/// `WriteFault::none` switches it off. Not thread-safe; for tests only.
void set_write_fault(WriteFault fault, int rank, bool crash = false);

/// The temporary file name write_field uses for `path` when rank 0's pid is `pid`:
/// `.NAME.tmp-<pid>` in the same directory.
std::filesystem::path temporary_path(const std::filesystem::path& path, long pid);

}  // namespace detail

}  // namespace hypar::io
