// Field files with parallel HDF5: collective hyperslab I/O, atomic replacement, and errors every
// rank agrees on. See the design note in <hypar/io/hdf5.hpp>.
#include <fcntl.h>
#include <hdf5.h>
#include <mpi.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <hypar/core/error.hpp>
#include <hypar/core/interrupt.hpp>
#include <hypar/dist/error.hpp>
#include <hypar/dist/timeout.hpp>
#include <hypar/io/files.hpp>
#include <hypar/io/hdf5.hpp>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace hypar::io {

namespace {

namespace fs = std::filesystem;

// ---- the test hook ----------------------------------------------------------------------------

detail::WriteFault g_fault = detail::WriteFault::none;
int g_fault_rank = -1;
bool g_fault_crash = false;

/// A failure of one step on this rank; its message is what every rank will throw.
class StepError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

void maybe_inject(detail::WriteFault here, const dist::Communicator& comm, const char* what) {
  if (g_fault != here || g_fault_rank != comm.rank())
    return;
  if (g_fault_crash)
    std::_Exit(86);
  throw StepError(std::string("injected failure (test hook) ") + what);
}

// ---- HDF5 plumbing ----------------------------------------------------------------------------

/// Switches HDF5's automatic error printing off for its lifetime and then restores whatever the
/// program had set: failures become exceptions, and a program that uses HDF5 itself keeps its own
/// setting.
class QuietHdf5 {
 public:
  QuietHdf5() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  QuietHdf5(const QuietHdf5&) = delete;
  QuietHdf5& operator=(const QuietHdf5&) = delete;
  ~QuietHdf5() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

std::string one_line(const char* text) {
  std::string s = text != nullptr ? text : "";
  for (char& c : s)
    if (c == '\n' || c == '\r')
      c = ' ';
  while (!s.empty() && s.back() == ' ')
    s.pop_back();
  return s;
}

/// The outermost and the innermost description on HDF5's error stack: the API call's own
/// ("unable to create file") and its root cause ("MPI_File_open failed: ... no such file").
struct StackEnds {
  std::string outer, inner;
  int depth = 0;
};

herr_t collect_ends(unsigned n, const H5E_error2_t* e, void* data) {
  auto* ends = static_cast<StackEnds*>(data);
  const std::string desc = one_line(e->desc);
  if (n == 0)
    ends->outer = desc;
  ends->inner = desc;
  ++ends->depth;
  return 0;
}

/// "<call> failed: <outer> (<inner>)" from HDF5's error stack, which it then clears.
std::string hdf5_message(const char* call) {
  StackEnds ends;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_ends, &ends);
  H5Eclear2(H5E_DEFAULT);
  std::string m = std::string(call) + " failed";
  if (!ends.outer.empty())
    m += ": " + ends.outer;
  if (ends.depth > 1 && !ends.inner.empty() && ends.inner != ends.outer)
    m += " (" + ends.inner + ")";
  return m;
}

/// Throws StepError with HDF5's message when `status` (a herr_t, htri_t or hid_t) is negative.
template <class T>
T check(T status, const char* call) {
  if (status < 0)
    throw StepError(hdf5_message(call));
  return status;
}

/// An HDF5 identifier closed with its H5?close function when the handle goes away.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, kNone)), closer_(other.closer_) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, kNone);
      closer_ = other.closer_;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  hid_t get() const noexcept { return id_; }
  /// Closes now; the message of the failure, or "" on success.
  std::string close(const char* call) {
    if (id_ < 0)
      return {};
    const herr_t status = closer_(std::exchange(id_, kNone));
    return status < 0 ? hdf5_message(call) : std::string{};
  }
  void reset() noexcept {
    if (id_ >= 0)
      closer_(std::exchange(id_, kNone));
    H5Eclear2(H5E_DEFAULT);
  }

 private:
  static constexpr hid_t kNone = -1;
  hid_t id_ = kNone;
  Closer closer_ = nullptr;
};

Handle make(hid_t id, Handle::Closer closer, const char* call) {
  return Handle(check(id, call), closer);
}

