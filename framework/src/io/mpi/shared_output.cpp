// hypar::io::SharedOutput (io/shared_output.hpp).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <hypar/core/error.hpp>
#include <hypar/io/files.hpp>
#include <hypar/io/shared_output.hpp>
#include <utility>

namespace hypar::io {

namespace {

/// Gathers every rank's messages to rank 0 (appending them to `all` there); true on every rank
/// when no rank had any. Collective.
bool agree_none(const dist::Communicator& comm, const std::string& mine,
                std::vector<std::string>& all) {
  std::vector<std::string> local;
  if (!mine.empty())
    local.push_back("rank " + std::to_string(comm.rank()) + ": " + mine);
  const std::vector<std::string> gathered = comm.gather(local, 0);
  all.insert(all.end(), gathered.begin(), gathered.end());
  int ok = gathered.empty() ? 1 : 0;
  comm.broadcast(ok, 0);
  return ok != 0;
}

}  // namespace

SharedOutput::SharedOutput(const dist::Communicator& comm, std::string target, bool parts,
                           bool sync)
    : comm_(comm), target_(std::move(target)), parts_(parts), sync_(sync) {
  long pid = static_cast<long>(::getpid());
  comm_.broadcast(pid, 0);
  if (parts_)
    target_ = part_path(target_, comm_.rank());
  std::string error;
  owner_ = parts_ || comm_.rank() == 0;
  if (owner_) {
    try {
      temporary_ = temporary_path(target_, pid);
      interrupt_guard_ = RemoveOnInterrupt(temporary_);  // before the file exists
      fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd_ < 0) {
        error = "cannot create the temporary file " + temporary_ + ": " + std::strerror(errno);
        interrupt_guard_.release();  // (the name may be another's file)
      }
    } catch (const Error& e) {
      error = e.what();
    }
    if (!error.empty())
      owner_ = false;  // nothing of ours to remove
  }
  if (!parts_) {
    // Only rank 0 created; the others open its file once it exists.
    comm_.broadcast(error, 0);
    if (!error.empty())
      throw Error(error);
    comm_.broadcast(temporary_, 0);
    if (comm_.rank() != 0) {
      fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd_ < 0)
        error = "cannot open " + temporary_ + ": " + std::strerror(errno);
    }
  }
  std::vector<std::string> all;
  const bool ok = agree_none(comm_, error, all);
  if (!ok) {
    std::string joined;
    for (const auto& m : all)
      joined += (joined.empty() ? "" : "; ") + m;
    comm_.broadcast(joined, 0);
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
    if (owner_)
      ::unlink(temporary_.c_str());
    owner_ = false;
    throw Error(joined);
  }
}

SharedOutput::~SharedOutput() {
  if (fd_ >= 0)
    ::close(fd_);
  if (owner_ && !committed_)
    ::unlink(temporary_.c_str());
}

void SharedOutput::write_at(const void* data, std::size_t size, std::uint64_t offset) const {
  if (fd_ < 0)
    throw Error(temporary_ + ": not open for writing");
  pwrite_exact(fd_, temporary_, data, size, offset);
}

bool SharedOutput::commit(const std::string& local_error, std::vector<std::string>& errors) {
  std::string error = local_error;
  if (fd_ >= 0) {
    if (error.empty() && sync_ && ::fsync(fd_) != 0)
      error = "fsync of " + temporary_ + " failed: " + std::strerror(errno);
    if (::close(fd_) != 0 && error.empty())
      error = "close of " + temporary_ + " failed: " + std::strerror(errno);
    fd_ = -1;
  }
  if (!agree_none(comm_, error, errors))
    return false;  // the destructor removes the temporaries
  bool renamed = false;
  error.clear();
  if (owner_) {
    if (::rename(temporary_.c_str(), target_.c_str()) == 0)
      renamed = true;
    else
      error = "cannot rename " + temporary_ + " to " + target_ + ": " + std::strerror(errno);
    if (renamed && sync_) {  // the rename itself on the disk too
      const std::string dir = directory_of(target_);
      if (const std::string e = sync_path(dir, true); !e.empty())
        error = "fsync of the directory " + dir + " failed: " + e;
    }
  }
  if (agree_none(comm_, error, errors)) {
    committed_ = true;
    return true;
  }
  if (renamed) {
    ::unlink(target_.c_str());
    committed_ = true;  // the temporary name is gone already
  }
  return false;
}

}  // namespace hypar::io
