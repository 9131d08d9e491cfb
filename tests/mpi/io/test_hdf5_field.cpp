// Field files (hypar::io::write_field / read_field / read_field_info) against independent
// references: bitwise round trips of every kind of double (NaN payloads, signed zeros,
// infinities, subnormals) from one process grid to every other (all factorisations, and
// sub-communicators of every size, both ways); attributes and their HDF5 types, checked with the
// HDF5 C API directly; every error on every rank with the same message naming the path; and
// atomic replacement: a failure injected at each step on rank 0 or the last rank leaves the
// previous file byte for byte intact and no temporary file behind.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <hypar/dist.hpp>
#include <hypar/io.hpp>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using hypar::dist::CartGrid2D;
using hypar::dist::Communicator;
using hypar::dist::Field2D;
using hypar::dist::GridOptions;
using hypar::io::FieldAttributes;
using hypar::io::detail::WriteFault;

namespace {

Communicator world() {
  return Communicator(MPI_COMM_WORLD);
}

/// A temporary directory made by rank 0, known to every rank, removed at the end.
class SharedDir {
 public:
  explicit SharedDir(const Communicator& comm) : comm_(comm) {
    std::string p;
    if (comm.rank() == 0) {
      std::string tmpl = (fs::temp_directory_path() / "hypar-hdf5-XXXXXX").string();
      p = mkdtemp(tmpl.data());
    }
    comm.broadcast(p, 0);
    path_ = p;
  }
  SharedDir(const SharedDir&) = delete;
  SharedDir& operator=(const SharedDir&) = delete;
  ~SharedDir() {
    comm_.barrier();
    if (comm_.rank() == 0) {
      std::error_code ec;
      fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
      fs::remove_all(path_, ec);
    }
  }
  fs::path operator/(const std::string& name) const { return path_ / name; }
  const fs::path& path() const { return path_; }