/// The file access properties of a parallel open: the MPI-IO driver on the ranks of `comm`,
/// metadata read by one rank and broadcast, metadata written collectively.
///
/// Design note: MPI-IO gets a plain copy of the communicator, never the grid's Cartesian one.
/// Open MPI's own MPI-IO (OMPIO, the default up to at least 4.1.4) groups the ranks of a
/// Cartesian communicator into aggregators by their coordinates, and that path loses parts of a
/// collective write: here (4.1.4) a 37 x 23 field written on 2 x 2 ranks came back with up to
/// half of its cells zero or garbage, varying from run to run; ROMIO, or the same ranks in a
/// plain communicator, write it right every time (it looks like open-mpi/ompi#12718).
/// MPI_Comm_split keeps the ranks and their order but drops the topology (MPI_Comm_dup, which
/// HDF5 does, would keep it). Cost: one MPI_Comm_split per open.
Handle mpio_access(const dist::Communicator& comm) {
  Handle fapl = make(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "H5Pcreate(file access)");
  MPI_Comm plain = MPI_COMM_NULL;
  if (MPI_Comm_split(comm.native(), 0, comm.rank(), &plain) != MPI_SUCCESS)
    throw StepError("MPI_Comm_split failed");
  const herr_t set = H5Pset_fapl_mpio(fapl.get(), plain, MPI_INFO_NULL);  // HDF5 keeps a copy
  MPI_Comm_free(&plain);
  check(set, "H5Pset_fapl_mpio");
  check(H5Pset_all_coll_metadata_ops(fapl.get(), true), "H5Pset_all_coll_metadata_ops");
  check(H5Pset_coll_metadata_write(fapl.get(), true), "H5Pset_coll_metadata_write");
  return fapl;
}

/// A collective data transfer.
Handle collective_transfer() {
  Handle dxpl = make(H5Pcreate(H5P_DATASET_XFER), H5Pclose, "H5Pcreate(dataset transfer)");
  check(H5Pset_dxpl_mpio(dxpl.get(), H5FD_MPIO_COLLECTIVE), "H5Pset_dxpl_mpio");
  return dxpl;
}

/// This rank's block as hyperslabs: of the file's [ny][nx] dataspace (`file_space`, selected in
/// place) and of the field's padded storage, local_ny rows of stride() cells starting at row(0),
/// whose first local_nx cells are selected (returned). The memory selection lets HDF5 move the
/// interior without a packing copy.
Handle select_block(const dist::Field2D<double>& f, hid_t file_space) {
  const dist::CartGrid2D& g = f.grid();
  const std::array<hsize_t, 2> start = {static_cast<hsize_t>(g.y0()), static_cast<hsize_t>(g.x0())};
  const std::array<hsize_t, 2> count = {static_cast<hsize_t>(g.local_ny()),
                                        static_cast<hsize_t>(g.local_nx())};
  check(
      H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
      "H5Sselect_hyperslab(file)");
  const std::array<hsize_t, 2> padded = {static_cast<hsize_t>(g.local_ny()),
                                         static_cast<hsize_t>(f.stride())};
  Handle memory =
      make(H5Screate_simple(2, padded.data(), nullptr), H5Sclose, "H5Screate_simple(memory)");
  const std::array<hsize_t, 2> origin = {0, 0};
  check(H5Sselect_hyperslab(memory.get(), H5S_SELECT_SET, origin.data(), nullptr, count.data(),
                            nullptr),
        "H5Sselect_hyperslab(memory)");
  return memory;
}

/// The dataset name as an absolute HDF5 path ("u" -> "/u"), or a StepError if it is not one.
std::string dataset_path(std::string_view dataset) {
  std::string name(dataset);
  if (name.empty() || name.front() != '/')
    name.insert(name.begin(), '/');
  if (name.size() < 2 || name.back() == '/' || name.find("//") != std::string::npos)
    throw StepError("the dataset name '" + std::string(dataset) +
                    "' is not a valid HDF5 path (non-empty names separated by '/')");
  return name;
}

// ---- agreeing across ranks --------------------------------------------------------------------

