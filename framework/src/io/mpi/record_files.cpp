// Record files laid end to end (io/record_files.hpp).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <hypar/core/error.hpp>
#include <hypar/io/files.hpp>
#include <hypar/io/record_files.hpp>
#include <hypar/io/records.hpp>

namespace hypar::records {

using dist::Communicator;

RecordRange share_of(std::uint64_t total, int rank, int ranks) noexcept {
  const auto r = static_cast<std::uint64_t>(rank), p = static_cast<std::uint64_t>(ranks);
  const std::uint64_t q = total / p, rem = total % p;
  return {r * q + std::min(r, rem), q + (r < rem ? 1 : 0)};
}

RecordFiles::RecordFiles(std::vector<std::string> paths, const std::vector<std::uint64_t>& records)
    : paths_(std::move(paths)), fds_(paths_.size(), -1) {
  first_.push_back(0);
  for (const auto r : records)
    first_.push_back(first_.back() + r);
}

RecordFiles::~RecordFiles() {
  for (const int fd : fds_)
    if (fd >= 0)
      ::close(fd);
}

void RecordFiles::read(std::uint64_t begin, std::uint64_t count, std::uint8_t* out) {
  auto file = static_cast<std::size_t>(std::upper_bound(first_.begin(), first_.end(), begin) -
                                       first_.begin() - 1);
  while (count > 0) {
    while (begin >= first_[file + 1])
      ++file;
    const std::uint64_t n = std::min(count, first_[file + 1] - begin);
    io::pread_exact(fd_of(file), paths_[file], out, n * record_size,
                    (begin - first_[file]) * record_size);
    out += n * record_size;
    begin += n;
    count -= n;
  }
}

int RecordFiles::fd_of(std::size_t file) {
  std::lock_guard lock(mutex_);
  if (fds_[file] < 0) {
    fds_[file] = ::open(paths_[file].c_str(), O_RDONLY | O_CLOEXEC);
    if (fds_[file] < 0)
      throw Error(paths_[file] + ": cannot open: " + std::strerror(errno));
  }
  return fds_[file];
}

std::vector<std::uint64_t> measure_inputs(const Communicator& comm,
                                          const std::vector<std::string>& paths) {
  std::vector<std::uint64_t> records;
  std::string error;
  if (comm.rank() == 0) {
    for (const auto& path : paths) {
      const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      struct stat st {};
      if (fd < 0)
        error = path + ": cannot open: " + std::strerror(errno);
      else if (::fstat(fd, &st) != 0)
        error = path + ": cannot stat: " + std::strerror(errno);
      else if (!S_ISREG(st.st_mode))
        error = path + ": not a regular file";
      else if (st.st_size % static_cast<off_t>(record_size) != 0)
        error = path + ": size " + std::to_string(st.st_size) +
                " bytes is not a multiple of the 100-byte record size";
      if (fd >= 0)
        ::close(fd);
      if (!error.empty())
        break;
      records.push_back(static_cast<std::uint64_t>(st.st_size) / record_size);
    }
  }
  comm.broadcast(error, 0);
  if (!error.empty())
    throw Error(error);
  comm.broadcast(records, 0);
  return records;
}

std::vector<std::string> expand_inputs(const Communicator& comm,
                                       const std::vector<std::string>& inputs) {
  std::vector<std::string> paths;
  std::string error;
  if (comm.rank() == 0) {
    namespace fs = std::filesystem;
    for (const auto& input : inputs) {
      std::error_code ec;
      const fs::file_status st = fs::status(input, ec);
      if (ec || !fs::exists(st)) {
        error = input + ": cannot open: " + (ec ? ec.message() : "No such file or directory");
        break;
      }
      if (!fs::is_directory(st)) {
        paths.push_back(input);
        continue;
      }
      std::vector<std::string> names;
      for (fs::directory_iterator it(input, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        std::error_code ec2;
        if (!name.empty() && name[0] != '.' && it->is_regular_file(ec2))
          names.push_back(name);
      }
      if (ec) {
        error = input + ": cannot list the directory: " + ec.message();
        break;
      }
      std::sort(names.begin(), names.end());
      for (const auto& name : names)
        paths.push_back((fs::path(input) / name).string());
    }
  }
  comm.broadcast(error, 0);
  if (!error.empty())
    throw Error(error);
  comm.broadcast(paths, 0);
  return paths;
}

}  // namespace hypar::records
