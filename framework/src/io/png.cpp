// PNG pictures of a 2D field: resampling, the colour map, a bitmap font, layout, libpng output.
#include <fcntl.h>
#include <png.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <hypar/core/error.hpp>
#include <hypar/core/interrupt.hpp>
#include <hypar/io/png.hpp>
#include <limits>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace hypar::io {
namespace {

namespace fs = std::filesystem;
using Rgb = std::array<std::uint8_t, 3>;

constexpr int kMinLongSide = 256;  // a tiny grid is enlarged to at least this many pixels
constexpr int kMaxSizeLimit = 1 << 15;
constexpr Rgb kInk = {34, 34, 34};  // text, frames and tick marks

// ---- the colour map ----------------------------------------------------------------------------
// Design: a curve through OKLab (Ottosson 2020, a perceptual space where Euclidean distance
// approximates perceived difference), chosen to look like the familiar viridis family without
// using its data:
//   lightness L(t) = 0.27 + 0.65 t  (rising linearly: the map reads correctly in greyscale and for
//                                    every kind of colour blindness, which mostly loses hue)
//   hue       h(t) = 318 - 216 t degrees (violet, blue, teal, green, yellow: the blue-yellow axis
//                                    that red-green colour-blind viewers keep)
//   chroma    C(t) = 0.14 - 0.19 t + 0.23 t^2 (less colourful in the middle, like viridis)
// Where a point falls outside the sRGB gamut its chroma is reduced (bisection) at the same
// lightness and hue. The curve is then resampled to equal OKLab arc length, so consecutive table
// entries are equally far apart perceptually (the "perceptually uniform" part).

struct Lab {
  double l, a, b;
};

// OKLab -> linear sRGB, with the published matrices of the OKLab definition.
std::array<double, 3> oklab_to_linear_srgb(const Lab& c) {
  const double l_ = c.l + 0.3963377774 * c.a + 0.2158037573 * c.b;
  const double m_ = c.l - 0.1055613458 * c.a - 0.0638541728 * c.b;
  const double s_ = c.l - 0.0894841775 * c.a - 1.2914855480 * c.b;
  const double l = l_ * l_ * l_, m = m_ * m_ * m_, s = s_ * s_ * s_;
  return {4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s,
          -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s,
          -0.0041960863 * l - 0.7034186147 * m + 1.7076127010 * s};
}

bool in_gamut(const Lab& c) {
  for (double v : oklab_to_linear_srgb(c)) {
    if (v < -1e-9 || v > 1.0 + 1e-9)
      return false;
  }
  return true;
}

Lab map_curve(double t) {
  constexpr double kPi = 3.14159265358979323846;
  const double lightness = 0.27 + 0.65 * t;
  const double hue = (318.0 - 216.0 * t) * kPi / 180.0;
  const double chroma = 0.14 - 0.19 * t + 0.23 * t * t;
  auto at = [&](double c) { return Lab{lightness, c * std::cos(hue), c * std::sin(hue)}; };
  if (in_gamut(at(chroma)))
    return at(chroma);
  double inside = 0.0, outside = chroma;  // chroma 0 (a grey) is always inside for L in [0, 1]
  for (int k = 0; k < 40; ++k) {
    const double mid = 0.5 * (inside + outside);
    (in_gamut(at(mid)) ? inside : outside) = mid;
  }
  return at(inside);
}

std::uint8_t encode_srgb(double linear) {
  const double v = std::clamp(linear, 0.0, 1.0);
  const double e = v <= 0.0031308 ? 12.92 * v : 1.055 * std::pow(v, 1.0 / 2.4) - 0.055;
  return static_cast<std::uint8_t>(std::lround(std::clamp(e, 0.0, 1.0) * 255.0));
}

using ColourTable = std::array<Rgb, colour_map_levels>;

ColourTable build_colour_table() {
  constexpr int kSamples = 4096;
  std::vector<double> arc(kSamples + 1, 0.0);
  Lab previous = map_curve(0.0);
  for (int k = 1; k <= kSamples; ++k) {
    const Lab c = map_curve(static_cast<double>(k) / kSamples);
    arc[k] = arc[k - 1] + std::hypot(c.l - previous.l, c.a - previous.a, c.b - previous.b);
    previous = c;
  }
  ColourTable table{};
  int segment = 0;
  for (int e = 0; e < colour_map_levels; ++e) {
    const double target = arc[kSamples] * e / (colour_map_levels - 1);
    while (segment < kSamples - 1 && arc[segment + 1] < target)
      ++segment;
    const double span = arc[segment + 1] - arc[segment];
    const double f = span > 0 ? std::clamp((target - arc[segment]) / span, 0.0, 1.0) : 0.0;
    const double t = (segment + f) / kSamples;
    const auto rgb = oklab_to_linear_srgb(map_curve(t));
    table[e] = {encode_srgb(rgb[0]), encode_srgb(rgb[1]), encode_srgb(rgb[2])};
  }
  return table;
}

const ColourTable& colour_table() {
  static const ColourTable table = build_colour_table();  // thread-safe initialisation
  return table;
}

// ---- a 5x7 bitmap font for printable ASCII -----------------------------------------------------
// Each glyph: rows of 5 columns, top row first, '#' ink, rows separated by '|'. 7 rows from the
// cap height to the baseline; the letters with descenders (g j p q y , ;) have 2 more rows below.
constexpr int kGlyphW = 5, kGlyphH = 7, kDescent = 2;
constexpr const char* kGlyphs[95] = {
    ".....|.....|.....|.....|.....|.....|.....",              // ' '
    "..#..|..#..|..#..|..#..|..#..|.....|..#..",              // !
    ".#.#.|.#.#.|.....|.....|.....|.....|.....",              // "
    ".#.#.|#####|.#.#.|.#.#.|.#.#.|#####|.#.#.",              // #
    "..#..|.####|#.#..|.###.|..#.#|####.|..#..",              // $
    "##...|##..#|...#.|..#..|.#...|#..##|...##",              // %
    ".##..|#..#.|#.#..|.#...|#.#.#|#..#.|.##.#",              // &
    "..#..|..#..|.....|.....|.....|.....|.....",              // '
    "...#.|..#..|.#...|.#...|.#...|..#..|...#.",              // (
    ".#...|..#..|...#.|...#.|...#.|..#..|.#...",              // )
    ".....|..#..|#.#.#|.###.|#.#.#|..#..|.....",              // *
    ".....|..#..|..#..|#####|..#..|..#..|.....",              // +
    ".....|.....|.....|.....|.....|.##..|.##..|..#..|.#...",  // ,
    ".....|.....|.....|.###.|.....|.....|.....",              // -
    ".....|.....|.....|.....|.....|.##..|.##..",              // .
    ".....|....#|...#.|..#..|.#...|#....|.....",              // /
    ".###.|#...#|#..##|#.#.#|##..#|#...#|.###.",              // 0
    "..#..|.##..|..#..|..#..|..#..|..#..|.###.",              // 1
    ".###.|#...#|....#|...#.|..#..|.#...|#####",              // 2
    "#####|...#.|..#..|...#.|....#|#...#|.###.",              // 3
    "...#.|..##.|.#.#.|#..#.|#####|...#.|...#.",              // 4
    "#####|#....|####.|....#|....#|#...#|.###.",              // 5
    "..##.|.#...|#....|####.|#...#|#...#|.###.",              // 6
    "#####|....#|...#.|..#..|.#...|.#...|.#...",              // 7
    ".###.|#...#|#...#|.###.|#...#|#...#|.###.",              // 8
    ".###.|#...#|#...#|.####|....#|...#.|.##..",              // 9
    ".....|.##..|.##..|.....|.##..|.##..|.....",              // :
    ".....|.##..|.##..|.....|.....|.##..|.##..|..#..|.#...",  // ;
    "...#.|..#..|.#...|#....|.#...|..#..|...#.",              // <
    ".....|.....|#####|.....|#####|.....|.....",              // =
    ".#...|..#..|...#.|....#|...#.|..#..|.#...",              // >
    ".###.|#...#|....#|...#.|..#..|.....|..#..",              // ?
    ".###.|#...#|....#|.##.#|#.#.#|#.#.#|.###.",              // @
    ".###.|#...#|#...#|#####|#...#|#...#|#...#",              // A
    "####.|#...#|#...#|####.|#...#|#...#|####.",              // B
    ".###.|#...#|#....|#....|#....|#...#|.###.",              // C
    "###..|#..#.|#...#|#...#|#...#|#..#.|###..",              // D
    "#####|#....|#....|####.|#....|#....|#####",              // E
    "#####|#....|#....|####.|#....|#....|#....",              // F
    ".###.|#...#|#....|#.###|#...#|#...#|.####",              // G
    "#...#|#...#|#...#|#####|#...#|#...#|#...#",              // H
    ".###.|..#..|..#..|..#..|..#..|..#..|.###.",              // I
    "..###|...#.|...#.|...#.|...#.|#..#.|.##..",              // J
    "#...#|#..#.|#.#..|##...|#.#..|#..#.|#...#",              // K
    "#....|#....|#....|#....|#....|#....|#####",              // L
    "#...#|##.##|#.#.#|#.#.#|#...#|#...#|#...#",              // M
    "#...#|#...#|##..#|#.#.#|#..##|#...#|#...#",              // N
    ".###.|#...#|#...#|#...#|#...#|#...#|.###.",              // O
    "####.|#...#|#...#|####.|#....|#....|#....",              // P
    ".###.|#...#|#...#|#...#|#.#.#|#..#.|.##.#",              // Q
    "####.|#...#|#...#|####.|#.#..|#..#.|#...#",              // R
    ".####|#....|#....|.###.|....#|....#|####.",              // S
    "#####|..#..|..#..|..#..|..#..|..#..|..#..",              // T
    "#...#|#...#|#...#|#...#|#...#|#...#|.###.",              // U
    "#...#|#...#|#...#|#...#|#...#|.#.#.|..#..",              // V
    "#...#|#...#|#...#|#.#.#|#.#.#|#.#.#|.#.#.",              // W
    "#...#|#...#|.#.#.|..#..|.#.#.|#...#|#...#",              // X
    "#...#|#...#|.#.#.|..#..|..#..|..#..|..#..",              // Y
    "#####|....#|...#.|..#..|.#...|#....|#####",              // Z
    ".###.|.#...|.#...|.#...|.#...|.#...|.###.",              // [
    ".....|#....|.#...|..#..|...#.|....#|.....",              // backslash
    ".###.|...#.|...#.|...#.|...#.|...#.|.###.",              // ]
    "..#..|.#.#.|#...#|.....|.....|.....|.....",              // ^
    ".....|.....|.....|.....|.....|.....|#####",              // _
    ".#...|..#..|.....|.....|.....|.....|.....",              // `
    ".....|.....|.###.|....#|.####|#...#|.####",              // a
    "#....|#....|#.##.|##..#|#...#|#...#|####.",              // b
    ".....|.....|.###.|#....|#....|#...#|.###.",              // c
    "....#|....#|.##.#|#..##|#...#|#...#|.####",              // d
    ".....|.....|.###.|#...#|#####|#....|.###.",              // e
    "..##.|.#..#|.#...|###..|.#...|.#...|.#...",              // f
    ".....|.....|.####|#...#|#...#|#...#|.####|....#|.###.",  // g
    "#....|#....|#.##.|##..#|#...#|#...#|#...#",              // h
    "..#..|.....|.##..|..#..|..#..|..#..|.###.",              // i
    "...#.|.....|..##.|...#.|...#.|...#.|...#.|#..#.|.##..",  // j
    "#....|#....|#..#.|#.#..|##...|#.#..|#..#.",              // k
    ".##..|..#..|..#..|..#..|..#..|..#..|.###.",              // l
    ".....|.....|##.#.|#.#.#|#.#.#|#...#|#...#",              // m
    ".....|.....|#.##.|##..#|#...#|#...#|#...#",              // n
    ".....|.....|.###.|#...#|#...#|#...#|.###.",              // o
    ".....|.....|####.|#...#|#...#|#...#|####.|#....|#....",  // p
    ".....|.....|.####|#...#|#...#|#...#|.####|....#|....#",  // q
    ".....|.....|#.##.|##..#|#....|#....|#....",              // r
    ".....|.....|.####|#....|.###.|....#|####.",              // s
    ".#...|.#...|###..|.#...|.#...|.#..#|..##.",              // t
    ".....|.....|#...#|#...#|#...#|#..##|.##.#",              // u
    ".....|.....|#...#|#...#|#...#|.#.#.|..#..",              // v
    ".....|.....|#...#|#...#|#.#.#|#.#.#|.#.#.",              // w
    ".....|.....|#...#|.#.#.|..#..|.#.#.|#...#",              // x
    ".....|.....|#...#|#...#|#...#|#...#|.####|....#|.###.",  // y
    ".....|.....|#####|...#.|..#..|.#...|#####",              // z
    "...#.|..#..|..#..|.#...|..#..|..#..|...#.",              // {
    "..#..|..#..|..#..|..#..|..#..|..#..|..#..",              // |
    ".#...|..#..|..#..|...#.|..#..|..#..|.#...",              // }
    ".....|.....|.#...|#.#.#|...#.|.....|.....",              // ~
};

// Every glyph is 7 or 9 rows of exactly 5 cells of '#' or '.'.
constexpr bool glyphs_well_formed() {
  for (const char* g : kGlyphs) {
    int length = 0;
    while (g[length] != '\0')
      ++length;
    if (length != 7 * (kGlyphW + 1) - 1 && length != (kGlyphH + kDescent) * (kGlyphW + 1) - 1)
      return false;
    for (int k = 0; k < length; ++k) {
      const bool separator = k % (kGlyphW + 1) == kGlyphW;
      if (separator ? g[k] != '|' : (g[k] != '#' && g[k] != '.'))
        return false;
    }
  }
  return true;
}
static_assert(glyphs_well_formed(), "a glyph of the font is not 7 or 9 rows of 5 cells");

// ---- an RGB canvas
// -------------------------------------------------------------------------------

class Canvas {
 public:
  Canvas(int width, int height)
      : width_(width), height_(height), rgb_(static_cast<std::size_t>(width) * height * 3, 255) {}

