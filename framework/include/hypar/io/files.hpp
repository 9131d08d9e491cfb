#pragma once
// Whole-buffer positioned reads and writes, and the temporary names of files that appear
// atomically: the plumbing every record tool needs (hypar-sort gen / sort / check).

#include <cstddef>
#include <cstdint>
#include <string>

namespace hypar::io {

/// Reads exactly `size` bytes at `offset` of the open file `fd` (pread may return less than
/// asked; EINTR is retried). Throws hypar::Error naming `path` on a read error, or when the file
/// ends first (it shrank since it was measured).
void pread_exact(int fd, const std::string& path, void* data, std::size_t size,
                 std::uint64_t offset);

/// Writes all `size` bytes at `offset` of `fd` (pwrite may write less than asked). Throws
/// hypar::Error naming `path` and the errno text (a full disk: "No space left on device").
void pwrite_exact(int fd, const std::string& path, const void* data, std::size_t size,
                  std::uint64_t offset);

/// The temporary name of `target` while it is being written: ".NAME.tmp-ID" in the same
/// directory, so that the final rename stays on one file system and is atomic. Throws
/// hypar::Error when `target` names no file (empty, or ends in '/', "." or "..").
std::string temporary_path(const std::string& target, long id);

/// fsync of the file or (with `directory`) the directory at `path`: its data, or its entries
/// (a rename into it), are on the disk when this returns. Returns the errno text on failure and
/// "" on success; a directory whose file system cannot sync one (EINVAL) counts as synced.
std::string sync_path(const std::string& path, bool directory);

/// The directory holding `path` ("." for a bare name): where its rename lands.
std::string directory_of(const std::string& path);

/// "TARGET.part-NNNNN": the name of part `index` of a set of part files (Hadoop's and the Sort
/// Benchmark's convention; five digits, more when index exceeds 99999).
std::string part_path(const std::string& target, int index);

}  // namespace hypar::io
