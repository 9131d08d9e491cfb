// heat_row against a scalar reference in long double, and bitwise the same whatever part of a row
// a call covers (vector body and remainder agree: the property the temporal blocking relies on).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <hypar/kernels/heat.hpp>
#include <random>
#include <vector>

namespace {

struct Rows {
  std::vector<double> c, n, s;
};

Rows random_rows(std::size_t count, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  Rows r{std::vector<double>(count + 2), std::vector<double>(count + 2),
         std::vector<double>(count + 2)};
  for (auto* v : {&r.c, &r.n, &r.s})
    for (auto& x : *v)
      x = dist(rng);
  return r;
}

TEST(HeatRow, MatchesTheFormulaToRounding) {
  for (std::size_t count : {1u, 3u, 7u, 8u, 9u, 31u, 64u, 1000u}) {
    const Rows rows = random_rows(count, static_cast<unsigned>(count));
    std::vector<double> out(count);
    const double r = 0.23;
    hypar::kernels::heat_row(rows.c.data() + 1, rows.n.data() + 1, rows.s.data() + 1, out.data(),
                             count, r);
    for (std::size_t i = 0; i < count; ++i) {
      const long double c = rows.c[i + 1], e = rows.c[i + 2], w = rows.c[i];
      const long double expected =
          c + static_cast<long double>(r) * (e + w + rows.n[i + 1] + rows.s[i + 1] - 4 * c);
      EXPECT_NEAR(out[i], static_cast<double>(expected), 4e-16 * 8) << "cell " << i;
    }
  }
}

TEST(HeatRow, EverySplitOfARowGivesTheSameBits) {
  const std::size_t count = 203;
  const Rows rows = random_rows(count, 7u);
  std::vector<double> whole(count);
  hypar::kernels::heat_row(rows.c.data() + 1, rows.n.data() + 1, rows.s.data() + 1, whole.data(),
                           count, 0.25);
  for (std::size_t cut = 0; cut <= count; ++cut) {
    std::vector<double> parts(count);
    hypar::kernels::heat_row(rows.c.data() + 1, rows.n.data() + 1, rows.s.data() + 1, parts.data(),
                             cut, 0.25);
    hypar::kernels::heat_row(rows.c.data() + 1 + cut, rows.n.data() + 1 + cut,
                             rows.s.data() + 1 + cut, parts.data() + cut, count - cut, 0.25);
    // One cell at a time too (the scalar path throughout).
    ASSERT_EQ(std::memcmp(parts.data(), whole.data(), count * sizeof(double)), 0) << "cut " << cut;
  }
  for (std::size_t i = 0; i < count; ++i) {
    double one = 0;
    hypar::kernels::heat_row(rows.c.data() + 1 + i, rows.n.data() + 1 + i, rows.s.data() + 1 + i,
                             &one, 1, 0.25);
    ASSERT_EQ(std::memcmp(&one, &whole[i], sizeof one), 0) << "cell " << i;
  }
}

TEST(HeatRow, TheStreamingFormGivesTheSameBitsAtEveryAlignment) {
  const std::size_t count = 131;
  const Rows rows = random_rows(count + 8, 5u);
  std::vector<double> plain(count + 8), streamed(count + 8);
  for (std::size_t offset = 0; offset < 8; ++offset) {
    for (std::size_t n : {0u, 1u, 3u, 4u, 5u, 8u, 17u, 131u}) {
      std::fill(plain.begin(), plain.end(), -7.0);
      std::fill(streamed.begin(), streamed.end(), -7.0);
      hypar::kernels::heat_row(rows.c.data() + 1, rows.n.data() + 1, rows.s.data() + 1,
                               plain.data() + offset, n, 0.21);
      hypar::kernels::heat_row_streaming(rows.c.data() + 1, rows.n.data() + 1, rows.s.data() + 1,
                                         streamed.data() + offset, n, 0.21);
      ASSERT_EQ(std::memcmp(plain.data(), streamed.data(), plain.size() * sizeof(double)), 0)
          << "offset " << offset << " count " << n;
    }
  }
}

TEST(HeatRow, AMirrorSymmetricRowStaysSymmetricBitwise) {
  // c, n and s symmetric about the middle of the row: the result is too (pairs added
  // symmetrically), which makes mirrored Neumann ghosts exact.
  const std::size_t count = 37;
  Rows rows = random_rows(count, 11u);
  for (auto* v : {&rows.c, &rows.n, &rows.s})
    for (std::size_t i = 0; i < v->size() / 2; ++i)
      (*v)[v->size() - 1 - i] = (*v)[i];
  std::vector<double> out(count);
  hypar::kernels::heat_row(rows.c.data() + 1, rows.n.data() + 1, rows.s.data() + 1, out.data(),
                           count, 0.2);
  for (std::size_t i = 0; i < count; ++i)
    ASSERT_EQ(std::memcmp(&out[i], &out[count - 1 - i], sizeof(double)), 0) << "cell " << i;
}

}  // namespace
