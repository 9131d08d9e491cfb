// Fuzzer: hypar-heat's checks of a --init / --restart field file. Two halves, picked by the first
// byte:
//  - the pure check (hypar_heat::check_field_file, options.hpp) on fuzzed options, file sizes and
//    attribute values (any double: NaN, infinities, 2^63 and beyond, fractions, -0): it accepts
//    exactly when a reference written here from its documentation does, and then returns the
//    file's size and the checkpoint's step; otherwise it throws std::invalid_argument;
//  - the HDF5 side: a file written here with the HDF5 C API, its dataset of fuzzed rank, shape,
//    element type and name and its attributes of fuzzed names, types, shapes and values, read back
//    by hypar::io::read_field_info (in a singleton MPI process, initialised once): it succeeds
//    exactly for a 2D floating-point dataset of sizes >= 1, with the right shape and exactly the
//    numeric one-element attributes as doubles, else throws hypar::Error naming the file; what it
//    returns then goes through check_field_file.
#include <fuzzer/FuzzedDataProvider.h>
#include <hdf5.h>
#include <mpi.h>
#include <sanitizer/lsan_interface.h>
#include <unistd.h>

#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <hypar/core/error.hpp>
#include <hypar/io/hdf5.hpp>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "hypar-heat/options.hpp"

namespace {

std::string g_dir;  // a private temporary directory for the HDF5 files

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "heat_restart: %s\n", what.c_str());
  std::abort();
}

/// At exit: removes the files. MPI is left initialised on purpose: MPI_Finalize unloads Open MPI's
/// plugins and leaves their process-lifetime allocations to LeakSanitizer as leaks of unknown
/// modules, which no suppression can name; unfinalised, they stay reachable.
void finish() {
  if (!g_dir.empty())
    std::filesystem::remove_all(g_dir);
}

/// A double from the input: often one of the awkward ones, else any bit pattern.
double fuzzed_double(FuzzedDataProvider& in, double typical) {
  static const double awkward[] = {std::numeric_limits<double>::infinity(),
                                   -std::numeric_limits<double>::infinity(),
                                   std::numeric_limits<double>::quiet_NaN(),
                                   9223372036854775808.0,  // 2^63
                                   9223372036854774784.0,  // the largest double below 2^63
                                   1e19,
                                   1e300,
                                   -1.0,
                                   -0.0,
                                   0.5,
                                   1.0,
                                   0.0};
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0:
      return typical;
    case 1:
      return awkward[in.ConsumeIntegralInRange<std::size_t>(0, std::size(awkward) - 1)];
    case 2:
      return static_cast<double>(in.ConsumeIntegralInRange<long long>(-2, 5000));
    default: {
      const std::uint64_t bits = in.ConsumeIntegral<std::uint64_t>();
      double d;
      std::memcpy(&d, &bits, sizeof d);
      return d;
    }
  }
}

hypar_heat::Options fuzzed_options(FuzzedDataProvider& in) {
  hypar_heat::Options o;
  o.nx = in.ConsumeBool() ? 0 : in.ConsumeIntegralInRange<int>(1, 6);
  o.ny = in.ConsumeBool() ? 0 : in.ConsumeIntegralInRange<int>(1, 6);
  o.steps = in.ConsumeBool() ? in.ConsumeIntegralInRange<long long>(0, 3000)
                             : in.ConsumeIntegralInRange<long long>(0, LLONG_MAX);
  static const double rs[] = {0.25, 0.125, 0.2, 1.0 / 6};
  o.r = rs[in.ConsumeIntegralInRange<int>(0, 3)];
  o.neumann = in.ConsumeBool();
  if (in.ConsumeBool())
    o.restart = "checkpoint.h5";
  return o;
}

