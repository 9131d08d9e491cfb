// PNG pictures of fields, checked by decoding them with libpng's own reader (png_image, an
// independent decoder from the writer's code): sizes, colours, orientation, the colour bar, NaN,
// frame names, and what happens when the file cannot be written.
#include <gtest/gtest.h>
#include <png.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <hypar/core/error.hpp>
#include <hypar/io.hpp>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using hypar::io::colour_map;
using hypar::io::frame_path;
using hypar::io::is_frame_pattern;
using hypar::io::PngOptions;
using hypar::io::write_field_png;
using Rgb = std::array<std::uint8_t, 3>;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "hypar-png-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path path() const { return path_; }
  // Every entry of the directory (to see that no temporary file is left).
  std::set<std::string> entries() const {
    std::set<std::string> out;
    for (const auto& e : fs::directory_iterator(path_))
      out.insert(e.path().filename().string());
    return out;
  }

 private:
  fs::path path_;
};

struct Image {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgb;
  Rgb at(int x, int y) const {
    const std::size_t i = (static_cast<std::size_t>(y) * width + x) * 3;
    return {rgb[i], rgb[i + 1], rgb[i + 2]};
  }
};

// Decodes with libpng's simplified reader, asking for 8-bit RGB.
Image decode(const fs::path& path) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) {
    ADD_FAILURE() << "cannot read " << path << ": " << image.message;
    return {};
  }
  image.format = PNG_FORMAT_RGB;
  Image out;
  out.width = static_cast<int>(image.width);
  out.height = static_cast<int>(image.height);
  out.rgb.resize(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, out.rgb.data(), 0, nullptr)) {
    ADD_FAILURE() << "cannot decode " << path << ": " << image.message;
    png_image_free(&image);
    return {};
  }
  return out;
}

struct Box {
  int x0 = std::numeric_limits<int>::max(), y0 = std::numeric_limits<int>::max();
  int x1 = -1, y1 = -1;  // inclusive
  long long count = 0;
  int w() const { return x1 - x0 + 1; }
  int h() const { return y1 - y0 + 1; }
};

// Bounding box and count of the pixels of colour c.
Box find_colour(const Image& img, const Rgb& c) {
  Box b;
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) {
      if (img.at(x, y) == c) {
        b.x0 = std::min(b.x0, x);
        b.y0 = std::min(b.y0, y);
        b.x1 = std::max(b.x1, x);
        b.y1 = std::max(b.y1, y);
        ++b.count;
      }
    }
  }
  return b;
}

// The map's entry index of each colour of the map (its first entry when neighbours are equal).
std::map<Rgb, int> map_entries() {
  std::map<Rgb, int> m;
  for (int k = 0; k < hypar::io::colour_map_levels; ++k)
    m.emplace(colour_map(k / (hypar::io::colour_map_levels - 1.0)), k);
  return m;
}

// CIE L* of an sRGB colour, written here from the sRGB and CIELAB definitions (independent of
// the OKLab design of the map).
double lightness(const Rgb& c) {
  auto linear = [](std::uint8_t v) {
    const double e = v / 255.0;
    return e <= 0.04045 ? e / 12.92 : std::pow((e + 0.055) / 1.055, 2.4);
  };
  const double y = 0.2126 * linear(c[0]) + 0.7152 * linear(c[1]) + 0.0722 * linear(c[2]);
  return y > 216.0 / 24389.0 ? 116.0 * std::cbrt(y) - 16.0 : y * 24389.0 / 27.0;
}

PngOptions plain(std::array<double, 2> limits) {
  PngOptions o;
  o.limits = limits;
  o.colour_bar = false;
  return o;
}

PngOptions sized(int max_size) {
  PngOptions o;
  o.max_size = max_size;
  return o;
}

PngOptions limited(double lo, double hi) {
  PngOptions o;
  o.limits = {{lo, hi}};
  return o;
}

std::vector<double> constant(int nx, int ny, double v) {
  return std::vector<double>(static_cast<std::size_t>(nx) * ny, v);
}

}  // namespace

// ---- the colour map
// -------------------------------------------------------------------------------

