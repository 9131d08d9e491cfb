// The hypar side of the independent-reader test (check_h5py.py), run under mpiexec:
//   hdf5_field_tool write FILE NX NY           writes u[j][i] = sin(i) + 1000 j with the
//                                              attributes steps = 42 (int64), r = 0.25 (float64)
//   hdf5_field_tool crash FILE NX NY STEP      as write, but the last rank dies (std::_Exit) at
//                                              STEP (after_data or after_close) of the write
//   hdf5_field_tool check FILE NX NY TYPE      reads FILE (written by h5py, TYPE float64 or
//                                              float32) and checks every cell bitwise against
//                                              the same values rounded to TYPE, and the
//                                              attributes steps = 42 and r = 0.25 (and that the
//                                              string and array attributes were skipped)
// Rank 0 prints "ok" on success; a mismatch is printed and makes the exit status 1, and so does
// an error (every rank prints its message as "rank R: MESSAGE").
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <hypar/dist.hpp>
#include <hypar/io.hpp>
#include <string>

namespace {

double value(int i, int j) {
  return std::sin(static_cast<double>(i)) + 1000.0 * j;
}

int run(int argc, char** argv, const hypar::dist::Communicator& comm) {
  if (argc != 5 && argc != 6) {
    std::fprintf(stderr,
                 "usage: %s write FILE NX NY | crash FILE NX NY STEP | check FILE NX NY TYPE\n",
                 argv[0]);
    return 2;
  }
  const std::string mode = argv[1], file = argv[2];
  const int nx = std::atoi(argv[3]), ny = std::atoi(argv[4]);
  const hypar::dist::CartGrid2D grid(comm, nx, ny);
  hypar::dist::Field2D<double> f(grid, 1);
  if (mode == "write" || mode == "crash") {
    if (mode == "crash") {
      const std::string step = argc == 6 ? argv[5] : "";
      hypar::io::detail::set_write_fault(step == "after_close"
                                             ? hypar::io::detail::WriteFault::after_close
                                             : hypar::io::detail::WriteFault::after_data,
                                         comm.size() - 1, true);
    }
    f.fill(value);
    hypar::io::write_field(file, f, {{"steps", 42}, {"r", 0.25}});
    if (comm.rank() == 0)
      std::printf("ok\n");
    return 0;
  }
  const bool single = argc == 6 && std::string(argv[5]) == "float32";
  const hypar::io::FieldFileInfo info = hypar::io::read_field(file, f);
  long bad = 0;
  for (int j = 0; j < grid.local_ny(); ++j) {
    for (int i = 0; i < grid.local_nx(); ++i) {
      const double exact = value(grid.x0() + i, grid.y0() + j);
      const double want = single ? static_cast<double>(static_cast<float>(exact)) : exact;
      if (std::memcmp(&f(i, j), &want, sizeof want) != 0 && bad++ < 5) {
        std::fprintf(stderr, "rank %d: u[%d][%d] = %.17g, expected %.17g\n", comm.rank(),
                     grid.y0() + j, grid.x0() + i, f(i, j), want);
      }
    }
  }
  const auto attr = [&](const char* name) {
    const auto it = info.attributes.find(name);
    return it == info.attributes.end() ? std::nan("") : it->second;
  };
  if (attr("steps") != 42 || attr("r") != 0.25 || info.attributes.count("note") != 0 ||
      info.attributes.count("vector") != 0) {
    std::fprintf(stderr, "rank %d: attributes wrong:", comm.rank());
    for (const auto& [k, v] : info.attributes)
      std::fprintf(stderr, " %s=%g", k.c_str(), v);
    std::fprintf(stderr, "\n");
    ++bad;
  }
  const long total = comm.all_reduce(bad, std::plus<>{});
  if (comm.rank() == 0 && total == 0)
    std::printf("ok\n");
  return total == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  hypar::dist::Environment env(argc, argv);
  const auto comm = env.world();
  try {
    return run(argc, argv, comm);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rank %d: %s\n", comm.rank(), e.what());
    return 1;
  }
}