  int width() const { return width_; }
  int height() const { return height_; }
  const std::vector<std::uint8_t>& data() const { return rgb_; }

  void set(int x, int y, const Rgb& c) {
    if (x < 0 || y < 0 || x >= width_ || y >= height_)
      return;
    std::uint8_t* p = &rgb_[(static_cast<std::size_t>(y) * width_ + x) * 3];
    p[0] = c[0];
    p[1] = c[1];
    p[2] = c[2];
  }

  void fill(int x, int y, int w, int h, const Rgb& c) {
    for (int yy = y; yy < y + h; ++yy) {
      for (int xx = x; xx < x + w; ++xx)
        set(xx, yy, c);
    }
  }

  // A 1-pixel frame just outside the rectangle (x, y, w, h), so it covers none of its pixels.
  void frame(int x, int y, int w, int h, const Rgb& c) {
    fill(x - 1, y - 1, w + 2, 1, c);
    fill(x - 1, y + h, w + 2, 1, c);
    fill(x - 1, y, 1, h, c);
    fill(x + w, y, 1, h, c);
  }

  // Draws `text` with its top-left corner at (x, y), each font pixel a scale x scale square.
  void text(int x, int y, std::string_view text, int scale, const Rgb& c) {
    for (char ch : text) {
      const unsigned char u = static_cast<unsigned char>(ch);
      const std::string_view glyph = kGlyphs[(u >= 32 && u < 127 ? u : '?') - 32];
      for (std::size_t k = 0; k < glyph.size(); ++k) {
        const int row = static_cast<int>(k / (kGlyphW + 1)),
                  col = static_cast<int>(k % (kGlyphW + 1));
        if (glyph[k] == '#')
          fill(x + col * scale, y + row * scale, scale, scale, c);
      }
      x += (kGlyphW + 1) * scale;
    }
  }