TEST(PngColourMap, DarkVioletToBrightYellowWithRisingLightness) {
  const Rgb bottom = colour_map(0.0), top = colour_map(1.0);
  EXPECT_LT(lightness(bottom), 30.0);
  EXPECT_GT(bottom[2], bottom[1]);  // violet: blue above green
  EXPECT_GT(bottom[0], bottom[1]);  // and red above green
  EXPECT_GT(lightness(top), 85.0);
  EXPECT_GT(top[0], 200);  // yellow
  EXPECT_GT(top[1], 200);
  EXPECT_LT(top[2], 120);
  // Lightness rises monotonically (so it reads in greyscale), in steps of similar size.
  const int n = 64;
  double previous = lightness(colour_map(0.0));
  double smallest = 1e9, largest = 0;
  for (int k = 1; k <= n; ++k) {
    const double l = lightness(colour_map(static_cast<double>(k) / n));
    EXPECT_GT(l, previous) << "at t = " << static_cast<double>(k) / n;
    smallest = std::min(smallest, l - previous);
    largest = std::max(largest, l - previous);
    previous = l;
  }
  EXPECT_LT(largest, 2.5 * smallest);
  // Clamped outside [0, 1]; NaN gives the bottom colour; the grey of NaN is not in the map.
  EXPECT_EQ(colour_map(-3.0), bottom);
  EXPECT_EQ(colour_map(7.0), top);
  EXPECT_EQ(colour_map(kNaN), bottom);
  EXPECT_EQ(map_entries().count(hypar::io::non_finite_colour), 0u);
  EXPECT_GT(map_entries().size(), 200u);  // many distinct colours
}

// ---- sizes
// ----------------------------------------------------------------------------------------

TEST(PngSize, FieldImageSizeRule) {
  using hypar::io::detail::field_image_size;
  EXPECT_EQ(field_image_size(3000, 1500, 1024), (std::array<int, 2>{1024, 512}));
  EXPECT_EQ(field_image_size(1000, 333, 256), (std::array<int, 2>{256, 85}));  // 85.2
  EXPECT_EQ(field_image_size(333, 1000, 256), (std::array<int, 2>{85, 256}));
  EXPECT_EQ(field_image_size(1024, 1024, 1024), (std::array<int, 2>{1024, 1024}));
  EXPECT_EQ(field_image_size(300, 200, 1024), (std::array<int, 2>{300, 200}));
  EXPECT_EQ(field_image_size(8, 8, 1024), (std::array<int, 2>{256, 256}));  // x32
  EXPECT_EQ(field_image_size(5, 3, 1024), (std::array<int, 2>{260, 156}));  // x52
  EXPECT_EQ(field_image_size(1, 1, 1024), (std::array<int, 2>{256, 256}));
  EXPECT_EQ(field_image_size(8, 8, 100), (std::array<int, 2>{96, 96}));  // never beyond max_size
  EXPECT_EQ(field_image_size(100000, 1, 1024), (std::array<int, 2>{1024, 1}));
}

// The field's pixels (one colour: a constant field with fixed limits) form a block of exactly
// the documented size, with the aspect ratio kept.
TEST(PngSize, DownsampledToMaxSizeOnTheLongSide) {
  TempDir dir;
  struct Case {
    int nx, ny, max_size, w, h;
  };
  for (const Case& c : {Case{3000, 1500, 1024, 1024, 512}, Case{1000, 333, 256, 256, 85},
                        Case{400, 1200, 300, 100, 300}}) {
    const fs::path p = dir.path() / "f.png";
    PngOptions o = plain({0.0, 1.0});
    o.max_size = c.max_size;
    write_field_png(p, constant(c.nx, c.ny, 0.3), c.nx, c.ny, o);
    const Image img = decode(p);
    const Box b = find_colour(img, colour_map(0.3));
    EXPECT_EQ(b.w(), c.w) << c.nx << " x " << c.ny;
    EXPECT_EQ(b.h(), c.h) << c.nx << " x " << c.ny;
    EXPECT_EQ(b.count, static_cast<long long>(c.w) * c.h);
  }
}

