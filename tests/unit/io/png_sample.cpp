// Writes one picture for the PIL check (check_png_pil.py): a 512 x 256 horizontal ramp from -1.5
// to 2.5 with colour limits [-1, 2] (so that the first and last 64 cells are clamped to the map's
// ends), reduced to 256 x 128 pixels, without a colour bar. Prints what the picture must show:
//   field <w> <h>, bottom <r> <g> <b>, top <r> <g> <b>, levels <distinct colours of the map>.
#include <cstdio>
#include <exception>
#include <hypar/io/png.hpp>
#include <set>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT.png\n", argv[0]);
    return 2;
  }
  try {
    const int nx = 512, ny = 256;
    std::vector<double> v(static_cast<std::size_t>(nx) * ny);
    for (int j = 0; j < ny; ++j) {
      for (int i = 0; i < nx; ++i)
        v[static_cast<std::size_t>(j) * nx + i] = -1.5 + 4.0 * i / (nx - 1);
    }
    hypar::io::PngOptions options;
    options.max_size = 256;
    options.limits = {{-1.0, 2.0}};
    options.colour_bar = false;
    hypar::io::write_field_png(argv[1], v, nx, ny, options);
    const auto bottom = hypar::io::colour_map(0.0), top = hypar::io::colour_map(1.0);
    std::set<std::array<std::uint8_t, 3>> distinct;
    for (int k = 0; k < hypar::io::colour_map_levels; ++k)
      distinct.insert(hypar::io::colour_map(k / (hypar::io::colour_map_levels - 1.0)));
    std::printf("field 256 128\nbottom %d %d %d\ntop %d %d %d\nlevels %zu\n", bottom[0], bottom[1],
                bottom[2], top[0], top[1], top[2], distinct.size());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "png_sample: %s\n", e.what());
    return 1;
  }
  return 0;
}
