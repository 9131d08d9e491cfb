#pragma once
// PNG pictures of a 2D scalar field: a colour-mapped image (y up, x right) with a colour bar and
// an optional title, written atomically; and the file names of numbered frames (`heat_%05d.png`).

#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hypar::io {

/// How write_field_png draws a field.
struct PngOptions {
  /// Longest side of the field's image in pixels (16 .. 32768). A larger grid is box-averaged down
  /// to it, keeping the aspect ratio; a grid with a long side below 256 cells is enlarged by the
  /// smallest integer factor that makes it at least 256 pixels (each cell an equal square of
  /// pixels), but never beyond max_size. The colour bar, labels and margins come on top of this.
  int max_size = 1024;
  /// Fixed colour limits {lo, hi} (finite, lo < hi): values at or below lo get the map's bottom
  /// colour, at or above hi its top colour. nullopt: the finite minimum and maximum of the field
  /// (widened when they are equal, e.g. a constant field).
  std::optional<std::array<double, 2>> limits;
  /// Draw a colour bar with tick labels (lo, quarters, hi) to the right of the field.
  bool colour_bar = true;
  /// Text drawn above the field; may be empty. Printable ASCII; other bytes are drawn as '?'.
  std::string title;
};

/// Writes `values`, a global row-major [ny][nx] array (index i along x contiguous, j along y), as
/// an 8-bit RGB PNG at `path`: row j = ny-1 at the top, i = 0 on the left, colours from
/// colour_map(), non-finite cells (NaN, +-inf) neutral grey, a white background around the plot.
/// Downsampling averages each pixel over the exact area of the cells it covers (a pixel touching
/// any non-finite cell is grey, so a NaN is never hidden by averaging). The file is written to a
/// temporary name in the same directory and renamed onto `path` when complete, so `path` never
/// holds a truncated picture; an existing regular file is replaced.
/// Sequential equivalent: matplotlib's `imshow(field, origin="lower")` plus `colorbar()`.
/// Cost: one pass over the field plus zlib compression of the picture (about 50 ms for 1024 x 1024
/// pixels); memory about 3 bytes per output pixel plus one row of doubles.
/// Throws hypar::Error naming the path when the arguments are invalid (nx or ny < 1, a size that
/// does not match nx * ny, max_size outside 16 .. 32768, limits not finite or lo >= hi), when the
/// path exists and is not a regular file, or when the file cannot be written (a missing or
/// read-only directory, a full disk: libpng's and the system's message are included).
void write_field_png(const std::filesystem::path& path, std::span<const double> values, int nx,
                     int ny, const PngOptions& options = {});

/// The colour map of the pictures: a perceptually uniform sequential map from dark violet (t = 0)
/// through blue, teal and green to yellow (t = 1), designed in the OKLab colour space (lightness
/// rising linearly, hue turning from 318 to 102 degrees, resampled to equal perceptual steps), so
/// that it reads the same for red-green colour-blind viewers and in greyscale. `t` is clamped to
/// [0, 1]; NaN gives the bottom colour. Returns 8-bit sRGB {r, g, b}, one of colour_map_levels
/// distinct table entries (built once, thread-safe). Cost: a table look-up.
std::array<std::uint8_t, 3> colour_map(double t);

/// Number of entries of the colour map's table: colour_map(k / (colour_map_levels - 1.0)) is entry
/// k, and every t in [0, 1] gives the nearest entry (odd, so that t = 0.5 is an entry).
inline constexpr int colour_map_levels = 1025;

/// The grey of non-finite cells, {128, 128, 128}: no colour of the map is grey.
inline constexpr std::array<std::uint8_t, 3> non_finite_colour = {128, 128, 128};

/// The file name of frame `index` for a pattern holding exactly one printf-style integer
/// conversion: `%d`, `%i`, with an optional `0` flag, a width up to 32 and an `l` or `ll` length
/// (`%05d`, `%6d`, `%lld`), plus `%%` for a literal percent sign. Formats like printf would
/// (`heat_%05d.png`, 42 -> `heat_00042.png`; negative: `-0042`) without passing the pattern to
/// printf. Throws hypar::Error quoting the pattern when it has no conversion, more than one, or
/// anything else after a `%` (`%s`, `%x`, `%.3d`, `%-5d`, a trailing `%`). Cost: linear.
std::string frame_path(std::string_view pattern, long long index);

/// True when `pattern` is meant as a frame pattern: it holds a `%` that is not part of `%%`.
/// frame_path then accepts it or says what is wrong with it; a name without one is a single file,
/// used literally (`%%` stays two characters there). Never throws.
bool is_frame_pattern(std::string_view pattern);

namespace detail {

/// Tick labels of the colour bar for limits {lo, hi}: `count` values spaced evenly from lo to hi,
/// each printed with "%.3g", or with more digits when 3 would print two neighbours the same (a
/// value within 1e-9 of the range from zero prints as "0").
std::vector<std::string> colour_bar_labels(double lo, double hi, int count);

/// Width and height in pixels of the field's image for an nx x ny grid (the rule documented at
/// PngOptions::max_size), without the colour bar and margins.
std::array<int, 2> field_image_size(int nx, int ny, int max_size);

/// Encodes `rgb` (height rows of width x {r, g, b}, top row first) as a PNG into `file` and
/// flushes it, with tEXt chunks Software, Title and Comment (empty ones left out). write_field_png
/// writes through this; `name` goes into error messages. Throws hypar::Error with libpng's message
/// and the system's (e.g. "No space left on device") when encoding or writing fails.
void write_rgb_png(std::FILE* file, std::span<const std::uint8_t> rgb, int width, int height,
                   const std::string& name, const std::string& title = {},
                   const std::string& comment = {});

}  // namespace detail

}  // namespace hypar::io