 private:
  const Communicator& comm_;
  fs::path path_;
};

/// The names in `dir` (rank 0 lists it and broadcasts).
std::set<std::string> listing(const Communicator& comm, const fs::path& dir) {
  std::vector<std::string> names;
  if (comm.rank() == 0)
    for (const auto& e : fs::directory_iterator(dir))
      names.push_back(e.path().filename().string());
  comm.broadcast(names, 0);
  return {names.begin(), names.end()};
}

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::uint64_t bits(double x) {
  return std::bit_cast<std::uint64_t>(x);
}

/// A pseudo-random double per global cell and salt, made from bits (no arithmetic the compiler
/// could contract differently in two places), so every kind of double appears, with the awkward
/// ones sprinkled in: NaNs with payloads (and a negative one), signed zeros, infinities,
/// subnormals, the extremes.
double cell_value(int gi, int gj, int salt) {
  static const std::array<std::uint64_t, 10> special = {
      0x7ff8'0000'dead'beefULL,  // quiet NaN with a payload
      0xfff4'0000'0000'1234ULL,  // negative signalling-pattern NaN
      0x8000'0000'0000'0000ULL,  // -0.0
      0x0000'0000'0000'0000ULL,  // +0.0
      0x7ff0'0000'0000'0000ULL,  // +inf
      0xfff0'0000'0000'0000ULL,  // -inf
      0x0000'0000'0000'0001ULL,  // the smallest subnormal
      0x800f'ffff'ffff'ffffULL,  // the largest negative subnormal
      0x7fef'ffff'ffff'ffffULL,  // the largest double
      0x0010'0000'0000'0000ULL,  // the smallest normal
  };
  const auto k = static_cast<std::uint64_t>(gi) * 7 + static_cast<std::uint64_t>(gj) * 13 +
                 static_cast<std::uint64_t>(salt);
  if (k % 5 == 0)
    return std::bit_cast<double>(special[(k / 5) % special.size()]);
  std::uint64_t z = (static_cast<std::uint64_t>(gj) << 40) ^
                    (static_cast<std::uint64_t>(gi) << 16) ^ static_cast<std::uint64_t>(salt);
  z += 0x9e37'79b9'7f4a'7c15ULL;  // splitmix64
  z = (z ^ (z >> 30)) * 0xbf58'476d'1ce4'e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d0'49bb'1331'11ebULL;
  return std::bit_cast<double>(z ^ (z >> 31));
}

constexpr double kSentinel = -12345.25;

/// A field of `grid` filled with cell_value(salt) and its halo set to kSentinel.
Field2D<double> filled(const CartGrid2D& grid, int halo, int salt) {
  Field2D<double> f(grid, halo);
  for (int j = -halo; j < grid.local_ny() + halo; ++j)
    for (int i = -halo; i < grid.local_nx() + halo; ++i)
      f(i, j) = kSentinel;
  f.fill([salt](int gi, int gj) { return cell_value(gi, gj, salt); });
  return f;
}

/// The number of interior cells whose bits differ from cell_value(salt), plus the number of halo
/// cells that are no longer kSentinel.
long mismatches(const Field2D<double>& f, int salt) {
  const CartGrid2D& g = f.grid();
  long bad = 0;
  for (int j = -f.halo(); j < g.local_ny() + f.halo(); ++j) {
    for (int i = -f.halo(); i < g.local_nx() + f.halo(); ++i) {
      const bool interior = i >= 0 && i < g.local_nx() && j >= 0 && j < g.local_ny();
      const double want = interior ? cell_value(g.x0() + i, g.y0() + j, salt) : kSentinel;
      if (bits(f(i, j)) != bits(want))
        ++bad;
    }
  }
  return bad;
}

std::optional<CartGrid2D> try_grid(const Communicator& comm, int nx, int ny, GridOptions o = {}) {
  try {
    return CartGrid2D(comm, nx, ny, o);
  } catch (const hypar::Error&) {
    return std::nullopt;
  }
}

/// Every factorisation px * py of the communicator's size (and the grid's own choice).
std::vector<GridOptions> layouts(int size) {
  std::vector<GridOptions> out = {GridOptions{}};
  for (int px = 1; px <= size; ++px)
    if (size % px == 0)
      out.push_back(GridOptions{{px, size / px}, {false, false}});
  return out;
}

/// Calls fn(comm) on the communicator of world ranks [0, k), for every k from 1 to size (the
/// ranks outside wait).
void on_every_subcommunicator(const std::function<void(const Communicator&)>& fn) {
  const Communicator w = world();
  for (int k = 1; k <= w.size(); ++k) {
    MPI_Comm sub = MPI_COMM_NULL;
    MPI_Comm_split(MPI_COMM_WORLD, w.rank() < k ? 0 : MPI_UNDEFINED, w.rank(), &sub);
    if (sub != MPI_COMM_NULL) {
      {
        const Communicator c(sub);
        fn(c);
      }
      MPI_Comm_free(&sub);
    }
    w.barrier();
  }
}

/// Runs `fn`, which must throw hypar::Error on every rank of `comm` with the same message;
/// returns it.
std::string collective_error(const Communicator& comm, const std::function<void()>& fn) {
  std::string message;
  try {
    fn();
    ADD_FAILURE() << "no hypar::Error was thrown";
  } catch (const hypar::Error& e) {
    message = e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a hypar::Error: " << e.what();
  }
  const auto all = comm.all_gather(std::vector<std::string>{message});
  for (std::size_t r = 0; r < all.size(); ++r)
    EXPECT_EQ(all[r], all[0]) << "rank " << r << " threw another message than rank 0";
  return message;
}

#define EXPECT_HAS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

// ---- HDF5 written directly (serially, on rank 0) for the files write_field never makes -------

/// Creates `path` with one dataset `name` of `type` and shape `dims` (scalar when empty), zeros.
void make_odd_file(const fs::path& path, const std::string& name, hid_t type,
                   const std::vector<hsize_t>& dims) {
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  const hid_t space = dims.empty()
                          ? H5Screate(H5S_SCALAR)
                          : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  const hid_t d =
      H5Dcreate2(file, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(d, 0);
  H5Dclose(d);
  H5Sclose(space);
  H5Fclose(file);
}

/// The class and size of attribute `attr` of dataset `dset` in `path`.
std::pair<H5T_class_t, std::size_t> attribute_type(const fs::path& path, const std::string& dset,
                                                   const std::string& attr) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t a = H5Aopen_by_name(file, dset.c_str(), attr.c_str(), H5P_DEFAULT, H5P_DEFAULT);
  const hid_t t = H5Aget_type(a);
  const std::pair<H5T_class_t, std::size_t> out = {H5Tget_class(t), H5Tget_size(t)};
  H5Tclose(t);
  H5Aclose(a);
  H5Fclose(file);
  return out;
}

}  // namespace