// A tiny grid is enlarged by an integer factor, each cell an equal square of its own colour.
TEST(PngSize, TinyGridsAreEnlargedByAnIntegerFactor) {
  TempDir dir;
  const int nx = 5, ny = 3;
  std::vector<double> v(nx * ny);
  for (int j = 0; j < ny; ++j) {
    for (int i = 0; i < nx; ++i)
      v[j * nx + i] = j * nx + i;  // every cell its own value 0 .. 14
  }
  const fs::path p = dir.path() / "tiny.png";
  write_field_png(p, v, nx, ny, plain({0.0, 14.0}));
  const Image img = decode(p);
  const int f = 52;  // ceil(256 / 5)
  for (int j = 0; j < ny; ++j) {
    for (int i = 0; i < nx; ++i) {
      const Box b = find_colour(img, colour_map(v[j * nx + i] / 14.0));
      EXPECT_EQ(b.w(), f) << i << "," << j;
      EXPECT_EQ(b.h(), f) << i << "," << j;
      EXPECT_EQ(b.count, f * f) << i << "," << j;
    }
  }
  // Cell (0, 0) is bottom left, cell (4, 2) top right, neighbours adjacent.
  const Box first = find_colour(img, colour_map(0.0));
  const Box last = find_colour(img, colour_map(1.0));
  EXPECT_EQ(last.x0, first.x0 + 4 * f);
  EXPECT_EQ(last.y0, first.y0 - 2 * f);
}

// ---- colours
// --------------------------------------------------------------------------------------

// With fixed limits, a value at or above hi gets the map's top colour and one at or below lo its
// bottom colour; the hot region is where the hot cells are.
TEST(PngColours, HotAndColdRegionsWithFixedLimits) {
  TempDir dir;
  const int nx = 300, ny = 200;
  std::vector<double> v(nx * ny);
  for (int j = 0; j < ny; ++j) {
    for (int i = 0; i < nx; ++i)
      v[j * nx + i] = i < nx / 2 ? -5.0 : 12.0;  // left cold (below lo), right hot (above hi)
  }
  const fs::path p = dir.path() / "hotcold.png";
  write_field_png(p, v, nx, ny, plain({0.0, 10.0}));
  const Image img = decode(p);
  const Box cold = find_colour(img, colour_map(0.0));
  const Box hot = find_colour(img, colour_map(1.0));
  EXPECT_EQ(cold.count, 150 * 200);
  EXPECT_EQ(hot.count, 150 * 200);
  EXPECT_EQ(hot.x0, cold.x1 + 1);
  EXPECT_EQ(hot.y0, cold.y0);
  // Exactly lo and hi give the end colours too.
  write_field_png(p, constant(20, 20, 10.0), 20, 20, plain({0.0, 10.0}));
  EXPECT_EQ(find_colour(decode(p), colour_map(1.0)).count, 260 * 260);  // x13
  write_field_png(p, constant(20, 20, 0.0), 20, 20, plain({0.0, 10.0}));
  EXPECT_EQ(find_colour(decode(p), colour_map(0.0)).count, 260 * 260);
}

// Row j = ny - 1 is the top of the image, i = 0 the left.
TEST(PngColours, OrientationYUpXRight) {
  TempDir dir;
  const int nx = 400, ny = 300;
  std::vector<double> v(nx * ny, 0.0);
  for (int i = 0; i < nx; ++i)
    v[(ny - 1) * nx + i] = 1.0;  // hot only in the row j = ny - 1
  for (int j = 0; j < ny - 1; ++j)
    v[j * nx + 0] = 0.5;  // and the column i = 0 below it in the middle colour
  const fs::path p = dir.path() / "orient.png";
  write_field_png(p, v, nx, ny, plain({0.0, 1.0}));
  const Image img = decode(p);
  const Box hot = find_colour(img, colour_map(1.0));
  const Box cold = find_colour(img, colour_map(0.0));
  const Box left = find_colour(img, colour_map(0.5));
  EXPECT_EQ(hot.h(), 1);
  EXPECT_EQ(hot.w(), nx);
  EXPECT_EQ(hot.y1 + 1, cold.y0);  // the hot row is directly above the cold ones
  EXPECT_EQ(cold.h(), ny - 1);
  EXPECT_EQ(left.w(), 1);
  EXPECT_EQ(left.x1 + 1, cold.x0);  // column i = 0 is at the left
  EXPECT_EQ(left.y1, cold.y1);      // and reaches the bottom
}