 private:
  int width_, height_;
  std::vector<std::uint8_t> rgb_;
};

int text_width(std::size_t chars, int scale) {
  return chars == 0 ? 0 : static_cast<int>(chars) * (kGlyphW + 1) * scale - scale;
}

// ---- resampling
// ----------------------------------------------------------------------------------- Output pixel
// p of `out` pixels over `in` cells covers [p * in, (p + 1) * in) in units of 1 / out cell; cell c
// covers [c * out, (c + 1) * out). The overlaps are exact integers, so an integer enlargement gives
// each pixel exactly one cell (nearest neighbour) and a reduction averages exactly the cells a
// pixel covers, with weights by covered area.
struct Footprint {
  int first = 0;                // first cell
  std::vector<double> weights;  // of cells first, first + 1, ...; they sum to 1
};

std::vector<Footprint> footprints(int in, int out) {
  std::vector<Footprint> result(out);
  const long long n = in, m = out;
  for (long long p = 0; p < m; ++p) {
    const long long lo = p * n, hi = (p + 1) * n;
    const long long c0 = lo / m, c1 = (hi - 1) / m;
    Footprint& f = result[p];
    f.first = static_cast<int>(c0);
    for (long long c = c0; c <= c1; ++c) {
      const long long overlap = std::min(hi, (c + 1) * m) - std::max(lo, c * m);
      f.weights.push_back(static_cast<double>(overlap) / static_cast<double>(n));
    }
  }
  return result;
}

// Normalised position of v in [lo, hi], computed on halves so that hi - lo cannot overflow.
double normalise(double v, double lo, double hi) {
  return (0.5 * v - 0.5 * lo) / (0.5 * hi - 0.5 * lo);
}

// Draws the field, resampled to w x h pixels, at (x0, y0) with row j = ny - 1 at the top.
void draw_field(Canvas& canvas, int x0, int y0, std::span<const double> values, int nx, int ny,
                int w, int h, double lo, double hi) {
  const auto columns = footprints(nx, w);
  const auto rows = footprints(ny, h);
  std::vector<double> row_average(w), pixel(w);
  for (int r = 0; r < h; ++r) {
    const Footprint& fy = rows[h - 1 - r];  // image rows run top-down, j runs bottom-up
    std::fill(pixel.begin(), pixel.end(), 0.0);
    for (std::size_t k = 0; k < fy.weights.size(); ++k) {
      const double* row = values.data() + static_cast<std::size_t>(fy.first + k) * nx;
      for (int px = 0; px < w; ++px) {
        const Footprint& fx = columns[px];
        double sum = 0.0;  // non-finite cells propagate: the pixel becomes grey
        for (std::size_t q = 0; q < fx.weights.size(); ++q)
          sum += fx.weights[q] * row[fx.first + q];
        pixel[px] += fy.weights[k] * sum;
      }
    }
    for (int px = 0; px < w; ++px) {
      const double v = pixel[px];
      canvas.set(x0 + px, y0 + r,
                 std::isfinite(v) ? colour_map(normalise(v, lo, hi)) : non_finite_colour);
    }
  }
}

// ---- limits
// -----------------------------------------------------------------------------------------

std::array<double, 2> automatic_limits(std::span<const double> values) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double v : values) {
    if (std::isfinite(v)) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (lo > hi)  // no finite value: every pixel is grey, the bar still shows a scale
    return {0.0, 1.0};
  if (lo < hi)
    return {lo, hi};
  // A constant field: centre it in a range of half its magnitude either side (or [-1, 1] for
  // zero), so that it gets the map's middle colour and readable labels.
  const double d = lo == 0.0 ? 1.0 : 0.5 * std::abs(lo);
  const double big = std::numeric_limits<double>::max();
  return {std::max(lo - d, -big), std::min(hi + d, big)};
}