/// check_field_file against the documented rule; returns whether it accepted.
bool check_against_reference(const hypar_heat::Options& o, int nx, int ny,
                             const std::map<std::string, double>& a) {
  bool want = (o.nx == 0 || o.nx == nx) && (o.ny == 0 || o.ny == ny);
  long long want_step = 0;
  if (want && o.restart) {
    want = a.contains("steps") && a.contains("r") && a.contains("neumann");
    if (want) {
      const double steps = a.at("steps");
      // A whole number from 0 to --steps (below 2^63, so a long long holds it).
      want = std::isfinite(steps) && steps >= 0 && std::trunc(steps) == steps &&
             steps < 9223372036854775808.0;
      if (want)
        want_step = static_cast<long long>(steps);
      want =
          want && want_step <= o.steps && a.at("r") == o.r && (a.at("neumann") != 0) == o.neumann;
    }
  }
  try {
    const hypar_heat::FileStart start = hypar_heat::check_field_file(o, nx, ny, a);
    if (!want)
      fail("check_field_file accepted what the rule refuses");
    if (start.nx != nx || start.ny != ny || start.first_step != want_step)
      fail("check_field_file returned the wrong size or first step");
    return true;
  } catch (const std::invalid_argument& e) {
    if (want)
      fail(std::string("check_field_file refused what the rule accepts: ") + e.what());
    if (std::strlen(e.what()) == 0)
      fail("check_field_file refused with an empty message");
    return false;
  }
}

void pure_half(FuzzedDataProvider& in) {
  const hypar_heat::Options o = fuzzed_options(in);
  const int nx =
      in.ConsumeBool() ? (o.nx > 0 ? o.nx : 7) : in.ConsumeIntegralInRange<int>(1, INT_MAX);
  const int ny =
      in.ConsumeBool() ? (o.ny > 0 ? o.ny : 5) : in.ConsumeIntegralInRange<int>(1, INT_MAX);
  std::map<std::string, double> a;
  if (in.ConsumeBool())
    a["steps"] = fuzzed_double(in, static_cast<double>(o.steps / 2));
  if (in.ConsumeBool())
    a["r"] = fuzzed_double(in, o.r);
  if (in.ConsumeBool())
    a["neumann"] = fuzzed_double(in, o.neumann ? 1 : 0);
  if (in.ConsumeBool())
    a["nx"] = fuzzed_double(in, nx);
  check_against_reference(o, nx, ny, a);
}

// ---- the HDF5 half ------------------------------------------------------------------------------

struct Hid {
  hid_t id;
  herr_t (*close)(hid_t);
  Hid(hid_t i, herr_t (*c)(hid_t)) : id(i), close(c) {
    if (id < 0)
      fail("an HDF5 call of the writer failed");
  }
  Hid(const Hid&) = delete;
  Hid& operator=(const Hid&) = delete;
  ~Hid() { close(id); }
};

