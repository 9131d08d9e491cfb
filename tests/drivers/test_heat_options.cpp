// hypar-heat's check of a --init / --restart field file (hypar_heat::check_field_file) against
// the options: sizes, and a checkpoint's steps, r and boundary.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "options.hpp"

namespace {

using hypar_heat::check_field_file;
using hypar_heat::Options;

Options restart_options(long long steps) {
  Options o;
  o.restart = "checkpoint.h5";
  o.steps = steps;
  o.r = 0.25;
  return o;
}

std::map<std::string, double> checkpoint(double steps) {
  return {{"nx", 8}, {"ny", 4}, {"steps", steps}, {"r", 0.25}, {"neumann", 0}};
}

/// The message of the std::invalid_argument that check_field_file throws, or "" when it accepts.
std::string refusal(const Options& o, const std::map<std::string, double>& attributes) {
  try {
    check_field_file(o, 8, 4, attributes);
    return "";
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
}

TEST(HeatFieldFile, ARestartContinuesFromTheCheckpointsStep) {
  const auto start = check_field_file(restart_options(100), 8, 4, checkpoint(40));
  EXPECT_EQ(start.nx, 8);
  EXPECT_EQ(start.ny, 4);
  EXPECT_EQ(start.first_step, 40);
}

TEST(HeatFieldFile, SizesMustAgreeWithTheFlags) {
  Options o;
  o.nx = 9;
  EXPECT_NE(refusal(o, {}).find("8 x 4 points"), std::string::npos);
  o.nx = 8;
  o.ny = 4;
  EXPECT_EQ(check_field_file(o, 8, 4, {}).first_step, 0);  // --init: no attributes needed
}

TEST(HeatFieldFile, ACheckpointNeedsStepsRAndBoundary) {
  auto a = checkpoint(10);
  a.erase("neumann");
  EXPECT_NE(refusal(restart_options(100), a).find("not a hypar-heat checkpoint"),
            std::string::npos);
  Options other_r = restart_options(100);
  other_r.r = 0.125;
  EXPECT_NE(refusal(other_r, checkpoint(10)).find("r = 0.25"), std::string::npos);
  Options neumann = restart_options(100);
  neumann.neumann = true;
  EXPECT_NE(refusal(neumann, checkpoint(10)).find("--boundary dirichlet"), std::string::npos);
  EXPECT_NE(refusal(restart_options(5), checkpoint(10)).find("beyond --steps 5"),
            std::string::npos);
}

TEST(HeatFieldFile, StepsMustBeAWholeNumberFromZero) {
  for (const double steps : {-1.0, 0.5, std::nan("")}) {
    EXPECT_EQ(refusal(restart_options(100), checkpoint(steps)),
              "attribute steps is not a step count")
        << steps;
  }
}

// Found by fuzz_heat_restart: a steps attribute of 2^63 or more (1e19, infinity) passed the
// whole-number check and was converted to long long, which is undefined (x86 gave -2^63: a
// restart at a negative step, accepted as not beyond --steps).
TEST(HeatFieldFile, StepsBeyondALongLongAreRefused) {
  const long long most = std::numeric_limits<long long>::max();
  for (const double steps :
       {1e19, 9223372036854775808.0, std::numeric_limits<double>::infinity()}) {
    EXPECT_EQ(refusal(restart_options(most), checkpoint(steps)),
              "attribute steps is not a step count")
        << steps;
  }
  // The largest double below 2^63 is still a step count.
  const double below = 9223372036854774784.0;
  EXPECT_EQ(check_field_file(restart_options(most), 8, 4, checkpoint(below)).first_step,
            9223372036854774784LL);
}

/// parse_command_line on `args` (after the program name).
hypar_heat::ParseOutcome parse(std::vector<std::string> args) {
  args.insert(args.begin(), "hypar-heat");
  std::vector<const char*> argv;
  for (const auto& a : args)
    argv.push_back(a.c_str());
  return hypar_heat::parse_command_line(static_cast<int>(argv.size()), argv.data());
}

TEST(HeatOptions, AFramePatternTakesOneIntegerConversion) {
  const auto good = parse({"--png", "frames/heat_%05d.png", "--png-every", "5"});
  EXPECT_EQ(good.kind, hypar_heat::ParseOutcome::Kind::run);
  EXPECT_EQ(parse({"--png", "heat.png", "--png-every", "5"}).exit_code, 2);  // no conversion
}

// Found by fuzz_options: a frame pattern with a '%' that is no integer conversion ('%s', '%*05d')
// or with two conversions passed the options, and every rank then failed at the first frame
// ("rank N: fatal"), after the set-up; it is a usage error now, with frame_path's reason.
TEST(HeatOptions, ABadFramePatternIsAUsageError) {
  for (const std::string pattern : {"heat_%s.png", "heat_%*05d.png", "heat_%d_%d.png"}) {
    const auto outcome = parse({"--png", pattern, "--png-every", "5"});
    EXPECT_EQ(outcome.kind, hypar_heat::ParseOutcome::Kind::exit) << pattern;
    EXPECT_EQ(outcome.exit_code, 2) << pattern;
    EXPECT_TRUE(outcome.to_stderr) << pattern;
    EXPECT_NE(outcome.output.find("--png: frame pattern '" + pattern + "'"), std::string::npos)
        << outcome.output;
  }
}

}  // namespace