std::string quoted(const fs::path& path) {
  return "'" + path.string() + "'";
}

[[noreturn]] void fail(const fs::path& path, const std::string& what) {
  throw Error("hypar::io::write_field_png: " + quoted(path) + ": " + what);
}

// ---- libpng output
// -------------------------------------------------------------------------------- libpng reports
// errors by calling an error function that must not return. We give it one that records the message
// and longjmps back into encode_png. Everything that longjmp unwinds, i.e. encode_png's frame, the
// libpng frames and the callbacks, holds trivially destructible objects only (pointers, ints, C
// arrays), so no destructor is ever skipped; the C++ objects (the canvas, the temporary file,
// strings) live in the callers, outside the setjmp frame. C++ exceptions are never thrown through
// libpng's C frames (it is not compiled with unwind tables).

struct PngSink {
  std::FILE* file = nullptr;
  int write_errno = 0;     // errno of a failed fwrite
  char message[256] = {};  // libpng's message
  std::jmp_buf jump;
};

void on_png_error(png_structp png, png_const_charp message) {
  auto* sink = static_cast<PngSink*>(png_get_error_ptr(png));
  std::snprintf(sink->message, sizeof sink->message, "%s", message ? message : "(no message)");
  std::longjmp(sink->jump, 1);
}

void on_png_warning(png_structp, png_const_charp) {}  // warnings need no action here

