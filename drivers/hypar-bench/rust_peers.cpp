// The Rust peers' runner: finds the program, runs it, reads its line (rust_peers.hpp).
#include "rust_peers.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace hypar_bench {
namespace {

/// The program's path, or "" with the reason in `why`. CMake passes the path it builds to
/// (HYPAR_RUST_PEERS_PROGRAM); an installed hypar-bench finds it next to itself.
std::string find_program(std::string& why) {
#ifdef HYPAR_RUST_PEERS_PROGRAM
  if (std::filesystem::exists(HYPAR_RUST_PEERS_PROGRAM))
    return HYPAR_RUST_PEERS_PROGRAM;
#endif
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto beside = self.parent_path() / "hypar-rust-peers";
    if (std::filesystem::exists(beside, ec))
      return beside.string();
  }
#ifdef HYPAR_RUST_PEERS_PROGRAM
  why = "skipped: not built (" + std::string(HYPAR_RUST_PEERS_PROGRAM) + " is missing)";
#else
  why = "skipped: cargo not found";
#endif
  return "";
}

const std::string& program(std::string* why) {
  static std::string reason;
  static const std::string path = find_program(reason);
  if (why)
    *why = reason;
  return path;
}

RustFields parse_fields(const std::string& text) {
  RustFields fields;
  std::istringstream words(text);
  std::string word;
  while (words >> word) {
    const auto eq = word.find('=');
    if (eq != std::string::npos)
      fields[word.substr(0, eq)] = word.substr(eq + 1);
  }
  return fields;
}

}  // namespace

bool add_rust_peer(Case& c, const std::string& name, const std::string& args, RustCheck check) {
  std::string why;
  const std::string& path = program(&why);
  if (path.empty()) {
    c.skipped.push_back({name, why});
    return false;
  }
  struct Run {
    RustFields fields;
    std::string failure;
    double seconds = 0;
  };
  auto run = std::make_shared<Run>();
  const std::string command = quote(path) + " " + args;
  c.add(
      name, {},
      [=] {
        run->failure.clear();
        const std::string out = shell(command, &run->failure);
        run->fields = parse_fields(out);
        const auto s = run->fields.find("seconds");
        if (run->failure.empty() && s == run->fields.end())
          run->failure = "no seconds= in the output of '" + command + "': " + out;
        run->seconds = run->failure.empty() ? std::strtod(s->second.c_str(), nullptr) : 0.0;
      },
      [=]() -> std::string {
        if (!run->failure.empty())
          return run->failure;
        const std::string error = check(run->fields);
        return error.empty() ? "" : error + " (" + command + ")";
      });
  c.contenders.back().self_timed = [=] { return run->seconds; };
  return true;
}

bool rust_peers_available() {
  return !program(nullptr).empty();
}

std::shared_ptr<const std::string> rust_input_file(const void* data, std::size_t bytes) {
  char pattern[] = "/tmp/hypar-bench-rust-XXXXXX";
  const int fd = ::mkstemp(pattern);
  if (fd < 0)
    throw std::runtime_error(std::string("hypar-bench: cannot create ") + pattern);
  const char* p = static_cast<const char*>(data);
  std::size_t left = bytes;
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n <= 0) {
      ::close(fd);
      ::unlink(pattern);
      throw std::runtime_error(std::string("hypar-bench: cannot write ") + pattern);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  ::close(fd);
  return std::shared_ptr<const std::string>(new std::string(pattern), [](const std::string* path) {
    ::unlink(path->c_str());
    delete path;
  });
}

void rust_target(Case& c, const std::string& subject, const std::string& peer, double min_ratio,
                 const std::string& text) {
  for (const auto& contender : c.contenders) {
    if (contender.name == peer) {
      c.target(subject, peer, min_ratio, text);
      return;
    }
  }
}

RustCheck rust_equals(std::string key, std::string want) {
  return [key = std::move(key), want = std::move(want)](const RustFields& f) -> std::string {
    const auto it = f.find(key);
    if (it == f.end())
      return "no " + key + "= printed";
    return it->second == want ? "" : key + " " + it->second + ", expected " + want;
  };
}

RustCheck rust_close(std::string key, double want, double tolerance) {
  return [key = std::move(key), want, tolerance](const RustFields& f) -> std::string {
    const auto it = f.find(key);
    if (it == f.end())
      return "no " + key + "= printed";
    const double got = std::strtod(it->second.c_str(), nullptr);
    if (std::abs(got - want) <= tolerance)
      return "";
    return key + " " + it->second + ", expected " + std::to_string(want);
  };
}

RustCheck rust_all(RustCheck a, RustCheck b) {
  return [a = std::move(a), b = std::move(b)](const RustFields& f) {
    std::string error = a(f);
    return error.empty() ? b(f) : error;
  };
}

}  // namespace hypar_bench