/// Every rank's outcome of a step, agreed on: "" if every rank succeeded, otherwise the message
/// of the lowest failing rank (the same string on every rank), with the rank named when not
/// every rank failed. Cost: two MPI_Allreduce of one int (and a broadcast on failure).
std::string agree(const dist::Communicator& comm, std::string error) {
  const int mine = error.empty() ? INT_MAX : comm.rank();
  int first = INT_MAX;
  dist::detail::check(MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm.native()),
                      "MPI_Allreduce");
  if (first == INT_MAX)
    return {};
  const int failed_here = error.empty() ? 0 : 1;
  int failed = 0;
  dist::detail::check(MPI_Allreduce(&failed_here, &failed, 1, MPI_INT, MPI_SUM, comm.native()),
                      "MPI_Allreduce");
  comm.broadcast(error, first);
  if (failed < comm.size()) {
    error += " (on rank " + std::to_string(first);
    if (failed > 1)
      error += " and " + std::to_string(failed - 1) + " other";
    error += " of " + std::to_string(comm.size()) + ")";
  }
  return error;
}

/// Runs `step` on this rank and agrees on the outcome (agree above).
template <class Step>
std::string run_step(const dist::Communicator& comm, Step&& step) {
  std::string error;
  try {
    step();
  } catch (const std::exception& e) {
    error = *e.what() != '\0' ? e.what() : "unknown error";
  } catch (...) {
    error = "unknown exception";
  }
  return agree(comm, std::move(error));
}

/// A StepError unless `mine` is byte for byte rank 0's `mine` (one broadcast).
void check_same_on_every_rank(const dist::Communicator& comm, const std::string& mine,
                              const char* what) {
  std::string root = mine;
  comm.broadcast(root, 0);
  if (root != mine)
    throw StepError(std::string(what) +
                    " differ from rank 0's (collective calls need the same "
                    "arguments on every rank)");
}

/// Rank 0's path, for the messages: every rank's must be the same, even when the paths differ.
std::string root_path(const dist::Communicator& comm, const fs::path& path) {
  std::string p = path.string();
  comm.broadcast(p, 0);
  return p;
}

void append_bytes(std::string& out, const void* data, std::size_t n) {
  out.append(static_cast<const char*>(data), n);
}

void append_text(std::string& out, const std::string& text) {
  const std::uint64_t n = text.size();
  append_bytes(out, &n, sizeof n);
  out += text;
}

// ---- writing ----------------------------------------------------------------------------------

std::string errno_text(int code) {
  return std::strerror(code);
}

/// Rank 0's checks of the destination, and the temporary file created (empty) by the OS, so an
/// unwritable or missing directory is reported with errno's words rather than MPI-IO's.
void create_temporary(const fs::path& path, const fs::path& temporary) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw StepError("it is a directory");
  const fs::path dir = fs::path(directory_of(path.string()));
  const fs::file_status st = fs::status(dir, ec);
  if (!fs::exists(st))
    throw StepError("the directory '" + dir.string() + "' does not exist");
  if (!fs::is_directory(st))
    throw StepError("'" + dir.string() + "' is not a directory");
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    throw StepError("cannot create the temporary file '" + temporary.string() +
                    "': " + errno_text(errno));
  }
  ::close(fd);
}

void write_scalar_attribute(hid_t dataset, const std::string& name, const FieldAttribute& value) {
  Handle space = make(H5Screate(H5S_SCALAR), H5Sclose, "H5Screate(scalar)");
  const bool integer = std::holds_alternative<std::int64_t>(value);
  Handle attribute =
      make(H5Acreate2(dataset, name.c_str(), integer ? H5T_STD_I64LE : H5T_IEEE_F64LE, space.get(),
                      H5P_DEFAULT, H5P_DEFAULT),
           H5Aclose, "H5Acreate2");
  if (integer) {
    const std::int64_t v = std::get<std::int64_t>(value);
    check(H5Awrite(attribute.get(), H5T_NATIVE_INT64, &v), "H5Awrite");
  } else {
    const double v = std::get<double>(value);
    check(H5Awrite(attribute.get(), H5T_NATIVE_DOUBLE, &v), "H5Awrite");
  }
  const std::string error = attribute.close("H5Aclose");
  if (!error.empty())
    throw StepError(error);
}

/// Whether a caller's nx / ny attribute agrees with the grid's size.
bool same_size(const FieldAttribute& value, int size) {
  if (const auto* i = std::get_if<std::int64_t>(&value))
    return *i == size;
  return std::get<double>(value) == static_cast<double>(size);
}

}  // namespace