void on_png_write(png_structp png, png_bytep data, std::size_t length) {
  auto* sink = static_cast<PngSink*>(png_get_io_ptr(png));
  if (std::fwrite(data, 1, length, sink->file) != length) {
    sink->write_errno = errno != 0 ? errno : EIO;
    png_error(png, "write failed");
  }
}

void on_png_flush(png_structp) {}  // the caller flushes once, after png_write_end

// The rows after setjmp are in a function of their own, so that no local of encode_png changes
// between setjmp and a longjmp (which would leave its value indeterminate).
void write_rows(png_structp png, png_infop info, const std::uint8_t* rgb, int width, int height,
                png_text* texts, int text_count) {
  png_set_write_fn(png, png_get_error_ptr(png), on_png_write, on_png_flush);
  png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8,
               PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_set_text(png, info, texts, text_count);
  // zlib level 4 and the Up filter: half the time of the defaults (6, adaptive filters) for about
  // a quarter more bytes on smooth fields, which matters when a solver writes frames.
  png_set_compression_level(png, 4);
  png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_UP);
  png_write_info(png, info);
  const std::size_t stride = static_cast<std::size_t>(width) * 3;
  for (int y = 0; y < height; ++y)
    png_write_row(png, const_cast<png_bytep>(rgb + y * stride));
  png_write_end(png, info);
}

bool encode_png(PngSink* sink, const std::uint8_t* rgb, int width, int height, png_text* texts,
                int text_count) {
  png_structp png =
      png_create_write_struct(PNG_LIBPNG_VER_STRING, sink, on_png_error, on_png_warning);
  if (png == nullptr) {
    std::snprintf(sink->message, sizeof sink->message, "libpng cannot start (out of memory)");
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_write_struct(&png, nullptr);
    std::snprintf(sink->message, sizeof sink->message, "libpng cannot start (out of memory)");
    return false;
  }
  bool ok = false;
  if (setjmp(sink->jump) == 0) {
    write_rows(png, info, rgb, width, height, texts, text_count);
    ok = true;
  } else {
    ok = false;
  }
  png_destroy_write_struct(&png, &info);
  return ok;
}