// Downsampling averages over the covered area: a checkerboard halved is uniformly the middle
// colour; a reduction by 1.5 of a ramp gives each pixel the mean of its footprint.
TEST(PngColours, BoxAveraging) {
  TempDir dir;
  const fs::path p = dir.path() / "avg.png";
  {
    const int n = 64;
    std::vector<double> v(n * n);
    for (int j = 0; j < n; ++j) {
      for (int i = 0; i < n; ++i)
        v[j * n + i] = (i + j) % 2;
    }
    PngOptions o = plain({0.0, 1.0});
    o.max_size = 32;
    write_field_png(p, v, n, n, o);
    EXPECT_EQ(find_colour(decode(p), colour_map(0.5)).count, 32 * 32);
  }
  {
    const int nx = 48, ny = 16;  // -> 32 x 11 (16 * 32 / 48 = 10.67)
    std::vector<double> v(nx * ny);
    for (int j = 0; j < ny; ++j) {
      for (int i = 0; i < nx; ++i)
        v[j * nx + i] = i;
    }
    PngOptions o = plain({0.0, 47.0});
    o.max_size = 32;
    write_field_png(p, v, nx, ny, o);
    const Image img = decode(p);
    // Pixel px covers x in [1.5 px, 1.5 px + 1.5): cells i with weights of that interval.
    const Box all = find_colour(img, colour_map(0.0));  // px = 0: cells 0 (1) and 1 (0.5) -> 1/3
    EXPECT_EQ(all.count, 0);
    int checked = 0;
    for (int px = 0; px < 32; ++px) {
      const double a = 1.5 * px, b = a + 1.5;
      double sum = 0;
      for (int i = 0; i < nx; ++i)
        sum += i * std::max(0.0, std::min<double>(b, i + 1) - std::max<double>(a, i));
      const Rgb expected = colour_map(sum / 1.5 / 47.0);
      const Box col = find_colour(img, expected);
      EXPECT_GE(col.count, 11) << "pixel column " << px;
      checked += col.count >= 11;
    }
    EXPECT_EQ(checked, 32);
  }
}

// Non-finite cells are grey; a downsampled pixel touching one is grey too (never hidden).
TEST(PngColours, NonFiniteCellsAreGrey) {
  TempDir dir;
  const fs::path p = dir.path() / "nan.png";
  const int nx = 40, ny = 20;
  std::vector<double> v(nx * ny, 0.25);
  v[5 * nx + 3] = kNaN;
  v[10 * nx + 30] = kInf;
  v[15 * nx + 20] = -kInf;
  write_field_png(p, v, nx, ny, plain({0.0, 1.0}));
  const Image img = decode(p);
  const int f = 7;  // ceil(256 / 40)
  EXPECT_EQ(find_colour(img, hypar::io::non_finite_colour).count, 3 * f * f);
  EXPECT_EQ(find_colour(img, colour_map(0.25)).count, (nx * ny - 3) * f * f);
  // Automatic limits ignore the non-finite cells: 0.25 everywhere else is a constant field.
  PngOptions automatic;
  automatic.colour_bar = false;
  write_field_png(p, v, nx, ny, automatic);
  EXPECT_EQ(find_colour(decode(p), hypar::io::non_finite_colour).count, 3 * f * f);
  // Reduced 4x: one NaN cell makes one grey pixel.
  const int big = 1024;
  std::vector<double> w(big * big, 0.25);
  w[100 * big + 200] = kNaN;
  PngOptions o = plain({0.0, 1.0});
  o.max_size = 256;
  write_field_png(p, w, big, big, o);
  const Box grey = find_colour(decode(p), hypar::io::non_finite_colour);
  EXPECT_EQ(grey.count, 1);
  // An all-NaN field: all grey, no throw.
  write_field_png(p, constant(10, 10, kNaN), 10, 10);
  EXPECT_EQ(find_colour(decode(p), hypar::io::non_finite_colour).count, 260 * 260);
}

// Equal automatic limits (a constant field) are widened: the field gets the middle colour.
TEST(PngColours, ConstantFieldGetsTheMiddleColour) {
  TempDir dir;
  const fs::path p = dir.path() / "const.png";
  for (double c : {0.0, 5.0, -3e-7, 1e300}) {
    PngOptions o;
    o.colour_bar = false;
    write_field_png(p, constant(300, 300, c), 300, 300, o);
    EXPECT_EQ(find_colour(decode(p), colour_map(0.5)).count, 300 * 300) << c;
  }
}