/// One attribute to write, and the double read_field_info should report for it (if any).
void write_attribute(FuzzedDataProvider& in, hid_t object, std::map<std::string, double>& want) {
  static const char* names[] = {"steps", "r", "neumann", "nx", "ny", "time", "a b", "\xc3\xa9"};
  std::string name = in.ConsumeBool()
                         ? names[in.ConsumeIntegralInRange<std::size_t>(0, std::size(names) - 1)]
                         : in.ConsumeRandomLengthString(8);
  for (char& c : name) {
    if (c == '\0' || c == '/' || c == '.')
      c = '_';
  }
  if (name.empty())
    name = "x";
  if (H5Aexists(object, name.c_str()) != 0)
    return;
  const int kind = in.ConsumeIntegralInRange<int>(0, 6);
  const int shape = in.ConsumeIntegralInRange<int>(0, 3);  // scalar, [1], [2], null
  hsize_t dims[1] = {shape == 2 ? hsize_t{2} : hsize_t{1}};
  Hid space(shape == 0   ? H5Screate(H5S_SCALAR)
            : shape == 3 ? H5Screate(H5S_NULL)
                         : H5Screate_simple(1, dims, nullptr),
            H5Sclose);
  const std::size_t count = shape == 2 ? 2 : shape == 3 ? 0 : 1;
  double d[2] = {fuzzed_double(in, 3), fuzzed_double(in, 0.25)};
  std::int64_t i64[2] = {in.ConsumeIntegral<std::int64_t>(), 1};
  std::uint64_t u64[2] = {in.ConsumeIntegral<std::uint64_t>(), 2};
  float f32[2] = {static_cast<float>(d[0]), 0.5f};
  std::int8_t i8[2] = {in.ConsumeIntegral<std::int8_t>(), 3};
  hid_t file_type = H5T_NATIVE_DOUBLE, memory_type = H5T_NATIVE_DOUBLE;
  const void* buffer = d;
  double as_double = d[0];
  switch (kind) {
    case 0:
      break;
    case 1:
      file_type = memory_type = H5T_NATIVE_INT64;
      buffer = i64;
      as_double = static_cast<double>(i64[0]);
      break;
    case 2:
      file_type = memory_type = H5T_NATIVE_UINT64;
      buffer = u64;
      as_double = static_cast<double>(u64[0]);
      break;
    case 3:
      file_type = memory_type = H5T_NATIVE_FLOAT;
      buffer = f32;
      as_double = static_cast<double>(f32[0]);
      break;
    case 4:
      file_type = memory_type = H5T_NATIVE_INT8;
      buffer = i8;
      as_double = i8[0];
      break;
    default:
      break;  // a string (5) or an array of two doubles (6), written below
  }
  if (kind == 5) {
    Hid type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.id, 8);
    const char text[16] = "0.25";
    Hid attribute(H5Acreate2(object, name.c_str(), type.id, space.id, H5P_DEFAULT, H5P_DEFAULT),
                  H5Aclose);
    if (count > 0)
      H5Awrite(attribute.id, type.id, text);
    return;
  }
  if (kind == 6) {
    const hsize_t two[1] = {2};
    Hid type(H5Tarray_create2(H5T_NATIVE_DOUBLE, 1, two), H5Tclose);
    Hid attribute(H5Acreate2(object, name.c_str(), type.id, space.id, H5P_DEFAULT, H5P_DEFAULT),
                  H5Aclose);
    const double values[4] = {d[0], d[1], d[0], d[1]};
    if (count > 0)
      H5Awrite(attribute.id, type.id, values);
    return;
  }
  Hid attribute(H5Acreate2(object, name.c_str(), file_type, space.id, H5P_DEFAULT, H5P_DEFAULT),
                H5Aclose);
  if (count > 0 && H5Awrite(attribute.id, memory_type, buffer) < 0)
    fail("H5Awrite failed");
  if (count == 1)
    want[name] = as_double;
}