namespace detail {

void set_write_fault(WriteFault fault, int rank, bool crash) {
  g_fault = fault;
  g_fault_rank = fault == WriteFault::none ? -1 : rank;
  g_fault_crash = crash;
}

std::filesystem::path temporary_path(const std::filesystem::path& path, long pid) {
  return fs::path(directory_of(path.string())) /
         ("." + path.filename().string() + ".tmp-" + std::to_string(pid));
}

}  // namespace detail

void write_field(const std::filesystem::path& path, const dist::Field2D<double>& f,
                 const FieldAttributes& attributes, std::string_view dataset) {
  const dist::CartGrid2D& grid = f.grid();
  const dist::Communicator& comm = grid.comm();
  const bool root = comm.rank() == 0;
  const std::string what = "hypar::io::write_field: cannot write '" + root_path(comm, path) + "'";
  const std::string watched = "the collective HDF5 write of '" + path.string() + "'";
  dist::detail::UnpolledCall watch(watched.c_str());  // under --timeout / HYPAR_TIMEOUT
  QuietHdf5 quiet;

  // Everything opened below, closed (in reverse order, by every rank alike) when a step fails.
  Handle fapl, file, file_space, dset, memory_space, dxpl;
  fs::path temporary;
  bool created = false;
  RemoveOnInterrupt interrupt_guard;  // the temporary file, from its creation to the rename
  auto fail = [&](const std::string& error) {
    dxpl.reset();
    memory_space.reset();
    dset.reset();
    file_space.reset();
    file.reset();
    fapl.reset();
    if (root && created) {
      std::error_code ec;
      fs::remove(temporary, ec);
    }
    comm.barrier();  // the temporary file is gone when any rank sees the error
    throw Error(what + ": " + error);
  };

  // 1. The same valid arguments on every rank.
  std::string name;
  std::string error = run_step(comm, [&] {
    std::string mine;
    append_text(mine, path.string());
    append_text(mine, std::string(dataset));
    for (const auto& [key, value] : attributes) {
      append_text(mine, key);
      const char index = static_cast<char>(value.index());
      append_bytes(mine, &index, 1);
      std::visit([&](auto v) { append_bytes(mine, &v, sizeof v); }, value);
    }
    check_same_on_every_rank(comm, mine, "the path, dataset name or attributes");
    if (!path.has_filename())
      throw StepError("the path names no file");
    name = dataset_path(dataset);
    for (const auto& [key, value] : attributes) {
      if (key.empty())
        throw StepError("an attribute has an empty name");
      if ((key == "nx" && !same_size(value, grid.nx())) ||
          (key == "ny" && !same_size(value, grid.ny()))) {
        throw StepError("the attribute " + key + " differs from the grid's size " +
                        std::to_string(key == "nx" ? grid.nx() : grid.ny()) +
                        " (write_field stores nx and ny itself)");
      }
    }
  });
  if (!error.empty())
    fail(error);

  // 2. Rank 0 checks the directory and creates the temporary file.
  long pid = root ? static_cast<long>(::getpid()) : 0;
  comm.broadcast(pid, 0);
  temporary = detail::temporary_path(path, pid);
  error = run_step(comm, [&] {
    if (!root)
      return;
    interrupt_guard = RemoveOnInterrupt(temporary.string());  // before the file exists
    create_temporary(path, temporary);
    created = true;
    // Not enough room for the data: say so now, plainly (the read-back in step 6b would catch it
    // too, later and less clearly).
    struct statvfs fs_info {};
    const double needed = 8.0 * grid.nx() * grid.ny() + 65536.0;
    if (::statvfs(temporary.c_str(), &fs_info) == 0) {
      const double free = static_cast<double>(fs_info.f_bavail) * fs_info.f_frsize;
      if (free < needed) {
        throw StepError("not enough free space in '" + directory_of(path.string()) +
                        "': the file needs about " +
                        std::to_string(static_cast<long long>(needed)) + " bytes, " +
                        std::to_string(static_cast<long long>(free)) + " are free");
      }
    }
  });
  if (!error.empty())
    fail(error);

  // 3. Every rank opens it through MPI-IO.
  error = run_step(comm, [&] {
    fapl = mpio_access(comm);
    file = make(H5Fcreate(temporary.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Fclose,
                "H5Fcreate");
    maybe_inject(detail::WriteFault::after_create, comm, "after creating the file");
  });
  if (!error.empty())
    fail(error);

  // 4. The dataset (contiguous, allocated at once, never filled: every cell is written next) and
  //    its attributes.
  error = run_step(comm, [&] {
    const std::array<hsize_t, 2> dims = {static_cast<hsize_t>(grid.ny()),
                                         static_cast<hsize_t>(grid.nx())};
    file_space = make(H5Screate_simple(2, dims.data(), nullptr), H5Sclose, "H5Screate_simple");
    Handle lcpl = make(H5Pcreate(H5P_LINK_CREATE), H5Pclose, "H5Pcreate(link create)");
    check(H5Pset_create_intermediate_group(lcpl.get(), 1), "H5Pset_create_intermediate_group");
    Handle dcpl = make(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "H5Pcreate(dataset create)");
    check(H5Pset_layout(dcpl.get(), H5D_CONTIGUOUS), "H5Pset_layout");
    check(H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_EARLY), "H5Pset_alloc_time");
    check(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER), "H5Pset_fill_time");
    dset = make(H5Dcreate2(file.get(), name.c_str(), H5T_IEEE_F64LE, file_space.get(), lcpl.get(),
                           dcpl.get(), H5P_DEFAULT),
                H5Dclose, "H5Dcreate2");
    write_scalar_attribute(dset.get(), "nx", std::int64_t{grid.nx()});
    write_scalar_attribute(dset.get(), "ny", std::int64_t{grid.ny()});
    for (const auto& [key, value] : attributes)
      if (key != "nx" && key != "ny")
        write_scalar_attribute(dset.get(), key, value);
  });
  if (!error.empty())
    fail(error);

  // 5. One collective write of every block, straight from the padded storage.
  error = run_step(comm, [&] {
    memory_space = select_block(f, file_space.get());
    dxpl = collective_transfer();
    check(H5Dwrite(dset.get(), H5T_NATIVE_DOUBLE, memory_space.get(), file_space.get(), dxpl.get(),
                   f.row(0).data()),
          "H5Dwrite");
    maybe_inject(detail::WriteFault::after_data, comm, "after writing the data");
  });
  if (!error.empty())
    fail(error);

  // 6. Flush (MPI_File_sync on every rank) and close. Every rank makes every call, whatever
  //    failed before it, so that no rank waits in a collective close that another rank skipped.
  error = run_step(comm, [&] {
    std::string first = dxpl.close("H5Pclose");
    std::string e = memory_space.close("H5Sclose");
    first = first.empty() ? e : first;
    e = dset.close("H5Dclose");
    first = first.empty() ? e : first;
    e = file_space.close("H5Sclose");
    first = first.empty() ? e : first;
    if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0 && first.empty())
      first = hdf5_message("H5Fflush");
    e = file.close("H5Fclose");
    first = first.empty() ? e : first;
    e = fapl.close("H5Pclose");
    first = first.empty() ? e : first;
    if (!first.empty())
      throw StepError(first);
    maybe_inject(detail::WriteFault::after_close, comm, "after closing the file");
  });
  if (!error.empty())
    fail(error);

  // 6b. Read it back and compare with the field, before it may replace anything. An MPI-IO write
  //     that fails is not always reported: on a full disk, Open MPI 4.1's OMPIO with three or more
  //     ranks aggregating returned success and left a hole of zeros where the data should be, so
  //     a checkpoint "written" that way would silently replace a good one. Costs one more read of
  //     the file (from the page cache, usually) and one block of memory per rank meanwhile.
  error = run_step(comm, [&] {
    dist::Field2D<double> back(grid, 0);
    try {
      read_field(temporary, back, dataset);
    } catch (const Error& e) {
      throw StepError(std::string("reading it back failed: ") + e.what());
    }
    if (g_fault == detail::WriteFault::lost_data && g_fault_rank == comm.rank())
      reinterpret_cast<unsigned char*>(back.row(0).data())[0] ^= 1;  // the test hook: a lost bit
    for (int j = 0; j < f.local_ny(); ++j) {
      const std::span<const double> want = f.row(j), got = std::as_const(back).row(j);
      if (std::memcmp(want.data(), got.data(), want.size_bytes()) != 0) {
        throw StepError("the data read back from '" + temporary.string() +
                        "' differs from what was written (a full disk or a failing file system: "
                        "the MPI-IO layer reported no error)");
      }
    }
  });
  if (!error.empty())
    fail(error);

  // 7. Rank 0 makes it durable and moves it into place; every rank waits for that.
  bool renamed = false;
  error = run_step(comm, [&] {
    if (!root)
      return;
    std::string e = sync_path(temporary.string(), false);
    if (!e.empty())
      throw StepError("cannot sync '" + temporary.string() + "': " + e);
    maybe_inject(detail::WriteFault::rename, comm, "instead of renaming the file");
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
      throw StepError("cannot rename '" + temporary.string() + "' to it: " + errno_text(errno));
    }
    renamed = true;
    e = sync_path(directory_of(path.string()), true);
    if (!e.empty()) {
      throw StepError("the new file is in place, but syncing its directory '" +
                      directory_of(path.string()) + "' failed: " + e);
    }
  });
  if (!error.empty()) {
    created = created && !renamed;
    fail(error);
  }
}