// ---- the colour bar
// ---------------------------------------------------------------------------------

// A column through the bar runs through the map's colours in order, top colour at the top, and
// its lightness falls from top to bottom; there are tick labels at five heights beside it.
TEST(PngColourBar, GradientIsMonotoneAndLabelled) {
  TempDir dir;
  const fs::path p = dir.path() / "bar.png";
  PngOptions o;
  o.limits = {{-2.0, 3.0}};
  write_field_png(p, constant(512, 512, kNaN), 512, 512, o);  // field all grey: only the bar
  const Image img = decode(p);
  const Box top = find_colour(img, colour_map(1.0));
  const Box bottom = find_colour(img, colour_map(0.0));
  ASSERT_GT(top.count, 0);
  ASSERT_GT(bottom.count, 0);
  EXPECT_EQ(top.x0, bottom.x0);  // one bar, its top row the top colour, its bottom row the bottom
  EXPECT_EQ(top.w(), bottom.w());
  EXPECT_EQ(top.h(), 1);
  EXPECT_EQ(bottom.h(), 1);
  EXPECT_GE(top.w(), 10);
  EXPECT_GE(bottom.y0 - top.y0 + 1, 512);  // at least as tall as the field
  const auto entries = map_entries();
  const int x = (top.x0 + top.x1) / 2;
  int previous_entry = hypar::io::colour_map_levels;
  double previous_lightness = 101.0;
  std::set<int> seen;
  for (int y = top.y0; y <= bottom.y0; ++y) {
    const auto it = entries.find(img.at(x, y));
    ASSERT_NE(it, entries.end()) << "row " << y << " is not a colour of the map";
    EXPECT_LE(it->second, previous_entry) << "row " << y;
    EXPECT_LE(lightness(img.at(x, y)), previous_lightness + 0.5) << "row " << y;  // 8-bit rounding
    previous_entry = it->second;
    previous_lightness = lightness(img.at(x, y));
    seen.insert(it->second);
  }
  EXPECT_GT(seen.size(), 200u);
  // Labels: ink (dark pixels) right of the bar, in five separate bands of rows.
  auto dark = [](const Rgb& c) { return c[0] < 100 && c[1] < 100 && c[2] < 100; };
  std::vector<bool> ink_row(img.height, false);
  for (int y = 0; y < img.height; ++y) {
    for (int xx = top.x1 + 8; xx < img.width; ++xx)
      ink_row[y] = ink_row[y] || dark(img.at(xx, y));
  }
  int bands = 0;
  for (int y = 0; y < img.height; ++y)
    bands += ink_row[y] && (y == 0 || !ink_row[y - 1]);
  EXPECT_EQ(bands, 5);
}

TEST(PngColourBar, Labels) {
  using hypar::io::detail::colour_bar_labels;
  EXPECT_EQ(colour_bar_labels(0.0, 1.0, 5),
            (std::vector<std::string>{"0", "0.25", "0.5", "0.75", "1"}));
  EXPECT_EQ(colour_bar_labels(-1.0, 1.0, 3), (std::vector<std::string>{"-1", "0", "1"}));
  EXPECT_EQ(colour_bar_labels(-12345.0, 67890.0, 3),
            (std::vector<std::string>{"-1.23e+04", "2.78e+04", "6.79e+04"}));
  EXPECT_EQ(colour_bar_labels(1e-5, 3e-5, 3),
            (std::vector<std::string>{"1e-05", "2e-05", "3e-05"}));
  // -0.1 .. 0.1: the middle is computed as 0 (not 1e-18) and prints as "0", not "-0".
  EXPECT_EQ(colour_bar_labels(-0.1, 0.1, 3), (std::vector<std::string>{"-0.1", "0", "0.1"}));
  // More digits only when three would repeat a label.
  EXPECT_EQ(colour_bar_labels(1.0, 1.001, 3), (std::vector<std::string>{"1", "1.0005", "1.001"}));
}

