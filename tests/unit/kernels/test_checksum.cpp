// crc32 against zlib's crc32 at many lengths, start offsets and continuation points.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <hypar/kernels/checksum.hpp>
#include <random>
#include <vector>

namespace {

using hypar::kernels::crc32;
using hypar::kernels::crc32_tables;

std::uint32_t zlib_crc(const std::vector<std::byte>& v, std::size_t off, std::size_t n,
                       std::uint32_t crc = 0) {
  return static_cast<std::uint32_t>(
      ::crc32(crc, reinterpret_cast<const Bytef*>(v.data() + off), static_cast<uInt>(n)));
}

std::vector<std::byte> random_bytes(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::byte> v(n);
  for (auto& b : v)
    b = static_cast<std::byte>(rng() & 0xff);
  return v;
}

std::vector<std::size_t> lengths() {
  std::vector<std::size_t> l;
  for (std::size_t n = 0; n <= 600; ++n)
    l.push_back(n);  // every fold/table boundary
  for (std::size_t n : {1023u, 1024u, 1025u, 4095u, 4096u, 65'537u, 1'000'003u})
    l.push_back(n);
  return l;
}

TEST(Crc32, EqualsZlibAtManyLengthsAndOffsets) {
  const auto data = random_bytes(1'000'003 + 64, 1);
  std::mt19937_64 rng(2);
  for (std::size_t n : lengths()) {
    const std::size_t off = rng() % 64;
    const std::span<const std::byte> s(data.data() + off, n);
    const std::uint32_t want = zlib_crc(data, off, n);
    ASSERT_EQ(crc32(s), want) << "n " << n << " off " << off;
    ASSERT_EQ(crc32_tables(s), want) << "n " << n << " off " << off;
  }
}

TEST(Crc32, ContinuationEqualsZlib) {
  const auto data = random_bytes(100'000, 3);
  std::mt19937_64 rng(4);
  for (int rep = 0; rep < 300; ++rep) {
    const std::size_t n = rng() % data.size();
    const std::size_t cut = n == 0 ? 0 : rng() % n;
    const std::uint32_t seed = static_cast<std::uint32_t>(rng());
    const std::uint32_t first = crc32(std::span<const std::byte>(data.data(), cut), seed);
    const std::uint32_t both = crc32(std::span<const std::byte>(data.data() + cut, n - cut), first);
    ASSERT_EQ(first, zlib_crc(data, 0, cut, seed));
    ASSERT_EQ(both, zlib_crc(data, 0, n, seed)) << "n " << n << " cut " << cut;
  }
}

TEST(Crc32, SpecialPatternsEqualZlib) {
  for (std::size_t n : {0u, 1u, 64u, 255u, 256u, 257u, 5000u}) {
    for (int fill : {0x00, 0xff, 0x5a}) {
      std::vector<std::byte> v(n, static_cast<std::byte>(fill));
      ASSERT_EQ(crc32(v), zlib_crc(v, 0, n)) << "n " << n << " fill " << fill;
    }
  }
}

}  // namespace