// ---- reading ----------------------------------------------------------------------------------

namespace {

const char* class_name(H5T_class_t c) {
  switch (c) {
    case H5T_INTEGER:
      return "integer";
    case H5T_FLOAT:
      return "floating-point";
    case H5T_STRING:
      return "string";
    case H5T_BITFIELD:
      return "bitfield";
    case H5T_OPAQUE:
      return "opaque";
    case H5T_COMPOUND:
      return "compound";
    case H5T_REFERENCE:
      return "reference";
    case H5T_ENUM:
      return "enum";
    case H5T_VLEN:
      return "variable-length";
    case H5T_ARRAY:
      return "array";
    default:
      return "unknown";
  }
}

/// Adds a numeric attribute with one element to the FieldFileInfo at `data`; skips the others.
herr_t collect_attribute(hid_t location, const char* name, const H5A_info_t*, void* data) {
  auto* info = static_cast<FieldFileInfo*>(data);
  const hid_t attribute = H5Aopen(location, name, H5P_DEFAULT);
  if (attribute < 0) {
    H5Eclear2(H5E_DEFAULT);
    return 0;
  }
  const hid_t space = H5Aget_space(attribute);
  const hid_t type = H5Aget_type(attribute);
  const H5T_class_t cls = type >= 0 ? H5Tget_class(type) : H5T_NO_CLASS;
  const bool one = space >= 0 && H5Sget_simple_extent_npoints(space) == 1;
  double value = 0;
  if (one && (cls == H5T_INTEGER || cls == H5T_FLOAT) &&
      H5Aread(attribute, H5T_NATIVE_DOUBLE, &value) >= 0)
    info->attributes[name] = value;
  if (type >= 0)
    H5Tclose(type);
  if (space >= 0)
    H5Sclose(space);
  H5Aclose(attribute);
  H5Eclear2(H5E_DEFAULT);
  return 0;
}

/// The names in a group, for an error message: "'a', 'b'" (at most 8, then "...").
std::string names_in(hid_t file, const std::string& group) {
  H5G_info_t g{};
  if (H5Gget_info_by_name(file, group.c_str(), &g, H5P_DEFAULT) < 0) {
    H5Eclear2(H5E_DEFAULT);
    return "nothing readable";
  }
  std::string out;
  for (hsize_t k = 0; k < g.nlinks && k < 8; ++k) {
    std::array<char, 256> buffer{};
    if (H5Lget_name_by_idx(file, group.c_str(), H5_INDEX_NAME, H5_ITER_INC, k, buffer.data(),
                           buffer.size(), H5P_DEFAULT) < 0)
      break;
    out += (out.empty() ? "'" : ", '") + std::string(buffer.data()) + "'";
  }
  H5Eclear2(H5E_DEFAULT);
  if (g.nlinks > 8)
    out += ", ...";
  return out.empty() ? "nothing" : out;
}

/// Rank 0's serial inspection of a field file (sec2 driver). StepError on any problem.
FieldFileInfo inspect(const fs::path& path, const std::string& name) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (!fs::exists(st)) {
    throw StepError(ec && ec != std::errc::no_such_file_or_directory
                        ? "cannot access it: " + ec.message()
                        : "the file does not exist");
  }
  if (fs::is_directory(st))
    throw StepError("it is a directory, not an HDF5 file");
#if H5_VERSION_GE(1, 12, 0)
  const htri_t is_hdf5 = H5Fis_accessible(path.c_str(), H5P_DEFAULT);
#else
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
#endif
  if (is_hdf5 < 0)
    throw StepError(hdf5_message("opening it"));
  if (is_hdf5 == 0)
    throw StepError("it is not an HDF5 file (no HDF5 signature)");
  Handle fapl = make(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "H5Pcreate(file access)");
#if H5_VERSION_GE(1, 10, 7)
  // Lock the file while reading it, except on file systems without locks (some NFS and Lustre
  // mounts), where HDF5 would otherwise refuse to open it.
  check(H5Pset_file_locking(fapl.get(), true, true), "H5Pset_file_locking");
#endif
  Handle file = make(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose, "H5Fopen");

