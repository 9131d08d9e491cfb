// Input expansion: files, directories walked in sorted order, links, loops and errors.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <hypar/core/error.hpp>
#include <hypar/io/walk.hpp>
#include <iostream>
#include <set>
#include <utility>

namespace hypar::io {
namespace {

using DirId = std::pair<dev_t, ino_t>;

std::string describe_errno(int code) {
  return std::strerror(code);
}

InputFile error_entry(std::string path, int code, std::string message) {
  InputFile f;
  f.path = std::move(path);
  f.error_code = code;
  f.error = std::move(message);
  return f;
}

std::string join(const std::string& dir, const std::string& name) {
  if (!dir.empty() && dir.back() == '/')
    return dir + name;
  return dir + "/" + name;
}

class Walker {
 public:
  Walker(const WalkOptions& options, std::vector<InputFile>& out) : options_(options), out_(out) {}

  // `st` is the stat (following links) of `path`, which is a directory.
  void walk_directory(const std::string& path, const struct stat& st) {
    const DirId id{st.st_dev, st.st_ino};
    if (active_.count(id)) {
      out_.push_back(error_entry(path, ELOOP, "directory loop: already being walked"));
      return;
    }
    DIR* dir = opendir(path.c_str());
    if (dir == nullptr) {
      const int code = errno;
      out_.push_back(error_entry(path, code, describe_errno(code)));
      return;
    }
    std::vector<std::string> names;
    errno = 0;
    while (const dirent* entry = readdir(dir)) {
      const char* name = entry->d_name;
      if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0)
        continue;
      names.emplace_back(name);
    }
    const int read_error = errno;
    closedir(dir);
    if (read_error != 0) {
      out_.push_back(error_entry(path, read_error, describe_errno(read_error)));
      return;
    }
    std::sort(names.begin(), names.end());
    active_.insert(id);
    for (const auto& name : names)
      visit(join(path, name), /*top_level=*/false);
    active_.erase(id);
  }

  void visit(const std::string& path, bool top_level) {
    struct stat link_st {};
    if (lstat(path.c_str(), &link_st) != 0) {
      const int code = errno;
      out_.push_back(error_entry(path, code, describe_errno(code)));
      return;
    }
    const bool is_link = S_ISLNK(link_st.st_mode);
    struct stat st = link_st;
    if (is_link && stat(path.c_str(), &st) != 0) {
      const int code = errno;
      out_.push_back(error_entry(path, code,
                                 code == ENOENT ? "dangling symbolic link" : describe_errno(code)));
      return;
    }
    if (S_ISREG(st.st_mode)) {
      InputFile f;
      f.path = path;
      f.size = static_cast<std::uint64_t>(st.st_size);
      out_.push_back(std::move(f));
    } else if (S_ISDIR(st.st_mode)) {
      // A directory named on the command line is always walked; below it, links to directories
      // only with follow_directory_links.
      if (is_link && !top_level && !options_.follow_directory_links)
        return;
      walk_directory(path, st);
    } else {
      out_.push_back(error_entry(path, EINVAL, "not a regular file"));
    }
  }

 private:
  const WalkOptions& options_;
  std::vector<InputFile>& out_;
  std::set<DirId> active_;  // directories on the current walk path: a repeat is a loop
};

}  // namespace

std::vector<InputFile> expand_inputs(const std::vector<std::string>& inputs,
                                     const WalkOptions& options) {
  std::vector<InputFile> out;
  Walker walker(options, out);
  for (const auto& input : inputs) {
    if (input.empty()) {
      out.push_back(error_entry(input, ENOENT, "empty path"));
      continue;
    }
    if (input.find('\0') != std::string::npos) {
      // The system would see only the part before the NUL: a different file. Refuse it.
      out.push_back(error_entry(input, EINVAL, "file name contains a NUL byte"));
      continue;
    }
    walker.visit(input, /*top_level=*/true);
  }
  return out;
}

std::vector<std::string> parse_path_list(std::string_view text, char separator) {
  std::vector<std::string> paths;
  while (!text.empty()) {
    const std::size_t end = text.find(separator);
    std::string_view entry = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (separator == '\n' && !entry.empty() && entry.back() == '\r')
      entry.remove_suffix(1);
    if (!entry.empty())
      paths.emplace_back(entry);
  }
  return paths;
}

std::vector<std::string> read_path_list(const std::string& list_path, char separator) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (list_path != "-") {
    file.open(list_path, std::ios::binary);
    if (!file) {
      throw Error("hypar: cannot read the path list '" + list_path + "': " + describe_errno(errno));
    }
    in = &file;
  }
  std::string text;
  std::array<char, 64 << 10> buffer;
  while (in->read(buffer.data(), buffer.size()) || in->gcount() > 0)
    text.append(buffer.data(), static_cast<std::size_t>(in->gcount()));
  if (in->bad())
    throw Error("hypar: error while reading the path list '" + list_path + "'");
  return parse_path_list(text, separator);
}

}  // namespace hypar::io
