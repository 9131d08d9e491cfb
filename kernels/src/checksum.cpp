// CRC-32 (zlib's): slicing-by-16 tables, and carry-less multiply folding on x86-64.
//
// Folding (docs/kernels.md has the derivation): a 128-bit block X of the message, read
// little-endian, is the reflected polynomial L(x) x^64 + H(x) (L the low, H the high 64 bits).
// X x^D mod P = L (x^(63+D) mod P) x + H (x^(D-1) mod P) x, and a carry-less multiply of two
// reflected 64-bit operands is the reflected product times x: so X folds D bits forward with two
// multiplies by constants computed below. The folded 128 bits are congruent to the message so
// far, so running the table CRC (from state 0) over them gives the CRC state of the message.
#include <array>
#include <cstring>
#include <hypar/kernels/checksum.hpp>

#if defined(__x86_64__) && defined(__GNUC__)
#define HYPAR_CRC_CLMUL 1
#include <immintrin.h>
// 512-bit values passed between the AVX-512 helpers below, which are compiled for AVX-512 by
// target attributes even when the file is not: their ABI note does not concern callers.
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

namespace hypar::kernels {

namespace {

constexpr std::uint32_t reflected_poly = 0xEDB88320u;

struct Tables {
  std::array<std::array<std::uint32_t, 256>, 16> t{};
};

constexpr Tables make_tables() {
  Tables tb;
  for (std::uint32_t n = 0; n < 256; ++n) {
    std::uint32_t c = n;
    for (int k = 0; k < 8; ++k)
      c = (c & 1) ? (c >> 1) ^ reflected_poly : c >> 1;
    tb.t[0][n] = c;
  }
  for (std::size_t k = 1; k < 16; ++k) {
    for (std::size_t n = 0; n < 256; ++n) {
      const std::uint32_t prev = tb.t[k - 1][n];
      tb.t[k][n] = (prev >> 8) ^ tb.t[0][prev & 0xff];
    }
  }
  return tb;
}

constexpr Tables tables = make_tables();

std::uint32_t load_le32(const unsigned char* p) noexcept {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

// The raw (not inverted) CRC state after `n` bytes, slicing by 16.
std::uint32_t update_tables(std::uint32_t s, const unsigned char* p, std::size_t n) noexcept {
  const auto& t = tables.t;
  while (n >= 16) {
    const std::uint32_t a = s ^ load_le32(p);
    s = t[15][a & 0xff] ^ t[14][(a >> 8) & 0xff] ^ t[13][(a >> 16) & 0xff] ^ t[12][a >> 24] ^
        t[11][p[4]] ^ t[10][p[5]] ^ t[9][p[6]] ^ t[8][p[7]] ^ t[7][p[8]] ^ t[6][p[9]] ^
        t[5][p[10]] ^ t[4][p[11]] ^ t[3][p[12]] ^ t[2][p[13]] ^ t[1][p[14]] ^ t[0][p[15]];
    p += 16;
    n -= 16;
  }
  while (n-- > 0)
    s = (s >> 8) ^ t[0][(s ^ *p++) & 0xff];
  return s;
}

#if defined(HYPAR_CRC_CLMUL)

// x^e mod P (P = 0x104C11DB7, normal bit order), as a 64-bit operand in reflected order: the
// coefficient of x^i goes to bit 63 - i.
constexpr std::uint64_t xpow_reflected(unsigned e) {
  std::uint64_t r = 1;  // x^0
  for (unsigned k = 0; k < e; ++k) {
    r <<= 1;
    if (r & 0x100000000ull)
      r ^= 0x104C11DB7ull;
  }
  std::uint64_t out = 0;
  for (unsigned i = 0; i < 32; ++i) {
    if (r >> i & 1)
      out |= std::uint64_t{1} << (63 - i);
  }
  return out;
}

// The constant pair that folds a 128-bit lane `bits` forward: {low half, high half}.
struct FoldConstant {
  std::uint64_t lo;
  std::uint64_t hi;
};
constexpr FoldConstant fold_constant(unsigned bits) {
  return FoldConstant{xpow_reflected(63 + bits), xpow_reflected(bits - 1)};
}

constexpr FoldConstant k128 = fold_constant(128);
constexpr FoldConstant k256 = fold_constant(256);
constexpr FoldConstant k384 = fold_constant(384);
constexpr FoldConstant k512 = fold_constant(512);

__attribute__((target("pclmul,sse4.1"))) inline __m128i fold128(__m128i x, FoldConstant k) {
  const __m128i kk = _mm_set_epi64x(static_cast<long long>(k.hi), static_cast<long long>(k.lo));
  return _mm_xor_si128(_mm_clmulepi64_si128(x, kk, 0x00), _mm_clmulepi64_si128(x, kk, 0x11));
}

// 16-byte blocks folded one at a time (PCLMULQDQ), then the tables over the folded value.
__attribute__((target("pclmul,sse4.1"))) std::uint32_t fold_finish(__m128i x,
                                                                   const unsigned char* p,
                                                                   std::size_t n) {
  while (n >= 16) {
    x = _mm_xor_si128(fold128(x, k128), _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    p += 16;
    n -= 16;
  }
  unsigned char folded[16];
  _mm_storeu_si128(reinterpret_cast<__m128i*>(folded), x);
  const std::uint32_t s = update_tables(0, folded, 16);
  return update_tables(s, p, n);
}

// Raw state s over n >= 64 bytes with PCLMULQDQ, four 128-bit lanes folded 512 bits at a time.
__attribute__((target("pclmul,sse4.1"))) std::uint32_t update_pclmul(std::uint32_t s,
                                                                     const unsigned char* p,
                                                                     std::size_t n) {
  auto load = [](const unsigned char* q) {
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
  };
  __m128i a0 = _mm_xor_si128(load(p), _mm_cvtsi32_si128(static_cast<int>(s)));
  __m128i a1 = load(p + 16), a2 = load(p + 32), a3 = load(p + 48);
  p += 64;
  n -= 64;
  while (n >= 64) {
    a0 = _mm_xor_si128(fold128(a0, k512), load(p));
    a1 = _mm_xor_si128(fold128(a1, k512), load(p + 16));
    a2 = _mm_xor_si128(fold128(a2, k512), load(p + 32));
    a3 = _mm_xor_si128(fold128(a3, k512), load(p + 48));
    p += 64;
    n -= 64;
  }
  const __m128i x = _mm_xor_si128(_mm_xor_si128(fold128(a0, k384), fold128(a1, k256)),
                                  _mm_xor_si128(fold128(a2, k128), a3));
  return fold_finish(x, p, n);
}

// Raw state s over n >= 256 bytes with VPCLMULQDQ: four 512-bit registers (16 lanes) folded
// 2048 bits at a time, then reduced to one 128-bit lane.
#define HYPAR_VPCLMUL_TARGET __attribute__((target("avx512f,avx512vl,vpclmulqdq,pclmul,sse4.1")))

// (Helpers rather than lambdas: a lambda does not inherit its enclosing function's target.)
HYPAR_VPCLMUL_TARGET inline __m512i bcast(FoldConstant k) {
  const auto lo = static_cast<long long>(k.lo);
  const auto hi = static_cast<long long>(k.hi);
  return _mm512_set_epi64(hi, lo, hi, lo, hi, lo, hi, lo);
}
HYPAR_VPCLMUL_TARGET inline __m512i fold(__m512i x, __m512i k) {
  return _mm512_xor_si512(_mm512_clmulepi64_epi128(x, k, 0x00),
                          _mm512_clmulepi64_epi128(x, k, 0x11));
}
HYPAR_VPCLMUL_TARGET inline __m512i load(const unsigned char* q) {
  return _mm512_loadu_si512(q);
}

// Raw state s over n >= 256 bytes with VPCLMULQDQ: four 512-bit registers (16 lanes) folded
// 2048 bits at a time, then reduced to one 128-bit lane.
HYPAR_VPCLMUL_TARGET std::uint32_t update_vpclmul(std::uint32_t s, const unsigned char* p,
                                                  std::size_t n) {
  const FoldConstant k2048 = fold_constant(2048);
  const FoldConstant k1536 = fold_constant(1536);
  const FoldConstant k1024 = fold_constant(1024);
  __m512i z0 = _mm512_xor_si512(load(p), _mm512_set_epi64(0, 0, 0, 0, 0, 0, 0, s));
  __m512i z1 = load(p + 64), z2 = load(p + 128), z3 = load(p + 192);
  p += 256;
  n -= 256;
  const __m512i kf = bcast(k2048);
  while (n >= 256) {
    z0 = _mm512_xor_si512(fold(z0, kf), load(p));
    z1 = _mm512_xor_si512(fold(z1, kf), load(p + 64));
    z2 = _mm512_xor_si512(fold(z2, kf), load(p + 128));
    z3 = _mm512_xor_si512(fold(z3, kf), load(p + 192));
    p += 256;
    n -= 256;
  }
  // Four registers to one: z0 x^1536 + z1 x^1024 + z2 x^512 + z3, lane by lane.
  __m512i z = _mm512_xor_si512(_mm512_xor_si512(fold(z0, bcast(k1536)), fold(z1, bcast(k1024))),
                               _mm512_xor_si512(fold(z2, bcast(k512)), z3));
  // Four lanes to one: l0 x^384 + l1 x^256 + l2 x^128 + l3.
  // (Through memory: GCC 12 warns falsely about the extract intrinsics' undefined operand.)
  alignas(64) unsigned char lanes[64];
  _mm512_store_si512(lanes, z);
  const __m128i l0 = _mm_load_si128(reinterpret_cast<const __m128i*>(lanes));
  const __m128i l1 = _mm_load_si128(reinterpret_cast<const __m128i*>(lanes + 16));
  const __m128i l2 = _mm_load_si128(reinterpret_cast<const __m128i*>(lanes + 32));
  const __m128i l3 = _mm_load_si128(reinterpret_cast<const __m128i*>(lanes + 48));
  const __m128i x = _mm_xor_si128(_mm_xor_si128(fold128(l0, k384), fold128(l1, k256)),
                                  _mm_xor_si128(fold128(l2, k128), l3));
  return fold_finish(x, p, n);
}

enum class ClmulLevel { none, pclmul, vpclmul };

ClmulLevel detect() noexcept {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("vpclmulqdq") && __builtin_cpu_supports("pclmul")) {
    return ClmulLevel::vpclmul;
  }
  if (__builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1")) {
    return ClmulLevel::pclmul;
  }
  return ClmulLevel::none;
}

const ClmulLevel clmul_level = detect();

#endif

}  // namespace

std::uint32_t crc32_tables(std::span<const std::byte> data, std::uint32_t crc) noexcept {
  return ~update_tables(~crc, reinterpret_cast<const unsigned char*>(data.data()), data.size());
}

std::uint32_t crc32(std::span<const std::byte> data, std::uint32_t crc) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  const std::size_t n = data.size();
#if defined(HYPAR_CRC_CLMUL)
  if (n >= 256 && clmul_level == ClmulLevel::vpclmul)
    return ~update_vpclmul(~crc, p, n);
  if (n >= 64 && clmul_level != ClmulLevel::none)
    return ~update_pclmul(~crc, p, n);
#endif
  return ~update_tables(~crc, p, n);
}

}  // namespace hypar::kernels
