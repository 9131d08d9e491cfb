// hypar-stats output formats: CSV read back by an independent RFC 4180 parser, JSON parsed back,
// table columns, size parsing, and the synthetic corpus against a sequential count.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "corpus.hpp"
#include "report.hpp"

using namespace hypar_stats;

namespace {

// A small RFC 4180 reader, independent of the writer: records of fields, CRLF line ends.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false, was_quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      EXPECT_TRUE(field.empty()) << "quote inside an unquoted field";
      quoted = was_quoted = true;
    } else if (c == ',') {
      rows.back().push_back(field);
      field.clear();
      was_quoted = false;
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.back().push_back(field);
      field.clear();
      rows.emplace_back();
      ++i;
    } else {
      EXPECT_NE(c, '\n') << "bare LF in CSV";
      field += c;
    }
  }
  EXPECT_FALSE(quoted) << "unterminated quote";
  if (!field.empty() || was_quoted)
    rows.back().push_back(field);
  if (rows.back().empty())
    rows.pop_back();
  return rows;
}

std::vector<FileResult> sample_files() {
  std::vector<FileResult> files(4);
  files[0] = {"plain.txt", 3, 10, 55, 20, true, ""};
  files[1] = {"with,comma \"and quotes\"\r\nand newline", 1, 2, 3, 4, true, ""};
  files[2] = {"missing.txt", 0, 0, 0, 0, false, "No such file or directory"};
  files[3] = {"big.txt", 1000000, 7000000, 5000000000ull, 123456, true, ""};
  return files;
}

TEST(StatsReport, TotalSumsCountedFilesAndTakesTheLongestLine) {
  const auto total = total_of(sample_files());
  EXPECT_EQ(total.lines, 1000004u);
  EXPECT_EQ(total.words, 7000012u);
  EXPECT_EQ(total.bytes, 5000000058ull);
  EXPECT_EQ(total.max_line_length, 123456u);
  EXPECT_EQ(total.path, "total");
}

TEST(StatsReport, CsvRoundTripsThroughAnIndependentParser) {
  const auto files = sample_files();
  std::ostringstream out;
  write_csv(out, files, total_of(files));
  const auto rows = parse_csv(out.str());
  ASSERT_EQ(rows.size(), files.size() + 2);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"path", "lines", "words", "bytes", "max_line_length",
                                               "error"}));
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto& r = rows[i + 1];
    ASSERT_EQ(r.size(), 6u) << i;
    EXPECT_EQ(r[0], files[i].path);
    if (files[i].ok) {
      EXPECT_EQ(r[1], std::to_string(files[i].lines));
      EXPECT_EQ(r[3], std::to_string(files[i].bytes));
      EXPECT_EQ(r[5], "");
    } else {
      EXPECT_EQ(r[1], "");
      EXPECT_EQ(r[5], files[i].error);
    }
  }
  EXPECT_EQ(rows.back()[0], "total");
  EXPECT_EQ(rows.back()[3], "5000000058");
}

TEST(StatsReport, CsvFieldQuotesOnlyWhenNeeded) {
  EXPECT_EQ(csv_field("a.txt"), "a.txt");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("line\nbreak"), "\"line\nbreak\"");
}

