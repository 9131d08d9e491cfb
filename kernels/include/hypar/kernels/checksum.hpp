#pragma once
// CRC-32 (the zlib / gzip / PNG / Ethernet CRC: reflected polynomial 0xEDB88320).

#include <cstddef>
#include <cstdint>
#include <span>

namespace hypar::kernels {

/// The CRC-32 of `data`, continuing from `crc` (the CRC of the bytes before it, 0 to start):
/// equal to zlib's `crc32(crc, data, size)`, so `crc32(b, crc32(a))` is the CRC of a then b.
/// Carry-less multiply folding (VPCLMULQDQ / PCLMULQDQ, chosen at run time from the CPU) on
/// x86-64, slicing-by-16 tables elsewhere and for short inputs. Any length and alignment.
std::uint32_t crc32(std::span<const std::byte> data, std::uint32_t crc = 0) noexcept;

/// The portable table version (slicing-by-16), the reference of the folding paths.
std::uint32_t crc32_tables(std::span<const std::byte> data, std::uint32_t crc = 0) noexcept;

}  // namespace hypar::kernels
