// hypar-stats output formats.
#include "report.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>
#include <ostream>
#include <stdexcept>
#include <string>

namespace hypar_stats {

FileResult total_of(const std::vector<FileResult>& files) {
  FileResult total;
  total.path = "total";
  for (const auto& f : files) {
    if (!f.ok)
      continue;
    total.lines += f.lines;
    total.words += f.words;
    total.bytes += f.bytes;
    total.max_line_length = std::max(total.max_line_length, f.max_line_length);
  }
  return total;
}

void write_table(std::ostream& out, const std::vector<FileResult>& files, const FileResult& total) {
  // Like wc, one width for every column: wide enough for the largest number printed.
  std::size_t width = 1;
  for (std::uint64_t v : {total.lines, total.words, total.bytes, total.max_line_length}) {
    width = std::max(width, std::to_string(v).size());
  }
  auto row = [&](const FileResult& f) {
    for (std::uint64_t v : {f.lines, f.words, f.bytes, f.max_line_length}) {
      const std::string s = std::to_string(v);
      out << std::string(width - s.size(), ' ') << s << ' ';
    }
    out << quote_name(f.path) << '\n';
  };
  for (const auto& f : files) {
    if (f.ok)
      row(f);
  }
  row(total);
}

std::string quote_name(std::string_view name) {
  auto control = [](unsigned char c) { return c < 0x20 || c == 0x7f; };
  if (std::none_of(name.begin(), name.end(), control))
    return std::string(name);
  std::string out;
  bool open = false;  // inside a '...' run
  for (const char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (control(c) || c == '\'') {
      if (open)
        out += '\'';
      open = false;
      if (c == '\'') {
        out += "\\'";
        continue;
      }
      out += "$'";
      switch (c) {
        case '\a':
          out += "\\a";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\v':
          out += "\\v";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\r':
          out += "\\r";
          break;
        default: {
          const char octal[] = {'\\', static_cast<char>('0' + (c >> 6)),
                                static_cast<char>('0' + ((c >> 3) & 7)),
                                static_cast<char>('0' + (c & 7)), '\0'};
          out += octal;
        }
      }
      out += '\'';
      continue;
    }
    if (!open)
      out += '\'';
    open = true;
    out += ch;
  }
  if (open)
    out += '\'';
  return out;
}

std::string csv_field(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos)
    return std::string(field);
  std::string quoted = "\"";
  for (char c : field) {
    if (c == '"')
      quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

void write_csv(std::ostream& out, const std::vector<FileResult>& files, const FileResult& total) {
  out << "path,lines,words,bytes,max_line_length,error\r\n";
  auto row = [&](const FileResult& f) {
    out << csv_field(f.path) << ',';
    if (f.ok) {
      out << f.lines << ',' << f.words << ',' << f.bytes << ',' << f.max_line_length << ",";
    } else {
      out << ",,,," << csv_field(f.error);
    }
    out << "\r\n";
  };
  for (const auto& f : files)
    row(f);
  row(total);
}

namespace {
nlohmann::json counts_json(const FileResult& f) {
  nlohmann::json j;
  j["path"] = f.path;
  if (f.ok) {
    j["lines"] = f.lines;
    j["words"] = f.words;
    j["bytes"] = f.bytes;
    j["max_line_length"] = f.max_line_length;
    j["error"] = nullptr;
  } else {
    j["lines"] = nullptr;
    j["words"] = nullptr;
    j["bytes"] = nullptr;
    j["max_line_length"] = nullptr;
    j["error"] = f.error;
  }
  return j;
}
}  // namespace

void write_json(std::ostream& out, const std::vector<FileResult>& files, const FileResult& total,
                const RunInfo& run) {
  nlohmann::json j;
  j["files"] = nlohmann::json::array();
  for (const auto& f : files)
    j["files"].push_back(counts_json(f));
  j["total"] = counts_json(total);
  j["total"].erase("error");
  j["total"].erase("path");
  j["ranks"] = run.ranks;
  j["threads"] = run.threads;
  j["seconds"] = run.seconds;
  j["bytes_per_second"] = run.seconds > 0 ? static_cast<double>(run.bytes) / run.seconds : 0.0;
  j["phases"] = {{"walk", run.phases.walk},
                 {"partition", run.phases.partition},
                 {"count", run.phases.count},
                 {"count_max", run.phases.count_max},
                 {"merge", run.phases.merge}};
  out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

std::uint64_t parse_size(std::string_view text) {
  const std::string original(text);
  if (text.empty())
    throw std::invalid_argument("empty size");
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end == text.data()) {
    throw std::invalid_argument("'" + original + "' is not a size (examples: 65536, 64K, 8M, 1G)");
  }
  std::string suffix(end, text.data() + text.size());
  std::transform(suffix.begin(), suffix.end(), suffix.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  std::uint64_t multiplier = 1;
  if (!suffix.empty()) {
    switch (suffix.front()) {
      case 'K':
        multiplier = 1ull << 10;
        break;
      case 'M':
        multiplier = 1ull << 20;
        break;
      case 'G':
        multiplier = 1ull << 30;
        break;
      case 'T':
        multiplier = 1ull << 40;
        break;
      case 'B':
        multiplier = 1;
        break;
      default:
        throw std::invalid_argument("'" + original + "' has an unknown unit (use K, M, G or T)");
    }
    const std::string rest = suffix.substr(1);
    const bool ok =
        suffix.front() == 'B' ? rest.empty() : (rest.empty() || rest == "B" || rest == "IB");
    if (!ok)
      throw std::invalid_argument("'" + original + "' has an unknown unit (use K, M, G or T)");
  }
  if (value > UINT64_MAX / multiplier)
    throw std::invalid_argument("'" + original + "' is too large");
  return value * multiplier;
}

}  // namespace hypar_stats