// ---- round trips ----------------------------------------------------------------------------

TEST(Hdf5Field, RoundTripIsBitwiseFromEveryLayoutToEveryOther) {
  const Communicator w = world();
  SharedDir dir(w);
  const std::vector<std::array<int, 2>> shapes = {{37, 23}, {1, 37}, {37, 1},
                                                  {9, 17},  {64, 3}, {4, 4}};
  int salt = 0;
  for (const auto& [nx, ny] : shapes) {
    const fs::path file = dir / ("f" + std::to_string(nx) + "x" + std::to_string(ny) + ".h5");
    // Writers: each layout of the whole world, and the world's first k ranks for every k.
    std::vector<std::function<bool()>> writers;
    std::string writer;  // the layout that wrote the file, for the messages
    for (const GridOptions& o : layouts(w.size())) {
      writers.push_back([&, o] {
        const auto g = try_grid(w, nx, ny, o);
        if (!g)
          return false;
        writer = std::to_string(g->dims()[0]) + "x" + std::to_string(g->dims()[1]);
        const int halo = std::min({1, g->min_block_nx(), g->min_block_ny()});
        hypar::io::write_field(file, filled(*g, halo, salt), {{"salt", salt}});
        return true;
      });
    }
    writers.push_back([&] {
      bool wrote = false;
      on_every_subcommunicator([&](const Communicator& c) {
        if (c.size() != 1)
          return;  // rank 0 alone: the most different layout from the readers'
        const auto g = try_grid(c, nx, ny);
        hypar::io::write_field(file, filled(*g, 0, salt), {{"salt", salt}});
        wrote = true;
        writer = "rank 0 alone";
      });
      w.broadcast(wrote, 0);
      return wrote;
    });
    for (const auto& write : writers) {
      ++salt;
      if (!write())
        continue;
      // Readers: every layout of the world (halo 0 and 2 where it fits), every sub-communicator.
      for (const GridOptions& o : layouts(w.size())) {
        const auto g = try_grid(w, nx, ny, o);
        if (!g)
          continue;
        for (int halo : {0, 2}) {
          if (halo > std::min(g->min_block_nx(), g->min_block_ny()))
            continue;
          Field2D<double> f(*g, halo);
          for (int j = -halo; j < g->local_ny() + halo; ++j)
            for (int i = -halo; i < g->local_nx() + halo; ++i)
              f(i, j) = kSentinel;
          const auto info = hypar::io::read_field(file, f);
          EXPECT_EQ(info.nx, nx);
          EXPECT_EQ(info.ny, ny);
          EXPECT_EQ(info.attributes.at("salt"), salt);
          EXPECT_EQ(mismatches(f, salt), 0)
              << nx << "x" << ny << " written on " << writer << ", read on " << g->dims()[0] << "x"
              << g->dims()[1] << " halo " << halo;
        }
      }
      on_every_subcommunicator([&](const Communicator& c) {
        const auto g = try_grid(c, nx, ny);
        if (!g)
          return;
        Field2D<double> f(*g, 0);
        hypar::io::read_field(file, f);
        EXPECT_EQ(mismatches(f, salt), 0)
            << nx << "x" << ny << " written on " << writer << ", read on " << c.size() << " ranks";
      });
    }
  }
}