// The title is drawn above the field: ink rows above the field's first row.
TEST(PngColourBar, TitleAboveTheField) {
  TempDir dir;
  const fs::path p = dir.path() / "title.png";
  PngOptions o = plain({0.0, 1.0});
  write_field_png(p, constant(300, 300, 0.5), 300, 300, o);
  const Image without = decode(p);
  o.title = "heat t = 1.5e-3";
  write_field_png(p, constant(300, 300, 0.5), 300, 300, o);
  const Image with = decode(p);
  const Box field = find_colour(with, colour_map(0.5));
  EXPECT_GT(with.height, without.height);
  EXPECT_EQ(with.width, without.width);
  int ink = 0;
  for (int y = 0; y < field.y0 - 1; ++y) {
    for (int x = 0; x < with.width; ++x)
      ink += with.at(x, y)[0] < 100;
  }
  EXPECT_GT(ink, 50);
  // A title far too long for the picture is cut, not an error and not a wider picture.
  o.title = std::string(1000, 'W');
  write_field_png(p, constant(300, 300, 0.5), 300, 300, o);
  EXPECT_EQ(decode(p).width, without.width);
}

// ---- validation
// -------------------------------------------------------------------------------------

TEST(PngValidation, BadArgumentsThrowNamingThePath) {
  TempDir dir;
  const fs::path p = dir.path() / "bad.png";
  const auto v = constant(4, 4, 1.0);
  auto expect_error = [&](auto call, const std::string& needle) {
    try {
      call();
      ADD_FAILURE() << "no error, expected one mentioning " << needle;
    } catch (const hypar::Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error([&] { write_field_png(p, v, 0, 16); }, "0 x 16");
  expect_error([&] { write_field_png(p, v, 4, -1); }, "4 x -1");
  expect_error([&] { write_field_png(p, v, 4, 5); }, "16 values for a 4 x 5 grid");
  expect_error([&] { write_field_png(p, std::span<const double>{}, 1, 1); }, "0 values");
  expect_error([&] { write_field_png(p, v, 4, 4, sized(15)); }, "max_size is 15");
  expect_error([&] { write_field_png(p, v, 4, 4, sized(1 << 20)); }, "max_size");
  expect_error([&] { write_field_png(p, v, 4, 4, limited(1.0, 1.0)); }, "lo < hi");
  expect_error([&] { write_field_png(p, v, 4, 4, limited(2.0, 1.0)); }, "lo < hi");
  expect_error([&] { write_field_png(p, v, 4, 4, limited(0.0, kInf)); }, "finite");
  expect_error([&] { write_field_png(p, v, 4, 4, limited(kNaN, 1.0)); }, "finite");
  expect_error([&] { write_field_png(dir.path() / "", v, 4, 4); }, "directory");
  expect_error([&] { write_field_png(dir.path(), v, 4, 4); }, "not a regular file");
  expect_error([&] { write_field_png("", v, 4, 4); }, "empty");
  // Every message names the path.
  try {
    write_field_png(p, v, 4, 5);
  } catch (const hypar::Error& e) {
    EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos) << e.what();
  }
  EXPECT_TRUE(dir.entries().empty());
}

// ---- files
// --------------------------------------------------------------------------------------------

TEST(PngFiles, ReplacesAtomicallyAndLeavesNoTemporary) {
  TempDir dir;
  const fs::path p = dir.path() / "out.png";
  std::ofstream(p) << "old contents";
  write_field_png(p, constant(30, 20, 1.0), 30, 20);
  EXPECT_EQ(dir.entries(), (std::set<std::string>{"out.png"}));
  const Image img = decode(p);
  EXPECT_GT(img.width, 256);
  // A relative path (temporary in the current directory) works too.
  const fs::path cwd = fs::current_path();
  fs::current_path(dir.path());
  write_field_png("rel.png", constant(30, 20, 1.0), 30, 20);
  fs::current_path(cwd);
  EXPECT_EQ(dir.entries(), (std::set<std::string>{"out.png", "rel.png"}));
  // The file gets the usual permissions (0666 less the umask), not a temporary file's 0600.
  const mode_t mask = ::umask(022);
  ::umask(mask);
  EXPECT_EQ(static_cast<mode_t>(fs::status(dir.path() / "rel.png").permissions()) & 0777,
            0666 & ~mask);
}

TEST(PngFiles, UnwritablePathThrowsAndLeavesNoFile) {
  TempDir dir;
  const auto v = constant(8, 8, 1.0);
  // A missing directory.
  const fs::path missing = dir.path() / "no" / "such" / "dir" / "f.png";
  try {
    write_field_png(missing, v, 8, 8);
    ADD_FAILURE() << "no error";
  } catch (const hypar::Error& e) {
    EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("No such file or directory"), std::string::npos)
        << e.what();
  }
  // A regular file where a directory should be.
  std::ofstream(dir.path() / "file") << "x";
  EXPECT_THROW(write_field_png(dir.path() / "file" / "f.png", v, 8, 8), hypar::Error);
  // A directory without write permission (root may write anyway: then only check the rest).
  const fs::path locked = dir.path() / "locked";
  fs::create_directory(locked);
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
  if (::access(locked.c_str(), W_OK) != 0) {
    EXPECT_THROW(write_field_png(locked / "f.png", v, 8, 8), hypar::Error);
  }
  fs::permissions(locked, fs::perms::owner_all);
  if (::geteuid() != 0) {
    EXPECT_TRUE(fs::is_empty(locked));
  }
  EXPECT_EQ(dir.entries(), (std::set<std::string>{"file", "locked"}));
  // A special file (a FIFO of our own: never /dev/null, which a bug here would replace for the
  // whole machine) is not replaced, and a read-only file system (/proc) refuses the temporary.
  const fs::path fifo = dir.path() / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_THROW(write_field_png(fifo, v, 8, 8), hypar::Error);
  EXPECT_TRUE(fs::is_fifo(fifo));
  EXPECT_THROW(write_field_png("/proc/hypar-test.png", v, 8, 8), hypar::Error);
}