// A temporary file next to the final path, removed unless committed.
class TempFile {
 public:
  explicit TempFile(const fs::path& final_path) : final_(final_path) {
    static std::atomic<unsigned> counter{0};
    const fs::path dir = final_path.has_parent_path() ? final_path.parent_path() : fs::path(".");
    // Keep the name below NAME_MAX (255) however long the final name is.
    const std::string stem = final_path.filename().string().substr(0, 200);
    for (int attempt = 0; attempt < 100; ++attempt) {
      const fs::path candidate = dir / ("." + stem + ".tmp-" + std::to_string(getpid()) + "-" +
                                        std::to_string(counter.fetch_add(1)));
      RemoveOnInterrupt guard(candidate.string());  // before the file exists
      const int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd < 0 && errno == EEXIST) {
        guard.release();  // another's file
        continue;
      }
      if (fd < 0)
        fail(final_,
             "cannot create a temporary file in '" + dir.string() + "': " + std::strerror(errno));
      file_ = ::fdopen(fd, "wb");
      if (file_ == nullptr) {
        const int code = errno;
        ::close(fd);
        ::unlink(candidate.c_str());
        fail(final_, std::string("cannot open a stream: ") + std::strerror(code));
      }
      path_ = candidate;
      interrupt_guard_ = std::move(guard);
      return;
    }
    fail(final_, "cannot find a free temporary name in '" + dir.string() + "'");
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (file_ != nullptr)
      std::fclose(file_);
    if (!committed_)
      ::unlink(path_.c_str());
  }

  std::FILE* file() const { return file_; }

  // Flushes, syncs, closes and renames onto the final path.
  void commit() {
    if (::fsync(::fileno(file_)) != 0)
      fail(final_, std::string("cannot sync the file: ") + std::strerror(errno));
    std::FILE* f = std::exchange(file_, nullptr);
    if (std::fclose(f) != 0)
      fail(final_, std::string("cannot close the file: ") + std::strerror(errno));
    if (std::rename(path_.c_str(), final_.c_str()) != 0)
      fail(final_, "cannot rename '" + path_.string() + "' onto it: " + std::strerror(errno));
    committed_ = true;
  }

 private:
  fs::path final_, path_;
  std::FILE* file_ = nullptr;
  bool committed_ = false;
  RemoveOnInterrupt interrupt_guard_;  // the temporary file on SIGINT/SIGTERM
};

// ---- frame patterns
// ---------------------------------------------------------------------------------

std::string pad_integer(long long index, bool zero, int width) {
  const bool negative = index < 0;
  const unsigned long long magnitude = negative ? 0ULL - static_cast<unsigned long long>(index)
                                                : static_cast<unsigned long long>(index);
  std::string digits = std::to_string(magnitude);
  const int used = static_cast<int>(digits.size()) + (negative ? 1 : 0);
  const int pad = std::max(0, width - used);
  if (zero)
    return (negative ? "-" : "") + std::string(pad, '0') + digits;
  return std::string(pad, ' ') + (negative ? "-" : "") + digits;
}

[[noreturn]] void bad_pattern(std::string_view pattern, const std::string& what) {
  throw Error("hypar::io::frame_path: frame pattern '" + std::string(pattern) + "' " + what +
              " (use exactly one %d, %05d or %6d for the frame number, and %% for a percent sign)");
}

}  // namespace

// ---- public functions
// ---------------------------------------------------------------------------------

std::array<std::uint8_t, 3> colour_map(double t) {
  const ColourTable& table = colour_table();
  if (!(t > 0.0))  // also NaN
    return table.front();
  if (t >= 1.0)
    return table.back();
  return table[static_cast<std::size_t>(std::lround(t * (colour_map_levels - 1)))];
}

std::string frame_path(std::string_view pattern, long long index) {
  std::string out;
  int conversions = 0;
  std::size_t i = 0;
  const std::size_t n = pattern.size();
  while (i < n) {
    if (pattern[i] != '%') {
      out += pattern[i++];
      continue;
    }
    if (i + 1 < n && pattern[i + 1] == '%') {
      out += '%';
      i += 2;
      continue;
    }
    const std::size_t start = i++;
    bool zero = false;
    while (i < n && pattern[i] == '0') {
      zero = true;
      ++i;
    }
    int width = 0;
    while (i < n && pattern[i] >= '0' && pattern[i] <= '9') {
      width = width * 10 + (pattern[i++] - '0');
      if (width > 32)
        bad_pattern(pattern, "has a field width above 32 at position " + std::to_string(start));
    }
    int longs = 0;
    while (i < n && pattern[i] == 'l' && longs < 2) {
      ++longs;
      ++i;
    }
    if (i >= n)
      bad_pattern(pattern,
                  "ends inside the conversion '" + std::string(pattern.substr(start)) + "'");
    if (pattern[i] != 'd' && pattern[i] != 'i')
      bad_pattern(pattern, "has '" + std::string(pattern.substr(start, i + 1 - start)) +
                               "' at position " + std::to_string(start) +
                               ", which is not an integer conversion");
    ++i;
    if (++conversions > 1)
      bad_pattern(pattern, "has more than one conversion");
    out += pad_integer(index, zero, width);
  }
  if (conversions == 0)
    bad_pattern(pattern, "has no integer conversion");
  return out;
}

bool is_frame_pattern(std::string_view pattern) {
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%')
      continue;
    if (i + 1 < pattern.size() && pattern[i + 1] == '%') {
      ++i;
      continue;
    }
    return true;
  }
  return false;
}