bool same(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

void hdf5_half(FuzzedDataProvider& in) {
  const std::string path = g_dir + "/field.h5";
  // The dataset: rank 0..3 (0: scalar; 4: a null dataspace), sizes 0..3, element type, location.
  // Half the inputs write a field file as hypar-heat would (a 2D float dataset /u), so that the
  // attributes are read back as often as the shapes are refused.
  const bool field_like = in.ConsumeBool();
  const int rank = field_like ? 2 : in.ConsumeIntegralInRange<int>(0, 4);
  hsize_t dims[3] = {};
  for (int k = 0; k < 3; ++k)
    dims[k] = in.ConsumeIntegralInRange<hsize_t>(k < 2 ? 1 : 0, 3);
  if (!field_like && in.ConsumeIntegralInRange<int>(0, 3) == 0)
    dims[in.ConsumeIntegralInRange<int>(0, 1)] = 0;
  const int element = in.ConsumeIntegralInRange<int>(0, field_like ? 1 : 3);  // double, float,
                                                                              // int32, string
  static const char* where[] = {"u", "g/u", "v"};
  const std::string location = field_like ? "u" : where[in.ConsumeIntegralInRange<int>(0, 2)];
  static const char* asked[] = {"u", "/u", "g/u", "/g/u", "g", "v", "", "//u", "u/", ".", "/."};
  const std::string dataset =
      field_like ? "u"
      : in.ConsumeIntegralInRange<int>(0, 7) == 0
          ? in.ConsumeRandomLengthString(6)
          : asked[in.ConsumeIntegralInRange<std::size_t>(0, std::size(asked) - 1)];
  std::string dataset_name = dataset;
  for (char& c : dataset_name) {
    if (c == '.' && dataset_name.size() > 2)  // "./u" and the like are HDF5's own business
      c = '_';
  }
  std::map<std::string, double> want_attributes;
  {
    Hid file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    if (location == "g/u")
      Hid(H5Gcreate2(file.id, "g", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    Hid space(rank == 0   ? H5Screate(H5S_SCALAR)
              : rank == 4 ? H5Screate(H5S_NULL)
                          : H5Screate_simple(rank, dims, nullptr),
              H5Sclose);
    Hid type(H5Tcopy(element == 0   ? H5T_NATIVE_DOUBLE
                     : element == 1 ? H5T_NATIVE_FLOAT
                     : element == 2 ? H5T_NATIVE_INT32
                                    : H5T_C_S1),
             H5Tclose);
    Hid dset(H5Dcreate2(file.id, location.c_str(), type.id, space.id, H5P_DEFAULT, H5P_DEFAULT,
                        H5P_DEFAULT),
             H5Dclose);
    const int attributes = in.ConsumeIntegralInRange<int>(0, 6);
    for (int k = 0; k < attributes; ++k)
      write_attribute(in, dset.id, want_attributes);
  }

  // What read_field_info should do.
  const std::string normal =
      dataset_name.empty() || dataset_name[0] != '/' ? "/" + dataset_name : dataset_name;
  const bool found = normal == "/" + location;
  const bool good = found && rank == 2 && dims[0] >= 1 && dims[1] >= 1 && element <= 1;
  try {
    const hypar::io::FieldFileInfo info = hypar::io::read_field_info(path, dataset_name);
    if (!good)
      fail("read_field_info accepted dataset '" + dataset_name + "' of rank " +
           std::to_string(rank) + ", element type " + std::to_string(element) + " at '" + location +
           "'");
    if (info.nx != static_cast<int>(dims[1]) || info.ny != static_cast<int>(dims[0]))
      fail("read_field_info returned the wrong shape");
    if (info.attributes.size() != want_attributes.size())
      fail("read_field_info returned " + std::to_string(info.attributes.size()) +
           " attributes, expected " + std::to_string(want_attributes.size()));
    for (const auto& [name, value] : want_attributes) {
      if (!info.attributes.contains(name) || !same(info.attributes.at(name), value))
        fail("read_field_info returned the attribute '" + name + "' wrong");
    }
    hypar_heat::Options o = fuzzed_options(in);
    check_against_reference(o, info.nx, info.ny, info.attributes);
  } catch (const hypar::Error& e) {
    if (good)
      fail(std::string("read_field_info refused a good file: ") + e.what());
    if (std::string(e.what()).find(path) == std::string::npos)
      fail(std::string("read_field_info's error does not name the file: ") + e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  // Open MPI's start-up keeps a few allocations for the process's life; its libraries have no
  // frame pointers, so LeakSanitizer's stacks of them cannot be matched by a suppression. They are
  // made with the leak check off; everything allocated per input is still checked.
  __lsan_disable();
  MPI_Init(argc, argv);
  __lsan_enable();
  std::string pattern = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") +
                        "/hypar-fuzz-heat.XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr)
    fail("mkdtemp failed");
  g_dir = pattern;
  std::atexit(finish);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // the writer's expected failures stay quiet
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  if (in.ConsumeBool())
    hdf5_half(in);
  else
    pure_half(in);
  return 0;
}