TEST(Hdf5Field, OverwritesAndLeavesNoTemporaryFile) {
  const Communicator w = world();
  SharedDir dir(w);
  const fs::path file = dir / "field.h5";
  const CartGrid2D a(w, 20, 10), b(w, 7, 31);
  hypar::io::write_field(file, filled(a, 1, 1));
  EXPECT_EQ(listing(w, dir.path()), std::set<std::string>{"field.h5"});
  hypar::io::write_field(file, filled(b, 0, 2), {{"steps", 3}});
  EXPECT_EQ(listing(w, dir.path()), std::set<std::string>{"field.h5"});
  const auto info = hypar::io::read_field_info(w, file);
  EXPECT_EQ(info.nx, 7);
  EXPECT_EQ(info.ny, 31);
  EXPECT_EQ(info.attributes.at("steps"), 3);
  Field2D<double> f(b, 0);
  hypar::io::read_field(file, f);
  EXPECT_EQ(mismatches(f, 2), 0);
  // Datasets below groups.
  hypar::io::write_field(file, filled(b, 0, 3), {}, "fields/t0/u");
  Field2D<double> g(b, 0);
  EXPECT_EQ(hypar::io::read_field(file, g, "/fields/t0/u").nx, 7);
  EXPECT_EQ(mismatches(g, 3), 0);
  EXPECT_EQ(listing(w, dir.path()), std::set<std::string>{"field.h5"});
  // A relative path (every rank in the same working directory).
  const fs::path cwd = fs::current_path();
  fs::current_path(dir.path());
  hypar::io::write_field("relative.h5", filled(a, 0, 4));
  Field2D<double> h(a, 0);
  hypar::io::read_field("relative.h5", h);
  fs::current_path(cwd);
  EXPECT_EQ(mismatches(h, 4), 0);
  EXPECT_EQ(listing(w, dir.path()), (std::set<std::string>{"field.h5", "relative.h5"}));
}