namespace detail {

std::vector<std::string> colour_bar_labels(double lo, double hi, int count) {
  std::vector<double> values(static_cast<std::size_t>(std::max(count, 0)));
  const double zero_below = 1e-9 * std::max(std::abs(lo), std::abs(hi));
  for (int k = 0; k < count; ++k) {
    const double f = count == 1 ? 0.0 : static_cast<double>(k) / (count - 1);
    double v = k == 0 ? lo : k == count - 1 ? hi : lo * (1.0 - f) + hi * f;
    if (std::abs(v) <= zero_below)
      v = 0.0;
    values[k] = v + 0.0;  // -0 prints as 0
  }
  // "%.3g", with more digits only when 3 would print two neighbouring ticks the same.
  std::vector<std::string> labels(values.size());
  for (int digits = 3; digits <= 17; ++digits) {
    for (std::size_t k = 0; k < values.size(); ++k) {
      char buffer[64];
      std::snprintf(buffer, sizeof buffer, "%.*g", digits, values[k]);
      labels[k] = buffer;
    }
    bool distinct = true;
    for (std::size_t k = 1; k < labels.size(); ++k)
      distinct = distinct && labels[k] != labels[k - 1];
    if (distinct)
      break;
  }
  return labels;
}

std::array<int, 2> field_image_size(int nx, int ny, int max_size) {
  const long long long_side = std::max(nx, ny);
  if (long_side > max_size) {
    auto scaled = [&](long long n) {
      return static_cast<int>(std::max(1LL, (n * max_size + long_side / 2) / long_side));
    };
    return {scaled(nx), scaled(ny)};
  }
  long long factor = 1;
  if (long_side < kMinLongSide)
    factor =
        std::max(1LL, std::min((kMinLongSide + long_side - 1) / long_side, max_size / long_side));
  return {static_cast<int>(nx * factor), static_cast<int>(ny * factor)};
}

void write_rgb_png(std::FILE* file, std::span<const std::uint8_t> rgb, int width, int height,
                   const std::string& name, const std::string& title, const std::string& comment) {
  if (width < 1 || height < 1 ||
      rgb.size() != static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3)
    throw Error("hypar::io::write_rgb_png: " + name + ": " + std::to_string(rgb.size()) +
                " bytes for " + std::to_string(width) + " x " + std::to_string(height) +
                " RGB pixels");
  // png_text wants mutable strings; these copies outlive encode_png.
  std::string software = "hypar", title_copy = title, comment_copy = comment;
  char key_software[] = "Software", key_title[] = "Title", key_comment[] = "Comment";
  png_text texts[3] = {};
  int text_count = 0;
  auto add = [&](char* key, std::string& value) {
    if (value.empty())
      return;
    texts[text_count].compression = PNG_TEXT_COMPRESSION_NONE;
    texts[text_count].key = key;
    texts[text_count].text = value.data();
    texts[text_count].text_length = value.size();
    ++text_count;
  };
  add(key_software, software);
  add(key_title, title_copy);
  add(key_comment, comment_copy);
  PngSink sink;
  sink.file = file;
  if (!encode_png(&sink, rgb.data(), width, height, texts, text_count)) {
    std::string what = std::string("libpng: ") + sink.message;
    if (sink.write_errno != 0)
      what += std::string(": ") + std::strerror(sink.write_errno);
    throw Error("hypar::io::write_field_png: " + name + ": " + what);
  }
  if (std::fflush(file) != 0 || std::ferror(file))
    throw Error("hypar::io::write_field_png: " + name +
                ": cannot write: " + std::strerror(errno != 0 ? errno : EIO));
}

}  // namespace detail