TEST(StatsReport, JsonHasEveryFieldAndNullErrors) {
  const auto files = sample_files();
  std::ostringstream out;
  RunInfo run{2, 3, 0.5, 1000, {0.01, 0.02, 0.25, 0.375, 0.125}};
  write_json(out, files, total_of(files), run);
  const auto j = nlohmann::json::parse(out.str());
  ASSERT_EQ(j["files"].size(), files.size());
  EXPECT_EQ(j["files"][0]["path"], "plain.txt");
  EXPECT_EQ(j["files"][0]["words"], 10);
  EXPECT_TRUE(j["files"][0]["error"].is_null());
  EXPECT_EQ(j["files"][2]["error"], "No such file or directory");
  EXPECT_TRUE(j["files"][2]["lines"].is_null());
  EXPECT_EQ(j["total"]["bytes"], 5000000058ull);
  EXPECT_EQ(j["ranks"], 2);
  EXPECT_EQ(j["threads"], 3);
  EXPECT_DOUBLE_EQ(j["seconds"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(j["bytes_per_second"].get<double>(), 2000.0);
  EXPECT_DOUBLE_EQ(j["phases"]["walk"].get<double>(), 0.01);
  EXPECT_DOUBLE_EQ(j["phases"]["partition"].get<double>(), 0.02);
  EXPECT_DOUBLE_EQ(j["phases"]["count"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(j["phases"]["count_max"].get<double>(), 0.375);
  EXPECT_DOUBLE_EQ(j["phases"]["merge"].get<double>(), 0.125);
  EXPECT_EQ(j["phases"].size(), 5u);
}

TEST(StatsReport, JsonSurvivesPathsThatAreNotUtf8) {
  std::vector<FileResult> files{{"bad\xff\xfename", 1, 1, 1, 1, true, ""}};
  std::ostringstream out;
  write_json(out, files, total_of(files), RunInfo{});
  const auto j = nlohmann::json::parse(out.str());
  EXPECT_EQ(j["files"][0]["path"], "bad\xef\xbf\xbd\xef\xbf\xbdname");
}

TEST(StatsReport, TableAlignsLikeWcAndSkipsFailedFiles) {
  std::vector<FileResult> files{{"a", 1, 22, 333, 4, true, ""}, {"gone", 0, 0, 0, 0, false, "x"}};
  std::ostringstream out;
  write_table(out, files, total_of(files));
  EXPECT_EQ(out.str(), "  1  22 333   4 a\n  1  22 333   4 total\n");
}

TEST(StatsReport, ParseSizeAcceptsSuffixes) {
  EXPECT_EQ(parse_size("4096"), 4096u);
  EXPECT_EQ(parse_size("64K"), 64u << 10);
  EXPECT_EQ(parse_size("64k"), 64u << 10);
  EXPECT_EQ(parse_size("8M"), 8u << 20);
  EXPECT_EQ(parse_size("8MiB"), 8u << 20);
  EXPECT_EQ(parse_size("1G"), 1ull << 30);
  EXPECT_EQ(parse_size("10B"), 10u);
  for (const char* bad : {"", "K", "12Q", "1.5M", "-3", "8MB5", "99999999999999999999G"}) {
    EXPECT_THROW(parse_size(bad), std::invalid_argument) << bad;
  }
}

TEST(StatsCorpus, SyntheticTextIsDeterministicAndSized) {
  const auto a = make_synthetic_text(1 << 20);
  const auto b = make_synthetic_text(1 << 20);
  EXPECT_EQ(a.size(), 1u << 20);
  EXPECT_EQ(a, b);
  EXPECT_NE(a.find('\t'), std::string::npos);
  EXPECT_NE(a.find("\n\n"), std::string::npos);
}

TEST(StatsCorpus, MaterializedFilesHoldTheEmbeddedBytes) {
  const auto paths = materialize_corpus();
  const auto& embedded = embedded_files();
  ASSERT_EQ(paths.size(), embedded.size() + 1);
  for (std::size_t i = 0; i < embedded.size(); ++i) {
    std::ifstream in(paths[i], std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(content,
              std::string(reinterpret_cast<const char*>(embedded[i].data), embedded[i].size))
        << paths[i];
  }
  // Twice gives the same folder (the corpus is made once per node).
  EXPECT_EQ(materialize_corpus(), paths);
}

}  // namespace

#include "options.hpp"

namespace {

hypar_stats::ParseOutcome parse(std::vector<const char*> args) {
  args.insert(args.begin(), "hypar-stats");
  return hypar_stats::parse_command_line(static_cast<int>(args.size()), args.data());
}

TEST(StatsOptions, DefaultsAndPaths) {
  auto r = parse({"a.txt", "dir"});
  ASSERT_EQ(r.kind, hypar_stats::ParseOutcome::Kind::run);
  EXPECT_EQ(r.options.paths, (std::vector<std::string>{"a.txt", "dir"}));
  EXPECT_EQ(r.options.format, hypar_stats::Format::table);
  EXPECT_EQ(r.options.chunk_bytes, 64u << 20);
  EXPECT_FALSE(r.options.progress.has_value());
}

TEST(StatsOptions, EveryFlag) {
  auto r = parse({"--format", "json", "--threads", "3", "--chunk-size", "1M", "--no-progress",
                  "--follow", "--fail-fast", "--files-from", "-"});
  ASSERT_EQ(r.kind, hypar_stats::ParseOutcome::Kind::run) << r.output;
  EXPECT_EQ(r.options.format, hypar_stats::Format::json);
  EXPECT_EQ(r.options.threads, 3u);
  EXPECT_EQ(r.options.chunk_bytes, 1u << 20);
  EXPECT_EQ(r.options.progress, std::optional<bool>(false));
  EXPECT_TRUE(r.options.follow);
  EXPECT_TRUE(r.options.fail_fast);
  EXPECT_EQ(r.options.files_from, std::optional<std::string>("-"));
}

TEST(StatsOptions, UsageErrorsExitTwoWithOneLine) {
  for (auto args : std::vector<std::vector<const char*>>{{"--format", "xml"},
                                                         {"--chunk-size", "12Q"},
                                                         {"--chunk-size", "10"},
                                                         {"--threads", "-1"},
                                                         {"--threads", "many"},
                                                         {"--bogus"},
                                                         {"--progress", "--no-progress"},
                                                         {"--format"}}) {
    auto r = parse(args);
    EXPECT_EQ(r.kind, hypar_stats::ParseOutcome::Kind::exit) << args[0];
    EXPECT_EQ(r.exit_code, 2) << args[0];
    EXPECT_TRUE(r.to_stderr);
    EXPECT_EQ(r.output.rfind("hypar-stats: ", 0), 0u) << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  }
}

TEST(StatsOptions, HelpAndVersionExitZero) {
  auto help = parse({"--help"});
  EXPECT_EQ(help.kind, hypar_stats::ParseOutcome::Kind::exit);
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("built-in corpus"), std::string::npos);
  EXPECT_NE(help.output.find("--chunk-size"), std::string::npos);
  auto version = parse({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.output.find("hypar-stats"), std::string::npos);
}

}  // namespace
