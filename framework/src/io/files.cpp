// Positioned whole-buffer I/O and temporary names (io/files.hpp).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <hypar/core/error.hpp>
#include <hypar/io/files.hpp>

namespace hypar::io {

void pread_exact(int fd, const std::string& path, void* data, std::size_t size,
                 std::uint64_t offset) {
  auto* p = static_cast<unsigned char*>(data);
  while (size > 0) {
    const ssize_t n = ::pread(fd, p, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      throw Error(path + ": read at byte " + std::to_string(offset) +
                  " failed: " + std::strerror(errno));
    if (n == 0)
      throw Error(path + ": ends at byte " + std::to_string(offset) +
                  ", before the size measured at the start (did it change?)");
    p += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
}

void pwrite_exact(int fd, const std::string& path, const void* data, std::size_t size,
                  std::uint64_t offset) {
  const auto* p = static_cast<const unsigned char*>(data);
  while (size > 0) {
    const ssize_t n = ::pwrite(fd, p, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      throw Error(path + ": write of " + std::to_string(size) + " bytes at byte " +
                  std::to_string(offset) + " failed: " + std::strerror(n < 0 ? errno : EIO));
    p += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
}

std::string temporary_path(const std::string& target, long id) {
  const auto slash = target.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : target.substr(0, slash + 1);
  const std::string name = slash == std::string::npos ? target : target.substr(slash + 1);
  if (name.empty() || name == "." || name == "..")
    throw Error(target + ": not a file name");
  return dir + "." + name + ".tmp-" + std::to_string(id);
}

std::string sync_path(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0));
  if (fd < 0)
    return std::strerror(errno);
  std::string error;
  if (::fsync(fd) != 0 && !(directory && errno == EINVAL))
    error = std::strerror(errno);
  ::close(fd);
  return error;
}

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string part_path(const std::string& target, int index) {
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, ".part-%05d", index);
  return target + suffix;
}

}  // namespace hypar::io