  // Each component of the path must exist (H5Lexists needs its parent to).
  for (std::size_t at = name.find('/', 1);; at = name.find('/', at + 1)) {
    const std::string prefix = name.substr(0, at);
    const htri_t exists = H5Lexists(file.get(), prefix.c_str(), H5P_DEFAULT);
    if (exists < 0)
      throw StepError(hdf5_message("H5Lexists"));
    if (exists == 0) {
      const std::size_t slash = prefix.rfind('/');
      const std::string parent = slash == 0 ? "/" : prefix.substr(0, slash);
      throw StepError("it has no dataset '" + name + "' ('" + parent + "' holds " +
                      names_in(file.get(), parent) + ")");
    }
    if (at == std::string::npos)
      break;
  }
  Handle object = make(H5Oopen(file.get(), name.c_str(), H5P_DEFAULT), H5Oclose, "H5Oopen");
  if (H5Iget_type(object.get()) != H5I_DATASET)
    throw StepError("'" + name + "' is not a dataset (a group or a named type)");

  Handle space = make(H5Dget_space(object.get()), H5Sclose, "H5Dget_space");
  if (H5Sget_simple_extent_type(space.get()) != H5S_SIMPLE)
    throw StepError("the dataset '" + name + "' is a scalar or empty, expected 2D [ny][nx]");
  const int ndims = check(H5Sget_simple_extent_ndims(space.get()), "H5Sget_simple_extent_ndims");
  std::vector<hsize_t> dims(static_cast<std::size_t>(ndims));
  check(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr), "H5Sget_simple_extent_dims");
  std::string shape;
  for (hsize_t d : dims)
    shape += "[" + std::to_string(d) + "]";
  if (ndims != 2) {
    throw StepError("the dataset '" + name + "' is " + std::to_string(ndims) + "-dimensional " +
                    shape + ", expected 2D [ny][nx]");
  }
  if (dims[0] == 0 || dims[1] == 0 || dims[0] > static_cast<hsize_t>(INT_MAX) ||
      dims[1] > static_cast<hsize_t>(INT_MAX)) {
    throw StepError("the dataset '" + name + "' has shape " + shape +
                    ", expected sizes from 1 to 2^31 - 1");
  }
  Handle type = make(H5Dget_type(object.get()), H5Tclose, "H5Dget_type");
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_FLOAT) {
    throw StepError("the dataset '" + name + "' has " + class_name(cls) +
                    " elements, expected a floating-point type (float64 or float32)");
  }
  FieldFileInfo info;
  info.ny = static_cast<int>(dims[0]);
  info.nx = static_cast<int>(dims[1]);
  hsize_t index = 0;
  check(H5Aiterate2(object.get(), H5_INDEX_NAME, H5_ITER_INC, &index, collect_attribute, &info),
        "H5Aiterate2");
  return info;
}