// A full disk: /dev/full takes no bytes (ENOSPC) through the encoder, both when libpng's write
// callback fails (a picture larger than stdio's buffer) and when only the final flush does.
TEST(PngFiles, FullDiskThrows) {
  if (!fs::exists("/dev/full")) {
    GTEST_SKIP() << "no /dev/full";
  }
  for (int side : {8, 600}) {
    std::FILE* full = std::fopen("/dev/full", "wb");
    ASSERT_NE(full, nullptr);
    std::vector<std::uint8_t> rgb(static_cast<std::size_t>(side) * side * 3);
    std::uint32_t state = 12345;  // noise, so that the compressed picture exceeds stdio's buffer
    for (auto& byte : rgb) {
      state = state * 1664525u + 1013904223u;
      byte = static_cast<std::uint8_t>(state >> 24);
    }
    try {
      hypar::io::detail::write_rgb_png(full, rgb, side, side, "'/dev/full'");
      ADD_FAILURE() << "no error writing " << side << " x " << side << " to /dev/full";
    } catch (const hypar::Error& e) {
      EXPECT_NE(std::string(e.what()).find("No space left on device"), std::string::npos)
          << e.what();
      EXPECT_NE(std::string(e.what()).find("/dev/full"), std::string::npos) << e.what();
    }
    std::fclose(full);
  }
}

// A full disk through the whole function: a file size limit (RLIMIT_FSIZE) makes the writes fail
// with EFBIG part-way; the target is not created and no temporary is left.
TEST(PngFiles, WriteFailurePartWayLeavesNothing) {
  TempDir dir;
  const fs::path p = dir.path() / "big.png";
  std::vector<double> v(700 * 700);
  for (std::size_t k = 0; k < v.size(); ++k)
    v[k] = std::sin(0.37 * k) * std::cos(0.011 * k);  // noisy: compresses badly
  rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  rlimit small = old;
  small.rlim_cur = 50000;
  void (*old_handler)(int) = ::signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string message;
  try {
    write_field_png(p, v, 700, 700);
  } catch (const hypar::Error& e) {
    message = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &old);
  ::signal(SIGXFSZ, old_handler);
  EXPECT_NE(message.find("File too large"), std::string::npos) << message;
  EXPECT_NE(message.find(p.string()), std::string::npos) << message;
  EXPECT_TRUE(dir.entries().empty());
  // A failed write over an existing picture leaves the old one intact.
  write_field_png(p, constant(10, 10, 1.0), 10, 10);
  const Image before = decode(p);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  ::signal(SIGXFSZ, SIG_IGN);
  EXPECT_THROW(write_field_png(p, v, 700, 700), hypar::Error);
  ::setrlimit(RLIMIT_FSIZE, &old);
  ::signal(SIGXFSZ, old_handler);
  const Image after = decode(p);
  EXPECT_EQ(after.width, before.width);
  EXPECT_EQ(after.height, before.height);
  EXPECT_TRUE(after.rgb == before.rgb);
  EXPECT_EQ(dir.entries(), (std::set<std::string>{"big.png"}));
}

