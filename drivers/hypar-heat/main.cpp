// hypar-heat: the 2D heat equation, explicit 5-point steps over MPI ranks and threads. Thin: parse
// flags, call the framework (dist::CartGrid2D, dist::Field2D, dist::StencilSweep with
// kernels::heat_row, io::write_field / read_field, io::write_field_png), print the summary.
//
//   mpirun -n RANKS hypar-heat --nx 4096 --ny 4096 --steps 1000 [--r 0.25] [OPTIONS]
//
// run() reads as its phases:
// 1. resolve_problem: the global size and the first step, from the flags or from the --init /
//    --restart file (whose attributes must agree with the flags);
// 2. the grid, the time block (chosen when the field does not fit in cache), the field, its
//    initial values (formula, file or checkpoint);
// 3. time_loop: advance in chunks up to the next checkpoint, frame or progress tick;
// 4. finish: the output file, the final picture, the summary (table or JSON) on rank 0.
// Every rank exits with the same code: 0 done, 1 an output could not be written (the run still
// went to the end, the other outputs were written), 2 usage error or unreadable input.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <hypar/core.hpp>
#include <hypar/core/interrupt.hpp>
#include <hypar/dist.hpp>
#include <hypar/io/hdf5.hpp>
#include <hypar/io/png.hpp>
#include <hypar/kernels/heat.hpp>
#include <hypar/sync/progress.hpp>
#include <nlohmann/json.hpp>
#include <numbers>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "options.hpp"