void write_field_png(const fs::path& path, std::span<const double> values, int nx, int ny,
                     const PngOptions& options) {
  // ---- arguments
  if (path.empty())
    throw Error("hypar::io::write_field_png: the path is empty");
  if (path.native().find('\0') != std::string::npos)
    fail(path, "the path holds a NUL byte");
  if (!path.has_filename())
    fail(path, "the path names a directory, not a file");
  if (nx < 1 || ny < 1)
    fail(path, "the grid is " + std::to_string(nx) + " x " + std::to_string(ny) +
                   "; both sizes must be at least 1");
  const std::size_t cells = static_cast<std::size_t>(nx) * static_cast<std::size_t>(ny);
  if (values.size() != cells)
    fail(path, std::to_string(values.size()) + " values for a " + std::to_string(nx) + " x " +
                   std::to_string(ny) + " grid (expected " + std::to_string(cells) + ")");
  if (options.max_size < 16 || options.max_size > kMaxSizeLimit)
    fail(path, "max_size is " + std::to_string(options.max_size) + "; it must be in 16 .. " +
                   std::to_string(kMaxSizeLimit));
  std::array<double, 2> limits{};
  if (options.limits) {
    limits = *options.limits;
    if (!std::isfinite(limits[0]) || !std::isfinite(limits[1]) || !(limits[0] < limits[1])) {
      char buffer[128];
      std::snprintf(buffer, sizeof buffer, "colour limits [%g, %g]", limits[0], limits[1]);
      fail(path, std::string(buffer) + " must be finite with lo < hi");
    }
  } else {
    limits = automatic_limits(values);
  }
  std::error_code ec;
  const auto status = fs::symlink_status(path, ec);
  if (!ec && fs::exists(status) && !fs::is_regular_file(status) && !fs::is_symlink(status))
    fail(path, "exists and is not a regular file; it is not replaced");

  // ---- layout (all sizes in pixels). s: the font's scale, one font pixel is s x s.
  const auto [w, h] = detail::field_image_size(nx, ny, options.max_size);
  const int long_side = std::max(w, h);
  const int s = std::clamp((long_side + 160) / 320, long_side >= 200 ? 2 : 1, 4);
  const int glyph_h = kGlyphH * s;
  const int margin = std::max(10, glyph_h);
  int title_scale = s;
  std::string title = options.title;  // printable ASCII only: the font's and tEXt's alphabet
  for (char& c : title) {
    if (static_cast<unsigned char>(c) < 32 || static_cast<unsigned char>(c) >= 127)
      c = '?';
  }
  const std::string full_title = title;
  int top = margin;
  // Colour bar: as tall as the field, or tall enough for three labels; five ticks when there is
  // room for them.
  const int bar_w = options.colour_bar ? std::max(10, std::max(w, h) / 24) : 0;
  const int bar_h = options.colour_bar ? std::max(h, 6 * glyph_h) : 0;
  const int tick_count = bar_h >= 10 * glyph_h ? 5 : 3;
  const auto labels = options.colour_bar
                          ? detail::colour_bar_labels(limits[0], limits[1], tick_count)
                          : std::vector<std::string>{};
  std::size_t label_chars = 0;
  for (const auto& l : labels)
    label_chars = std::max(label_chars, l.size());
  const int gap = options.colour_bar ? std::max(12, 3 * (kGlyphW + 1) * s) : 0;
  const int tick_len = options.colour_bar ? 2 * s + 2 : 0;
  const int label_pad = options.colour_bar ? 3 * s : 0;
  const int label_w = text_width(label_chars, s);
  const int plot_h = std::max(h, bar_h);
  const int content_w =
      w + (options.colour_bar ? gap + bar_w + 1 + tick_len + label_pad + label_w : 0);
  const int width = margin + content_w + margin;
  if (!title.empty()) {
    // Shrink a title that does not fit, then cut it with "..".
    while (title_scale > 1 && text_width(title.size(), title_scale) > width - 2 * margin)
      --title_scale;
    if (text_width(title.size(), 1) > width - 2 * margin) {
      const std::size_t fit = static_cast<std::size_t>((width - 2 * margin + 1) / (kGlyphW + 1));
      title = title.substr(0, fit > 2 ? fit - 2 : 0) + "..";
    }
    top += (kGlyphH + kDescent) * title_scale + margin / 2;
  }
  const int height = top + plot_h + margin;

  // ---- drawing
  Canvas canvas(width, height);
  const int field_x = margin, field_y = top + (plot_h - h) / 2;
  draw_field(canvas, field_x, field_y, values, nx, ny, w, h, limits[0], limits[1]);
  canvas.frame(field_x, field_y, w, h, kInk);
  if (!title.empty()) {
    const int tw = text_width(title.size(), title_scale);
    const int tx =
        std::clamp(field_x + (w - tw) / 2, margin, std::max(margin, width - margin - tw));
    canvas.text(tx, margin, title, title_scale, kInk);
  }
  if (options.colour_bar) {
    const int bar_x = field_x + w + gap, bar_y = top + (plot_h - bar_h) / 2;
    for (int r = 0; r < bar_h; ++r) {
      const Rgb c = colour_map(1.0 - static_cast<double>(r) / (bar_h - 1));  // hi at the top
      canvas.fill(bar_x, bar_y + r, bar_w, 1, c);
    }
    canvas.frame(bar_x, bar_y, bar_w, bar_h, kInk);
    const int tick_thickness = s >= 3 ? 2 : 1;
    for (int k = 0; k < tick_count; ++k) {
      const int y = bar_y + static_cast<int>(std::lround(
                                (bar_h - 1) * (1.0 - static_cast<double>(k) / (tick_count - 1))));
      const int ty = std::clamp(y - tick_thickness / 2, bar_y, bar_y + bar_h - tick_thickness);
      canvas.fill(bar_x + bar_w + 1, ty, tick_len, tick_thickness, kInk);
      const int ly = std::clamp(y - glyph_h / 2, 0, height - glyph_h);
      canvas.text(bar_x + bar_w + 1 + tick_len + label_pad, ly, labels[k], s, kInk);
    }
  }

  // ---- output: a temporary file next to the target, renamed when complete
  char comment[160];
  std::snprintf(comment, sizeof comment, "grid %d x %d, colour limits %.17g %.17g", nx, ny,
                limits[0], limits[1]);
  TempFile temp(path);
  detail::write_rgb_png(temp.file(), canvas.data(), width, height, quoted(path), full_title,
                        comment);
  temp.commit();
}

}  // namespace hypar::io