/// read_field_info's work, with `who` naming the public function in messages.
FieldFileInfo read_info(const dist::Communicator& comm, const fs::path& path,
                        std::string_view dataset, const std::string& what) {
  QuietHdf5 quiet;
  std::string name;
  std::string error = run_step(comm, [&] {
    std::string mine;
    append_text(mine, path.string());
    append_text(mine, std::string(dataset));
    check_same_on_every_rank(comm, mine, "the path or dataset name");
    name = dataset_path(dataset);
  });
  if (!error.empty())
    throw Error(what + ": " + error);

  FieldFileInfo info;
  error = run_step(comm, [&] {
    if (comm.rank() == 0)
      info = inspect(path, name);
  });
  if (!error.empty())
    throw Error(what + ": " + error);
  std::array<int, 2> shape = {info.nx, info.ny};
  comm.broadcast(shape, 0);
  std::vector<std::string> keys;
  std::vector<double> values;
  for (const auto& [key, value] : info.attributes) {
    keys.push_back(key);
    values.push_back(value);
  }
  comm.broadcast(keys, 0);
  comm.broadcast(values, 0);
  info.nx = shape[0];
  info.ny = shape[1];
  info.attributes.clear();
  for (std::size_t k = 0; k < keys.size(); ++k)
    info.attributes.emplace(keys[k], values[k]);
  return info;
}

}  // namespace