// ---- frame names
// ----------------------------------------------------------------------------------------

TEST(PngFramePath, Expands) {
  EXPECT_EQ(frame_path("frames/heat_%05d.png", 42), "frames/heat_00042.png");
  EXPECT_EQ(frame_path("heat_%d.png", 0), "heat_0.png");
  EXPECT_EQ(frame_path("heat_%d.png", 1234567890123LL), "heat_1234567890123.png");
  EXPECT_EQ(frame_path("%6d.png", 42), "    42.png");
  EXPECT_EQ(frame_path("%i", 7), "7");
  EXPECT_EQ(frame_path("f%lld", 7), "f7");
  EXPECT_EQ(frame_path("f%ld", 7), "f7");
  EXPECT_EQ(frame_path("%05d", 123456), "123456");  // wider than the width: not cut
  EXPECT_EQ(frame_path("100%%_%03d%%.png", 5), "100%_005%.png");
  // Negative numbers as printf prints them.
  EXPECT_EQ(frame_path("%05d", -42), "-0042");
  EXPECT_EQ(frame_path("%5d", -42), "  -42");
  EXPECT_EQ(frame_path("%d", std::numeric_limits<long long>::min()), "-9223372036854775808");
  // Against snprintf for a spread of values and formats (fixed formats, not user strings).
  for (long long i : {0LL, 1LL, 9LL, 10LL, 99999LL, 100000LL, -1LL, -99999LL}) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "a%05lldb", i);
    EXPECT_EQ(frame_path("a%05db", i), buffer);
    std::snprintf(buffer, sizeof buffer, "a%7lldb", i);
    EXPECT_EQ(frame_path("a%7db", i), buffer);
  }
}

TEST(PngFramePath, Errors) {
  auto message = [](std::string_view pattern) {
    try {
      frame_path(pattern, 1);
    } catch (const hypar::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("heat.png").find("no integer conversion"), std::string::npos);
  EXPECT_NE(message("100%%.png").find("no integer conversion"), std::string::npos);
  EXPECT_NE(message("%d_%d.png").find("more than one"), std::string::npos);
  EXPECT_NE(message("heat_%s.png").find("'%s' at position 5"), std::string::npos)
      << message("heat_%s.png");
  EXPECT_NE(message("%x").find("not an integer conversion"), std::string::npos);
  EXPECT_NE(message("%.3d").find("not an integer conversion"), std::string::npos);
  EXPECT_NE(message("%-5d").find("not an integer conversion"), std::string::npos);
  EXPECT_NE(message("%n").find("not an integer conversion"), std::string::npos);
  EXPECT_NE(message("%5$d").find("not an integer conversion"), std::string::npos);
  EXPECT_NE(message("%lllld").find("not an integer conversion"), std::string::npos);
  EXPECT_NE(message("heat_%05").find("ends inside"), std::string::npos);
  EXPECT_NE(message("heat_%").find("ends inside"), std::string::npos);
  EXPECT_NE(message("%99d").find("width above 32"), std::string::npos);
  EXPECT_NE(message("%d%s").find("'%d%s'"), std::string::npos);  // the pattern is quoted
  EXPECT_EQ(frame_path("%32d", 1).size(), 32u);
}

TEST(PngFramePath, IsFramePattern) {
  EXPECT_TRUE(is_frame_pattern("frames/heat_%05d.png"));
  EXPECT_TRUE(is_frame_pattern("%d"));
  EXPECT_TRUE(
      is_frame_pattern("heat_%s.png"));  // meant as a pattern; frame_path says what is wrong
  EXPECT_TRUE(is_frame_pattern("50%%_%d"));
  EXPECT_TRUE(is_frame_pattern("x%"));
  EXPECT_FALSE(is_frame_pattern("heat.png"));
  EXPECT_FALSE(is_frame_pattern("100%%.png"));
  EXPECT_FALSE(is_frame_pattern(""));
}