TEST(Hdf5Field, AttributesRoundTripWithTheirTypes) {
  const Communicator w = world();
  SharedDir dir(w);
  const fs::path file = dir / "attrs.h5";
  const CartGrid2D g(w, 11, 13);
  const double nan = std::bit_cast<double>(std::uint64_t{0x7ff8'0000'0000'0042ULL});
  const FieldAttributes attributes = {
      {"steps", 42},
      {"big", std::int64_t{1} << 53},
      {"negative", std::int64_t{-7}},
      {"r", 0.25},
      {"tiny", std::numeric_limits<double>::denorm_min()},
      {"negative_zero", -0.0},
      {"infinite", std::numeric_limits<double>::infinity()},
      {"not_a_number", nan},
      {"nx", 11},  // the grid's own value: accepted, written once as int64
  };
  hypar::io::write_field(file, filled(g, 0, 5), attributes);
  const auto info = hypar::io::read_field_info(w, file);
  EXPECT_EQ(info.nx, 11);
  EXPECT_EQ(info.ny, 13);
  const std::map<std::string, std::uint64_t> expected = {
      {"nx", bits(11)},
      {"ny", bits(13)},
      {"steps", bits(42)},
      {"big", bits(9007199254740992.0)},
      {"negative", bits(-7)},
      {"r", bits(0.25)},
      {"tiny", bits(std::numeric_limits<double>::denorm_min())},
      {"negative_zero", bits(-0.0)},
      {"infinite", bits(std::numeric_limits<double>::infinity())},
      {"not_a_number", bits(nan)},
  };
  ASSERT_EQ(info.attributes.size(), expected.size());
  for (const auto& [name, value] : info.attributes) {
    ASSERT_TRUE(expected.count(name)) << name;
    EXPECT_EQ(bits(value), expected.at(name)) << name;
  }
  // The types in the file, read with the C API.
  if (w.rank() == 0) {
    for (const char* name : {"nx", "ny", "steps", "big", "negative"})
      EXPECT_EQ(attribute_type(file, "/u", name), std::make_pair(H5T_INTEGER, std::size_t{8}))
          << name;
    for (const char* name : {"r", "tiny", "negative_zero", "infinite", "not_a_number"})
      EXPECT_EQ(attribute_type(file, "/u", name), std::make_pair(H5T_FLOAT, std::size_t{8}))
          << name;
  }
  // read_field returns the same.
  Field2D<double> f(g, 0);
  const auto again = hypar::io::read_field(file, f);
  EXPECT_EQ(again.attributes.size(), info.attributes.size());
  EXPECT_EQ(again.attributes.at("steps"), 42);
}

TEST(Hdf5Field, InfoWithoutAGridThenReadOnTheGridItNames) {
  const Communicator w = world();
  SharedDir dir(w);
  const fs::path file = dir / "init.h5";
  hypar::io::write_field(file, filled(CartGrid2D(w, 29, 6), 0, 9), {{"steps", 100}});
  const auto info = hypar::io::read_field_info(file);  // MPI_COMM_WORLD
  ASSERT_EQ(info.nx, 29);
  ASSERT_EQ(info.ny, 6);
  const CartGrid2D g(w, info.nx, info.ny);
  Field2D<double> f(g, 1);
  for (int j = -1; j <= g.local_ny(); ++j)
    for (int i = -1; i <= g.local_nx(); ++i)
      f(i, j) = kSentinel;
  hypar::io::read_field(file, f);
  EXPECT_EQ(mismatches(f, 9), 0);
}

TEST(Hdf5Field, SilencesHdf5AndRestoresTheProgramsErrorHandler) {
  const Communicator w = world();
  SharedDir dir(w);
  const fs::path file = dir / "truncated.h5";
  hypar::io::write_field(file, filled(CartGrid2D(w, 40, 40), 0, 1));
  w.barrier();
  if (w.rank() == 0)
    fs::resize_file(file, fs::file_size(file) / 2);  // the superblock survives, the data not
  w.barrier();
  static int calls = 0;
  const H5E_auto2_t mine = [](hid_t, void*) -> herr_t {
    ++calls;
    return 0;
  };
  H5E_auto2_t before_func = nullptr;
  void* before_data = nullptr;
  H5Eget_auto2(H5E_DEFAULT, &before_func, &before_data);
  H5Eset_auto2(H5E_DEFAULT, mine, nullptr);
  const std::string m = collective_error(w, [&] {
    Field2D<double> f(CartGrid2D(w, 40, 40), 0);
    hypar::io::read_field(file, f);
  });
  EXPECT_HAS(m, file.string());
  EXPECT_HAS(m, "H5Fopen failed");
  EXPECT_EQ(calls, 0) << "HDF5 printed its error stack";
  H5E_auto2_t now = nullptr;
  void* now_data = nullptr;
  H5Eget_auto2(H5E_DEFAULT, &now, &now_data);
  EXPECT_EQ(now, mine) << "the program's error handler was not restored";
  H5Eset_auto2(H5E_DEFAULT, before_func, before_data);
}

// ---- errors, the same on every rank ----------------------------------------------------------

TEST(Hdf5Field, ReadErrorsNameThePathAndTheProblem) {
  const Communicator w = world();
  SharedDir dir(w);
  const CartGrid2D g(w, 37, 23);
  const fs::path good = dir / "good.h5";
  hypar::io::write_field(good, filled(g, 0, 1), {}, "grp/u");
  hypar::io::write_field(dir / "plain.h5", filled(g, 0, 1));
  if (w.rank() == 0) {
    std::ofstream(dir / "text.h5") << "not an HDF5 file\n";
    make_odd_file(dir / "cube.h5", "u", H5T_IEEE_F64LE, {2, 3, 4});
    make_odd_file(dir / "ints.h5", "u", H5T_STD_I32LE, {23, 37});
    make_odd_file(dir / "scalar.h5", "u", H5T_IEEE_F64LE, {});
  }
  w.barrier();
  auto read_error = [&](const fs::path& p, const std::string& dataset) {
    return collective_error(w, [&] { hypar::io::read_field_info(w, p, dataset); });
  };
  auto field_error = [&](const fs::path& p, const std::string& dataset) {
    return collective_error(w, [&] {
      Field2D<double> f(g, 0);
      hypar::io::read_field(p, f, dataset);
    });
  };
  struct Case {
    fs::path file;
    std::string dataset, expected;
  };
  const std::vector<Case> cases = {
      {dir / "missing.h5", "u", "the file does not exist"},
      {dir / "text.h5", "u", "not an HDF5 file"},
      {dir.path(), "u", "is a directory"},
      {dir / "plain.h5", "v", "has no dataset '/v' ('/' holds 'u')"},
      {good, "u", "has no dataset '/u' ('/' holds 'grp')"},
      {good, "grp/v", "has no dataset '/grp/v' ('/grp' holds 'u')"},
      {good, "no/such/u", "has no dataset '/no/such/u' ('/' holds 'grp')"},
      {good, "grp", "'/grp' is not a dataset"},
      {dir / "cube.h5", "u", "is 3-dimensional [2][3][4], expected 2D [ny][nx]"},
      {dir / "ints.h5", "u", "has integer elements, expected a floating-point type"},
      {dir / "scalar.h5", "u", "is a scalar or empty"},
      {good, "", "is not a valid HDF5 path"},
      {good, "grp//u", "is not a valid HDF5 path"},
  };
  for (const Case& c : cases) {
    for (const std::string& m : {read_error(c.file, c.dataset), field_error(c.file, c.dataset)}) {
      EXPECT_HAS(m, "cannot read '" + c.file.string() + "'");
      EXPECT_HAS(m, c.expected);
    }
  }
  EXPECT_HAS(read_error(dir / "missing.h5", "u"), "hypar::io::read_field_info:");
  EXPECT_HAS(field_error(dir / "missing.h5", "u"), "hypar::io::read_field:");

  // A file of another shape than the grid (transposed).
  const std::string m = collective_error(w, [&] {
    Field2D<double> f(CartGrid2D(w, 23, 37), 0);
    hypar::io::read_field(dir / "plain.h5", f);
  });
  EXPECT_HAS(m, "cannot read '" + (dir / "plain.h5").string() + "'");
  EXPECT_HAS(m, "is [ny][nx] = [23][37], but the field's grid is [37][23]");

  // A path that differs between ranks.
  if (w.size() > 1) {
    const std::string d = collective_error(
        w, [&] { hypar::io::read_field_info(w, w.rank() == 0 ? good : dir / "plain.h5"); });
    EXPECT_HAS(d, "differ from rank 0's");
  }
}

TEST(Hdf5Field, WriteErrorsNameThePathAndLeaveNothingBehind) {
  const Communicator w = world();
  SharedDir dir(w);
  const CartGrid2D g(w, 16, 9);
  const Field2D<double> f = filled(g, 0, 1);
  auto write_error = [&](const fs::path& p, const FieldAttributes& a, const std::string& d) {
    const std::string m = collective_error(w, [&] { hypar::io::write_field(p, f, a, d); });
    EXPECT_HAS(m, "hypar::io::write_field: cannot write '" + p.string() + "'");
    return m;
  };
  EXPECT_HAS(write_error(dir / "no" / "such" / "f.h5", {}, "u"),
             "the directory '" + (dir / "no" / "such").string() + "' does not exist");
  EXPECT_HAS(write_error(dir.path(), {}, "u"), "is a directory");
  if (w.rank() == 0)
    std::ofstream(dir / "file") << "x";
  w.barrier();
  EXPECT_HAS(write_error(dir / "file" / "f.h5", {}, "u"), "is not a directory");
  EXPECT_HAS(write_error(dir / "f.h5", {}, ""), "is not a valid HDF5 path");
  EXPECT_HAS(write_error(dir / "f.h5", {}, "a/"), "is not a valid HDF5 path");
  EXPECT_HAS(write_error(dir / "f.h5", {{"", 1}}, "u"), "an attribute has an empty name");
  EXPECT_HAS(write_error(dir / "f.h5", {{"ny", 10}}, "u"),
             "the attribute ny differs from the grid's size 9");
  if (w.size() > 1) {
    EXPECT_HAS(write_error(dir / "f.h5", {{"steps", w.rank()}}, "u"), "differ from rank 0's");
    const fs::path mine = w.rank() == 0 ? dir / "f.h5" : dir / "g.h5";
    const std::string m = collective_error(w, [&] { hypar::io::write_field(mine, f); });
    EXPECT_HAS(m, "differ from rank 0's");
  }
  EXPECT_EQ(listing(w, dir.path()), std::set<std::string>{"file"});

  // A directory nobody may write: mode 0555, or, for root (whom modes do not stop), /sys.
  const fs::path locked = dir / "locked";
  fs::path unwritable;
  if (w.rank() == 0) {
    fs::create_directory(locked);
    fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                fs::perms::group_exec | fs::perms::others_read |
                                fs::perms::others_exec);
    for (const fs::path& candidate : {locked, fs::path("/sys")}) {
      const fs::path probe = candidate / ".hypar-probe";
      std::ofstream(probe) << "x";
      std::error_code ec;
      if (!fs::exists(probe, ec)) {
        unwritable = candidate;
        break;
      }
      fs::remove(probe, ec);
    }
  }
  std::string u = unwritable.string();
  w.broadcast(u, 0);
  if (u.empty()) {
    GTEST_SKIP() << "no directory here refuses this user's writes";
  }
  const std::string m = write_error(fs::path(u) / "f.h5", {}, "u");
  EXPECT_HAS(m, "cannot create the temporary file");
  EXPECT_HAS(m, std::strerror(EACCES));
  EXPECT_EQ(listing(w, dir.path()), (std::set<std::string>{"file", "locked"}));
  EXPECT_EQ(listing(w, locked), std::set<std::string>{});
}

// ---- atomic replacement ---------------------------------------------------------------------

TEST(Hdf5Field, AFailedWriteLeavesThePreviousFileIntact) {
  const Communicator w = world();
  SharedDir dir(w);
  const fs::path file = dir / "state.h5";
  const CartGrid2D g(w, 33, 17);
  hypar::io::write_field(file, filled(g, 1, 1), {{"steps", 1}});
  const std::string before = w.rank() == 0 ? read_bytes(file) : std::string{};
  std::set<int> ranks = {0, w.size() - 1};
  for (const WriteFault fault : {WriteFault::after_create, WriteFault::after_data,
                                 WriteFault::after_close, WriteFault::rename}) {
    for (const int rank : ranks) {
      if (fault == WriteFault::rename && rank != 0)
        continue;  // only rank 0 renames
      hypar::io::detail::set_write_fault(fault, rank);
      const std::string m = collective_error(w, [&] {
        hypar::io::write_field(file, filled(g, 0, 2), {{"steps", 2}});
      });
      hypar::io::detail::set_write_fault(WriteFault::none, -1);
      EXPECT_HAS(m, "cannot write '" + file.string() + "'");
      EXPECT_HAS(m, "injected failure (test hook)");
      if (w.size() > 1) {
        EXPECT_HAS(m, "(on rank " + std::to_string(rank) + " of " + std::to_string(w.size()) + ")");
      }
      EXPECT_EQ(listing(w, dir.path()), std::set<std::string>{"state.h5"})
          << "a temporary file was left behind (fault " << static_cast<int>(fault) << ", rank "
          << rank << ")";
      if (w.rank() == 0) {
        EXPECT_TRUE(read_bytes(file) == before)
            << "the previous file changed (fault " << static_cast<int>(fault) << ")";
      }
      Field2D<double> back(g, 0);
      EXPECT_EQ(hypar::io::read_field(file, back).attributes.at("steps"), 1);
      EXPECT_EQ(mismatches(back, 1), 0);
    }
  }
  // The hook off, the same write succeeds.
  hypar::io::write_field(file, filled(g, 0, 2), {{"steps", 2}});
  Field2D<double> back(g, 0);
  EXPECT_EQ(hypar::io::read_field(file, back).attributes.at("steps"), 2);
  EXPECT_EQ(mismatches(back, 2), 0);
  EXPECT_EQ(listing(w, dir.path()), std::set<std::string>{"state.h5"});
}

TEST(Hdf5Field, AWriteThatDoesNotReadBackIsRefusedAndReplacesNothing) {
  // MPI-IO may lose a write without an error (Open MPI 4.1's OMPIO on a full disk with three or
  // more ranks): write_field reads the temporary file back before it may replace the old one.
  const Communicator w = world();
  SharedDir dir(w);
  const fs::path file = dir / "state.h5";
  const CartGrid2D g(w, 21, 18);
  hypar::io::write_field(file, filled(g, 1, 1), {{"steps", 1}});
  const std::string before = w.rank() == 0 ? read_bytes(file) : std::string{};
  hypar::io::detail::set_write_fault(WriteFault::lost_data, w.size() - 1);
  const std::string m = collective_error(w, [&] {
    hypar::io::write_field(file, filled(g, 0, 2), {{"steps", 2}});
  });
  hypar::io::detail::set_write_fault(WriteFault::none, -1);
  EXPECT_HAS(m, "cannot write '" + file.string() + "'");
  EXPECT_HAS(m, "differs from what was written");
  EXPECT_EQ(listing(w, dir.path()), std::set<std::string>{"state.h5"});
  if (w.rank() == 0) {
    EXPECT_TRUE(read_bytes(file) == before) << "the previous file changed";
  }
}

TEST(Hdf5Field, TemporaryNameIsHiddenBesideTheFile) {
  EXPECT_EQ(hypar::io::detail::temporary_path("/a/b/out.h5", 123),
            fs::path("/a/b/.out.h5.tmp-123"));
  EXPECT_EQ(hypar::io::detail::temporary_path("out.h5", 7), fs::path("./.out.h5.tmp-7"));
}
