// hypar-heat command line, with CLI11.
#include "options.hpp"

#include <CLI/CLI.hpp>
#include <charconv>
#include <cmath>
#include <hypar/core/error.hpp>
#include <hypar/io/png.hpp>
#include <hypar/version.hpp>
#include <sstream>
#include <stdexcept>
#include <string_view>

namespace hypar_heat {
namespace {

/// Parses "K,L" (two positive integers) into `k` and `l`; false if it is not that.
bool parse_two_ints(std::string_view text, int& k, int& l) {
  const auto comma = text.find(',');
  if (comma == std::string_view::npos)
    return false;
  auto one = [](std::string_view t, int& out) {
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
    return ec == std::errc{} && end == t.data() + t.size() && out > 0;
  };
  return one(text.substr(0, comma), k) && one(text.substr(comma + 1), l);
}

/// Parses "LO,HI" (two finite numbers, LO < HI).
bool parse_limits(const std::string& text, std::array<double, 2>& out) {
  const auto comma = text.find(',');
  if (comma == std::string::npos)
    return false;
  try {
    std::size_t used = 0;
    out[0] = std::stod(text.substr(0, comma), &used);
    if (used != comma)
      return false;
    const std::string hi = text.substr(comma + 1);
    out[1] = std::stod(hi, &used);
    if (used != hi.size())
      return false;
  } catch (const std::exception&) {
    return false;
  }
  return std::isfinite(out[0]) && std::isfinite(out[1]) && out[0] < out[1];
}

bool has_frame_conversion(const std::string& pattern) {
  for (std::size_t i = 0; i + 1 < pattern.size(); ++i) {
    if (pattern[i] != '%')
      continue;
    if (pattern[i + 1] == '%') {
      ++i;
      continue;
    }
    return true;
  }
  return false;
}

}  // namespace

ParseOutcome parse_command_line(int argc, const char* const* argv) {
  ParseOutcome outcome;
  Options& o = outcome.options;
  CLI::App app{
      "hypar-heat: the 2D heat equation u_t = alpha (u_xx + u_yy) on the unit square, explicit\n"
      "5-point steps u' = u + r (uE + uW + uN + uS - 4u) with r = alpha dt / h^2, h = 1 / (n + "
      "1),\n"
      "over MPI ranks (a Cartesian decomposition with halo exchange) and the threads of each rank\n"
      "(tiles as tasks, temporal blocking). The result is bitwise the same for every layout.\n"
      "Run it with mpirun or srun: mpirun -n RANKS hypar-heat [OPTIONS]\n"
      "Without arguments: a 256 x 256 disc diffusing for 2000 steps, pictured in hypar-heat.png.\n"
      "Exit status: 0 done, 1 an output could not be written, 2 usage error or unreadable input.",
      "hypar-heat"};
  std::string init = "hotspot", boundary = "dirichlet", format = "table", limits;
  bool progress = false, no_progress = false, no_overlap = false;
  long long threads = 0;
  app.add_option("--nx", o.nx, "interior points along x (default 256, or the input file's)")
      ->type_name("N");
  app.add_option("--ny", o.ny, "interior points along y (default 256, or the input file's)")
      ->type_name("N");
  app.add_option("--steps", o.steps, "time steps in all, counted from step 0 (default 2000)")
      ->type_name("N");
  app.add_option("--r", o.r, "alpha dt / h^2, at most 1/4 for stability (default 0.25)")
      ->type_name("R");
  app.add_option("--init", init,
                 "initial field: hotspot (a disc of 1 in 0, the default), sine:K,L "
                 "(sin(K pi x) sin(L pi y)), or FILE.h5 (dataset /u)")
      ->type_name("INIT");
  app.add_option("--boundary", boundary,
                 "dirichlet (u = 0 outside, the default) or neumann (insulated edges)")
      ->type_name("KIND");
  app.add_option("--output", o.output,
                 "write the final field to FILE.h5 (dataset /u, float64 [ny][nx]; attributes nx "
                 "ny steps r)")
      ->type_name("FILE");
  app.add_option("--checkpoint", o.checkpoint,
                 "write a checkpoint (same layout as --output) every --checkpoint-every steps, "
                 "atomically replacing the last one")
      ->type_name("FILE");
  app.add_option("--checkpoint-every", o.checkpoint_every, "steps between checkpoints")
      ->type_name("K");
  app.add_option("--restart", o.restart,
                 "continue from a checkpoint (or output) file up to --steps in all")
      ->type_name("FILE");
  app.add_option("--png", o.png,
                 "picture of the final field (OUT.png), or frames every --png-every steps with a "
                 "pattern such as 'frames/heat_%05d.png' (the step number)")
      ->type_name("FILE");
  app.add_option("--png-every", o.png_every, "steps between frames (with a %d pattern)")
      ->type_name("K");
  app.add_option("--png-size", o.png_size,
                 "pixels on the long side of the field in a picture, at most (default 1024)")
      ->type_name("N");
  app.add_option("--png-limits", limits,
                 "fixed colour limits LO,HI (default: the field's range; frames: the initial "
                 "field's range, the same for every frame)")
      ->type_name("LO,HI");
  app.add_option("--time-block", o.time_block,
                 "steps per pass over cache-sized tiles (default: chosen, more than 1 when the "
                 "field does not fit in cache)")
      ->type_name("T");
  app.add_option("--halo-width", o.halo_width,
                 "halo cells exchanged between ranks, at least the time block (default: equal)")
      ->type_name("W");
  app.add_flag("--no-overlap", no_overlap, "wait for the halo exchange before updating any tile");
  app.add_option("--threads", threads,
                 "threads per rank (default: HYPAR_NUM_THREADS, OMP_NUM_THREADS, or the cores "
                 "this rank may use)")
      ->type_name("N");
  app.add_option("--format", format, "summary format: table or json (default: table)")
      ->type_name("FORMAT");
  app.add_option(
         "--timeout", o.timeout,
         "end the job with a report (which ranks stop answering) and exit 124 when one MPI wait "
         "lasts SECONDS (default: HYPAR_TIMEOUT, or no bound)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0.0, 1e9));
  app.add_flag("--progress", progress,
               "draw progress on rank 0 even when stderr is not a terminal");
  app.add_flag("--no-progress", no_progress, "never draw progress");
  app.set_version_flag("--version", std::string("hypar-heat (hypar) ") + hypar::version_string);

  auto usage_error = [&](const std::string& message) {
    outcome.kind = ParseOutcome::Kind::exit;
    outcome.exit_code = 2;
    outcome.to_stderr = true;
    outcome.output = "hypar-heat: " + message + " (try --help)\n";
    return outcome;
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    outcome.kind = ParseOutcome::Kind::exit;
    outcome.output = app.help();
    return outcome;
  } catch (const CLI::CallForVersion&) {
    outcome.kind = ParseOutcome::Kind::exit;
    outcome.output = app.version() + "\n";
    return outcome;
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what());
  }
  o.demo = argc <= 1;
  if (o.demo)
    o.png = "hypar-heat.png";

  if (o.nx < 0 || o.ny < 0)
    return usage_error("--nx and --ny must be at least 1");
  if (o.steps < 0)
    return usage_error("--steps must be 0 or more");
  if (!(o.r > 0) || !std::isfinite(o.r))
    return usage_error("--r must be positive");
  if (o.r > 0.25) {
    return usage_error("--r " + std::to_string(o.r) +
                       " exceeds the stability limit r <= 1/4 of the explicit 5-point scheme");
  }
  if (init == "hotspot") {
    o.init.kind = Init::Kind::hotspot;
  } else if (init.starts_with("sine:")) {
    o.init.kind = Init::Kind::sine;
    if (!parse_two_ints(std::string_view(init).substr(5), o.init.k, o.init.l))
      return usage_error("--init sine:K,L needs two positive integers, e.g. sine:1,2");
  } else if (init == "sine") {
    o.init.kind = Init::Kind::sine;
  } else if (init.ends_with(".h5") || init.ends_with(".hdf5") ||
             init.find('/') != std::string::npos) {
    o.init.kind = Init::Kind::file;
    o.init.path = init;
  } else {
    return usage_error("--init must be hotspot, sine:K,L or an HDF5 file (FILE.h5), not '" + init +
                       "'");
  }
  if (boundary == "dirichlet")
    o.neumann = false;
  else if (boundary == "neumann")
    o.neumann = true;
  else
    return usage_error("--boundary must be dirichlet or neumann, not '" + boundary + "'");
  if (o.init.kind == Init::Kind::file && o.restart)
    return usage_error("--init FILE and --restart FILE contradict (a restart has its own field)");
  if (o.checkpoint && o.checkpoint_every <= 0)
    return usage_error("--checkpoint needs --checkpoint-every K with K >= 1");
  if (!o.checkpoint && o.checkpoint_every != 0)
    return usage_error("--checkpoint-every needs --checkpoint FILE");
  if (o.png_every < 0)
    return usage_error("--png-every must be 1 or more");
  if (o.png_every > 0 && !o.png)
    return usage_error("--png-every needs --png PATTERN");
  if (o.png && o.png_every > 0 && !has_frame_conversion(*o.png))
    return usage_error("--png-every needs a frame pattern with one %d, e.g. 'heat_%05d.png'");
  if (o.png && o.png_every > 0) {
    // The pattern as the frames will use it: a bad one ('%s', two conversions) is a usage error
    // here, not a failure of every rank after the set-up.
    try {
      (void)hypar::io::frame_path(*o.png, 0);
    } catch (const hypar::Error& e) {
      std::string what = e.what();
      if (const std::string prefix = "hypar::io::frame_path: "; what.starts_with(prefix))
        what.erase(0, prefix.size());
      return usage_error("--png: " + what);
    }
  }
  if (o.png_size < 16 || o.png_size > 16384)
    return usage_error("--png-size must be between 16 and 16384");
  if (!limits.empty()) {
    std::array<double, 2> lh{};
    if (!parse_limits(limits, lh))
      return usage_error("--png-limits needs LO,HI with LO < HI, e.g. 0,1");
    o.png_limits = lh;
  }
  if (o.time_block < 0 || o.halo_width < 0)
    return usage_error("--time-block and --halo-width must be 1 or more");
  if (o.time_block > 0 && o.halo_width > 0 && o.halo_width < o.time_block)
    return usage_error("--halo-width must be at least --time-block");
  o.overlap = !no_overlap;
  if (threads < 0)
    return usage_error("--threads must be 0 (the default) or more");
  if (static_cast<unsigned long long>(threads) > max_threads) {
    return usage_error("--threads " + std::to_string(threads) + " is above the limit of " +
                       std::to_string(max_threads) + " threads per rank");
  }
  o.threads = static_cast<std::size_t>(threads);
  if (format == "table")
    o.format = Format::table;
  else if (format == "json")
    o.format = Format::json;
  else
    return usage_error("--format must be table or json, not '" + format + "'");
  if (progress && no_progress)
    return usage_error("--progress and --no-progress contradict");
  if (progress)
    o.progress = true;
  if (no_progress)
    o.progress = false;
  return outcome;
}

FileStart check_field_file(const Options& o, int nx, int ny,
                           const std::map<std::string, double>& attributes) {
  auto mismatch = [](const std::string& what) { return std::invalid_argument(what); };
  if ((o.nx > 0 && o.nx != nx) || (o.ny > 0 && o.ny != ny)) {
    throw mismatch("the file holds " + std::to_string(nx) + " x " + std::to_string(ny) +
                   " points, not the --nx " + std::to_string(o.nx) + " --ny " +
                   std::to_string(o.ny) + " asked for");
  }
  FileStart start{nx, ny, 0};
  if (!o.restart)
    return start;
  const auto& a = attributes;
  if (!a.contains("steps") || !a.contains("r") || !a.contains("neumann"))
    throw mismatch("not a hypar-heat checkpoint (attributes steps, r and neumann are missing)");
  const double steps = a.at("steps");
  // A whole number from 0 up to below 2^63, so that a long long holds it (converting inf or 1e19
  // is undefined; x86 made it -2^63, a restart "before" step 0).
  if (!(steps >= 0) || steps != std::floor(steps) || !(steps < 9223372036854775808.0))
    throw mismatch("attribute steps is not a step count");
  start.first_step = static_cast<long long>(steps);
  if (a.at("r") != o.r) {
    std::ostringstream m;
    m.precision(17);
    m << "the checkpoint was made with r = " << a.at("r") << ", not --r " << o.r
      << " (a restart continues the same run)";
    throw mismatch(m.str());
  }
  if ((a.at("neumann") != 0) != o.neumann)
    throw mismatch(std::string("the checkpoint was made with --boundary ") +
                   (o.neumann ? "dirichlet" : "neumann"));
  if (start.first_step > o.steps) {
    throw mismatch("the checkpoint is at step " + std::to_string(start.first_step) +
                   ", beyond --steps " + std::to_string(o.steps));
  }
  return start;
}

}  // namespace hypar_heat