namespace {

using hypar::dist::Communicator;
using hypar_heat::Init;
using hypar_heat::Options;

constexpr int exit_ok = 0;
constexpr int exit_output_failed = 1;
constexpr int exit_usage = 2;

/// An input that cannot be used (exit 2), thrown on every rank alike.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The heat step as StencilSweep's row kernel.
struct HeatKernel {
  double r;
  void operator()(const double* c, const double* n, const double* s, double* out,
                  std::size_t count) const noexcept {
    hypar::kernels::heat_row(c, n, s, out, count, r);
  }
  void stream(const double* c, const double* n, const double* s, double* out,
              std::size_t count) const noexcept {
    hypar::kernels::heat_row_streaming(c, n, s, out, count, r);
  }
};

/// What the run computes: the global size, the steps, where it starts.
struct Problem {
  int nx = 256, ny = 256;
  long long first_step = 0;  ///< > 0 after --restart
};

/// Phase 1. Sizes from the flags, or from the --init / --restart file (collective: rank 0 reads
/// the file's metadata). A restart file must have been made with the same r and boundary.
Problem resolve_problem(const Options& o) {
  Problem p;
  const std::optional<std::string> file =
      o.restart ? o.restart
                : (o.init.kind == Init::Kind::file ? std::optional(o.init.path) : std::nullopt);
  if (!file) {
    p.nx = o.nx > 0 ? o.nx : 256;
    p.ny = o.ny > 0 ? o.ny : 256;
    return p;
  }
  const char* flag = o.restart ? "--restart" : "--init";
  hypar::io::FieldFileInfo info;
  try {
    info = hypar::io::read_field_info(*file);
  } catch (const hypar::Error& e) {
    throw InputError(std::string(flag) + ": " + e.what());
  }
  try {
    const hypar_heat::FileStart start =
        hypar_heat::check_field_file(o, info.nx, info.ny, info.attributes);
    p.nx = start.nx;
    p.ny = start.ny;
    p.first_step = start.first_step;
  } catch (const std::invalid_argument& e) {  // the size or attributes disagree
    throw InputError(std::string(flag) + " " + *file + ": " + e.what());
  }
  return p;
}

/// The steps per pass: the flag's, else 1 when both fields of a rank fit in about 8 MiB (they stay
/// in cache between steps), else 8; never deeper than the smallest block (the halo must fit).
int choose_time_block(const Options& o, const hypar::dist::CartGrid2D& grid) {
  const int deepest = std::max(1, std::min(grid.min_block_nx(), grid.min_block_ny()));
  if (o.time_block > 0) {
    if (o.time_block > deepest) {
      throw InputError("--time-block " + std::to_string(o.time_block) +
                       " is deeper than the smallest block of the " +
                       std::to_string(grid.dims()[0]) + " x " + std::to_string(grid.dims()[1]) +
                       " process grid (" + std::to_string(deepest) + " cells)");
    }
    return o.time_block;
  }
  const double bytes = 2.0 * sizeof(double) * grid.local_nx() * grid.local_ny();
  return bytes <= 8.0 * 1024 * 1024 ? 1 : std::min(8, deepest);
}

double initial_value(const Options& o, const Problem& p, int gi, int gj) {
  const double x = (gi + 1.0) / (p.nx + 1), y = (gj + 1.0) / (p.ny + 1);
  if (o.init.kind == Init::Kind::sine)
    return std::sin(o.init.k * std::numbers::pi * x) * std::sin(o.init.l * std::numbers::pi * y);
  const double dx = x - 0.5, dy = y - 0.5;
  return dx * dx + dy * dy < 0.2 * 0.2 ? 1.0 : 0.0;  // hotspot: a disc of radius 0.2
}

/// The exact discrete solution of a sine mode after `steps` steps: G^steps u0 (Dirichlet).
double sine_growth(const Options& o, const Problem& p, long long steps) {
  const double hx = 1.0 / (p.nx + 1), hy = 1.0 / (p.ny + 1), pi = std::numbers::pi;
  const double sx = std::sin(o.init.k * pi * hx / 2), sy = std::sin(o.init.l * pi * hy / 2);
  return std::pow(1 - 4 * o.r * sx * sx - 4 * o.r * sy * sy, static_cast<double>(steps));
}

/// What the summary reports.
struct Summary {
  long long steps_run = 0;
  double seconds = 0;       ///< time stepping only
  double wall_seconds = 0;  ///< everything, I/O included
  double sum = 0, l2_norm = 0;
  std::optional<double> max_error, max_relative_error;
  int time_block = 1, halo = 1;
  std::array<int, 2> dims{};
  std::vector<std::string> written;
};

/// Writes the field to `path` with the run's attributes; false (after a message on rank 0) if it
/// could not be written. Collective.
bool write_field_file(const Communicator& comm, const char* flag, const std::string& path,
                      const hypar::dist::Field2D<double>& u, const Options& o, long long step) {
  try {
    hypar::io::write_field(
        path, u,
        {{"steps", std::int64_t{step}}, {"r", o.r}, {"neumann", std::int64_t{o.neumann ? 1 : 0}}});
    return true;
  } catch (const hypar::Error& e) {
    if (comm.rank() == 0)
      std::fprintf(stderr, "hypar-heat: %s: %s\n", flag, e.what());
    return false;
  }
}

/// Gathers the field on rank 0 and writes a picture there; false everywhere if it failed.
bool write_picture(const Communicator& comm, const std::string& path,
                   const hypar::dist::Field2D<double>& u, const Options& o,
                   std::optional<std::array<double, 2>> limits, long long step) {
  const std::vector<double> global = u.gather(0);
  int ok = 1;
  if (comm.rank() == 0) {
    try {
      hypar::io::PngOptions png;
      png.max_size = o.png_size;
      png.limits = limits;
      png.title = "u at step " + std::to_string(step);
      hypar::io::write_field_png(path, global, u.grid().nx(), u.grid().ny(), png);
    } catch (const hypar::Error& e) {
      std::fprintf(stderr, "hypar-heat: --png: %s\n", e.what());
      ok = 0;
    }
  }
  comm.broadcast(ok, 0);
  return ok != 0;
}

/// The field's range over all ranks (for the frames' fixed colour limits).
std::array<double, 2> global_range(const Communicator& comm,
                                   const hypar::dist::Field2D<double>& u) {
  double lo = INFINITY, hi = -INFINITY;
  for (int j = 0; j < u.local_ny(); ++j) {
    for (const double v : u.row(j)) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  lo = comm.all_reduce(lo, hypar::dist::minimum{});
  hi = comm.all_reduce(hi, hypar::dist::maximum{});
  if (!(lo < hi))
    hi = lo + 1;
  return {lo, hi};
}

/// Phases 2-4. Returns the exit code (the same on every rank).
int run(const Communicator& comm, const Options& o, std::size_t threads) {
  const auto wall_start = std::chrono::steady_clock::now();
  const bool root = comm.rank() == 0;
  const Problem p = resolve_problem(o);
  const hypar::dist::CartGrid2D grid(comm, p.nx, p.ny);
  Summary s;
  s.time_block = choose_time_block(o, grid);
  s.halo = std::max(s.time_block, o.halo_width);
  s.dims = grid.dims();
  if (s.halo > std::min(grid.min_block_nx(), grid.min_block_ny())) {
    throw InputError("--halo-width " + std::to_string(s.halo) +
                     " exceeds the smallest block of the process grid");
  }
  hypar::dist::Field2D<double> u(grid, s.halo);
  if (o.restart || o.init.kind == Init::Kind::file) {
    const std::string& path = o.restart ? *o.restart : o.init.path;
    try {
      hypar::io::read_field(path, u);
    } catch (const hypar::Error& e) {
      throw InputError(std::string(o.restart ? "--restart: " : "--init: ") + e.what());
    }
  } else {
    u.fill([&](int gi, int gj) { return initial_value(o, p, gi, gj); });
  }
  const bool frames = o.png && o.png_every > 0;
  const std::optional<std::array<double, 2>> limits =
      o.png_limits ? o.png_limits : (frames ? std::optional(global_range(comm, u)) : std::nullopt);

  hypar::dist::StencilSweep sweep(
      u, HeatKernel{o.r},
      hypar::dist::SweepOptions{.time_block = s.time_block,
                                .overlap = o.overlap,
                                .boundary = o.neumann ? hypar::dist::Boundary::neumann
                                                      : hypar::dist::Boundary::dirichlet});
  bool outputs_ok = true;
  auto frame = [&](long long step) {
    const std::string path = hypar::io::frame_path(*o.png, step);
    outputs_ok = write_picture(comm, path, u, o, limits, step) && outputs_ok;
  };

  // Phase 3: the time loop, in chunks that end at every checkpoint, frame and progress tick.
  long long step = p.first_step;
  const long long to_run = o.steps - step;
  std::optional<hypar::Progress> progress;
  if (root && to_run > 0) {
    hypar::Progress::Options po;
    if (o.progress)
      po.style = *o.progress ? hypar::Progress::Style::automatic : hypar::Progress::Style::none;
    if (o.progress.value_or(isatty(STDERR_FILENO) == 1) == false)
      po.style = hypar::Progress::Style::none;
    progress.emplace(static_cast<std::uint64_t>(to_run), "hypar-heat steps", po);
  }
  if (frames && step % o.png_every == 0)
    frame(step);
  const long long tick =
      std::max<long long>(s.time_block, to_run / 50 / s.time_block * s.time_block);
  auto next_multiple = [&](long long every) {
    return every > 0 ? (step / every + 1) * every : o.steps;
  };
  while (step < o.steps) {
    const long long stop = std::min({o.steps, step + tick, next_multiple(o.checkpoint_every),
                                     next_multiple(frames ? o.png_every : 0)});
    const auto t0 = std::chrono::steady_clock::now();
    sweep.advance(stop - step);
    s.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    s.steps_run += stop - step;
    if (progress)
      progress->add(static_cast<std::uint64_t>(stop - step));
    step = stop;
    if (o.checkpoint && step % o.checkpoint_every == 0)
      outputs_ok = write_field_file(comm, "--checkpoint", *o.checkpoint, u, o, step) && outputs_ok;
    if (frames && step % o.png_every == 0)
      frame(step);
  }
  if (progress)
    progress->finish();

  // Phase 4: outputs and the summary.
  if (o.output) {
    const bool ok = write_field_file(comm, "--output", *o.output, u, o, step);
    outputs_ok = ok && outputs_ok;
    if (ok)
      s.written.push_back(*o.output);
  }
  if (o.png && !frames) {
    const bool ok = write_picture(comm, *o.png, u, o, limits, step);
    outputs_ok = ok && outputs_ok;
    if (ok)
      s.written.push_back(*o.png);
  }
  s.sum = u.sum();
  s.l2_norm = u.norm();
  if (o.init.kind == Init::Kind::sine && !o.neumann) {
    const double growth = sine_growth(o, p, step);
    double worst = 0, scale = 0;
    for (int j = 0; j < u.local_ny(); ++j) {
      for (int i = 0; i < u.local_nx(); ++i) {
        const double exact = growth * initial_value(o, p, grid.x0() + i, grid.y0() + j);
        worst = std::max(worst, std::abs(u(i, j) - exact));
        scale = std::max(scale, std::abs(exact));
      }
    }
    auto max = [](double a, double b) { return std::max(a, b); };
    s.max_error = comm.all_reduce(worst, max);
    const double top = comm.all_reduce(scale, max);
    s.max_relative_error = top > 0 ? *s.max_error / top : *s.max_error;
  }
  s.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  // The slowest rank's stepping time is the run's.
  s.seconds = comm.all_reduce(s.seconds, [](double a, double b) { return std::max(a, b); });

  int code = outputs_ok ? exit_ok : exit_output_failed;
  if (root) {
    const double updates = static_cast<double>(p.nx) * p.ny * static_cast<double>(s.steps_run);
    const double lups = s.seconds > 0 ? updates / s.seconds : 0;
    std::string text;
    if (o.format == hypar_heat::Format::json) {
      nlohmann::ordered_json j;
      j["nx"] = p.nx;
      j["ny"] = p.ny;
      j["steps"] = step;
      j["first_step"] = p.first_step;
      j["steps_run"] = s.steps_run;
      j["r"] = o.r;
      j["boundary"] = o.neumann ? "neumann" : "dirichlet";
      j["init"] = o.restart                         ? "restart"
                  : o.init.kind == Init::Kind::file ? "file"
                  : o.init.kind == Init::Kind::sine ? "sine"
                                                    : "hotspot";
      j["ranks"] = comm.size();
      j["threads"] = threads;
      j["process_grid"] = s.dims;
      j["time_block"] = s.time_block;
      j["halo_width"] = s.halo;
      j["seconds"] = s.seconds;
      j["wall_seconds"] = s.wall_seconds;
      j["lattice_updates_per_second"] = lups;
      j["bytes_per_second"] = 16 * lups;
      j["sum"] = s.sum;
      j["l2_norm"] = s.l2_norm;
      if (s.max_error) {
        j["max_error"] = *s.max_error;
        j["max_relative_error"] = *s.max_relative_error;
      }
      j["written"] = s.written;
      text = j.dump(2) + "\n";
    } else {
      char line[512];
      std::ostringstream t;
      std::snprintf(line, sizeof line,
                    "hypar-heat: %d x %d points, steps %lld..%lld (r = %g, %s, %s)\n", p.nx, p.ny,
                    p.first_step, step, o.r, o.neumann ? "neumann" : "dirichlet",
                    o.restart                         ? "restart"
                    : o.init.kind == Init::Kind::sine ? "sine"
                    : o.init.kind == Init::Kind::file ? "from file"
                                                      : "hotspot");
      t << line;
      std::snprintf(line, sizeof line,
                    "  layout      %d rank%s (%d x %d) x %zu thread%s, time block %d, halo %d\n",
                    comm.size(), comm.size() == 1 ? "" : "s", s.dims[0], s.dims[1], threads,
                    threads == 1 ? "" : "s", s.time_block, s.halo);
      t << line;
      std::snprintf(line, sizeof line, "  time        %.3f s stepping, %.3f s in all\n", s.seconds,
                    s.wall_seconds);
      t << line;
      std::snprintf(line, sizeof line,
                    "  speed       %.4g lattice updates/s (%.4g GB/s at 16 B each)\n", lups,
                    16 * lups / 1e9);
      t << line;
      std::snprintf(line, sizeof line, "  sum         %.17g\n  l2 norm     %.17g\n", s.sum,
                    s.l2_norm);
      t << line;
      if (s.max_error) {
        std::snprintf(line, sizeof line, "  max error   %.3e (relative %.3e) against G^n u0\n",
                      *s.max_error, *s.max_relative_error);
        t << line;
      }
      for (const auto& w : s.written)
        t << "  wrote       " << w << "\n";
      text = t.str();
    }
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() ||
        std::fflush(stdout) != 0) {
      std::fprintf(stderr, "hypar-heat: write error: %s\n", std::strerror(errno));
      code = exit_output_failed;
    }
  }
  comm.broadcast(code, 0);
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    // SIGINT / SIGTERM (Ctrl-C, mpirun's or the scheduler's stop): temporary files removed,
    // exit 130 / 143. First, so that the threads MPI starts inherit the blocked signals.
    hypar::handle_interrupts("hypar-heat");
    const auto parsed = hypar_heat::parse_command_line(argc, argv);
    // The work runs inside a ThreadPool's install, on the pool's master thread: MPI is called by
    // one thread at a time, but not necessarily by the thread that started it (SERIALIZED).
    hypar::dist::Environment env(argc, argv, hypar::dist::ThreadLevel::serialized);
    auto comm = env.world();
    if (parsed.options.timeout >= 0)
      hypar::dist::set_timeout(parsed.options.timeout);  // --timeout over HYPAR_TIMEOUT
    if (parsed.kind == hypar_heat::ParseOutcome::Kind::exit) {
      if (comm.rank() == 0)
        std::fputs(parsed.output.c_str(), parsed.to_stderr ? stderr : stdout);
      return parsed.exit_code;
    }
    const std::size_t threads =
        parsed.options.threads ? parsed.options.threads : hypar::default_num_threads();
    int code = exit_usage;
    try {
      auto pool = hypar::ThreadPoolBuilder().num_threads(threads).build();
      pool.install([&] {
        try {
          code = run(comm, parsed.options, threads);
        } catch (const InputError& e) {
          // Thrown alike on every rank (the checks use only agreed facts).
          if (comm.rank() == 0)
            std::fprintf(stderr, "hypar-heat: %s\n", e.what());
          code = exit_usage;
        }
      });
    } catch (const std::exception& e) {
      // A failure on one rank: say so; MPI_Abort ends the others (they may be in a collective).
      std::fprintf(stderr, "hypar-heat: rank %d: fatal: %s\n", comm.rank(), e.what());
      std::fflush(nullptr);
      hypar::dist::abort(comm, exit_usage);
    }
    return code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hypar-heat: fatal: %s\n", e.what());
    return exit_usage;
  }
}
