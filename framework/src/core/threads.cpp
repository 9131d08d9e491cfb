// Default thread counts from the environment and the process's CPU affinity.
#include <sched.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <hypar/core/error.hpp>
#include <hypar/core/threads.hpp>
#include <string>

namespace hypar {

std::size_t available_cpus() {
  // A mask large enough for machines with more CPUs than CPU_SETSIZE (1024).
  for (std::size_t ncpus = 1024; ncpus <= (1u << 20); ncpus *= 4) {
    cpu_set_t* set = CPU_ALLOC(ncpus);
    if (set == nullptr)
      break;
    const std::size_t bytes = CPU_ALLOC_SIZE(ncpus);
    CPU_ZERO_S(bytes, set);
    if (sched_getaffinity(0, bytes, set) == 0) {
      const int count = CPU_COUNT_S(bytes, set);
      CPU_FREE(set);
      return count > 0 ? static_cast<std::size_t>(count) : 1;
    }
    CPU_FREE(set);
  }
  const long online = sysconf(_SC_NPROCESSORS_ONLN);
  return online > 0 ? static_cast<std::size_t>(online) : 1;
}

namespace detail {

std::optional<std::size_t> parse_thread_count(std::string_view variable, std::string_view value) {
  const auto comma = value.find(',');
  if (comma != std::string_view::npos)
    value = value.substr(0, comma);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
    value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
    value.remove_suffix(1);
  if (value.empty())
    return std::nullopt;
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc{} || end != value.data() + value.size()) {
    throw Error("hypar: " + std::string(variable) + "='" + std::string(value) +
                "' is not a thread count; set it to a positive integer or unset it");
  }
  if (n == 0)
    return std::nullopt;
  return n;
}

}  // namespace detail

std::size_t default_num_threads() {
  for (const char* variable : {"HYPAR_NUM_THREADS", "OMP_NUM_THREADS"}) {
    if (const char* value = std::getenv(variable)) {
      if (auto n = detail::parse_thread_count(variable, value))
        return *n;
    }
  }
  return available_cpus();
}

}  // namespace hypar