FieldFileInfo read_field_info(const dist::Communicator& comm, const std::filesystem::path& path,
                              std::string_view dataset) {
  return read_info(comm, path, dataset,
                   "hypar::io::read_field_info: cannot read '" + root_path(comm, path) + "'");
}

FieldFileInfo read_field_info(const std::filesystem::path& path, std::string_view dataset) {
  return read_field_info(dist::Communicator(MPI_COMM_WORLD), path, dataset);
}

FieldFileInfo read_field(const std::filesystem::path& path, dist::Field2D<double>& f,
                         std::string_view dataset) {
  const dist::CartGrid2D& grid = f.grid();
  const dist::Communicator& comm = grid.comm();
  const std::string what = "hypar::io::read_field: cannot read '" + root_path(comm, path) + "'";
  const std::string watched = "the collective HDF5 read of '" + path.string() + "'";
  dist::detail::UnpolledCall watch(watched.c_str());  // under --timeout / HYPAR_TIMEOUT
  FieldFileInfo info = read_info(comm, path, dataset, what);
  const std::string name = dataset_path(dataset);  // valid: read_info checked it
  if (info.nx != grid.nx() || info.ny != grid.ny()) {
    throw Error(what + ": the dataset '" + name + "' is [ny][nx] = [" + std::to_string(info.ny) +
                "][" + std::to_string(info.nx) + "], but the field's grid is [" +
                std::to_string(grid.ny()) + "][" + std::to_string(grid.nx()) + "]");
  }

  QuietHdf5 quiet;
  Handle fapl, file, dset, file_space, memory_space, dxpl;
  auto fail = [&](const std::string& error) {
    dxpl.reset();
    memory_space.reset();
    file_space.reset();
    dset.reset();
    file.reset();
    fapl.reset();
    throw Error(what + ": " + error);
  };
  std::string error = run_step(comm, [&] {
    fapl = mpio_access(comm);
    file = make(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose, "H5Fopen");
    dset = make(H5Dopen2(file.get(), name.c_str(), H5P_DEFAULT), H5Dclose, "H5Dopen2");
    file_space = make(H5Dget_space(dset.get()), H5Sclose, "H5Dget_space");
  });
  if (!error.empty())
    fail(error);
  // One collective read of every block, straight into the padded storage (HDF5 converts a
  // float32 or other floating-point dataset to double on the way).
  error = run_step(comm, [&] {
    memory_space = select_block(f, file_space.get());
    dxpl = collective_transfer();
    check(H5Dread(dset.get(), H5T_NATIVE_DOUBLE, memory_space.get(), file_space.get(), dxpl.get(),
                  f.row(0).data()),
          "H5Dread");
  });
  if (!error.empty())
    fail(error);
  error = run_step(comm, [&] {
    std::string first;
    const std::pair<Handle*, const char*> handles[] = {
        {&dxpl, "H5Pclose"}, {&memory_space, "H5Sclose"}, {&file_space, "H5Sclose"},
        {&dset, "H5Dclose"}, {&file, "H5Fclose"},         {&fapl, "H5Pclose"}};
    for (const auto& [handle, call] : handles) {
      const std::string e = handle->close(call);
      first = first.empty() ? e : first;
    }
    if (!first.empty())
      throw StepError(first);
  });
  if (!error.empty())
    fail(error);
  return info;
}

}  // namespace hypar::io
