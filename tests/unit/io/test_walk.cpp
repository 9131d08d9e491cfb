// Input expansion against `find`, plus links, loops, special files and errors.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <hypar/core/error.hpp>
#include <hypar/io/walk.hpp>
#include <random>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using hypar::io::expand_inputs;
using hypar::io::InputFile;

namespace {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "hypar-walk-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void write_file(const fs::path& p, std::size_t bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << std::string(bytes, 'x');
}

std::vector<std::string> find_regular_files(const std::string& dir) {
  std::vector<std::string> out;
  FILE* pipe = popen(("find '" + dir + "' -type f").c_str(), "r");
  char line[4096];
  while (pipe && std::fgets(line, sizeof line, pipe)) {
    std::string s(line);
    if (!s.empty() && s.back() == '\n')
      s.pop_back();
    out.push_back(s);
  }
  if (pipe)
    pclose(pipe);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> paths_of(const std::vector<InputFile>& files, bool ok_only = true) {
  std::vector<std::string> out;
  for (const auto& f : files) {
    if (!ok_only || f.ok())
      out.push_back(f.path);
  }
  return out;
}

TEST(Walk, RandomTreeMatchesFind) {
  TempDir tmp;
  std::mt19937 rng(12345);
  std::vector<std::string> dirs{tmp.path()};
  for (int i = 0; i < 200; ++i) {
    const std::string parent = dirs[rng() % dirs.size()];
    const std::string name = "n" + std::to_string(rng() % 1000) + (rng() % 3 == 0 ? ".txt" : "");
    if (rng() % 4 == 0) {
      fs::create_directories(parent + "/" + name);
      dirs.push_back(parent + "/" + name);
    } else if (!fs::exists(parent + "/" + name)) {
      write_file(parent + "/" + name, rng() % 100);
    }
  }
  auto files = expand_inputs({tmp.path()});
  auto got = paths_of(files);
  for (const auto& f : files)
    EXPECT_TRUE(f.ok()) << f.path << ": " << f.error;
  auto sorted = got;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, find_regular_files(tmp.path()));
  for (const auto& f : files)
    EXPECT_EQ(f.size, fs::file_size(f.path)) << f.path;
}

TEST(Walk, DepthFirstInSortedOrder) {
  TempDir tmp;
  const std::string d = tmp.path();
  write_file(d + "/b.txt", 1);
  write_file(d + "/a/z", 2);
  write_file(d + "/a.txt", 3);
  write_file(d + "/a/c/y", 4);
  auto got = paths_of(expand_inputs({d}));
  std::vector<std::string> want{d + "/a/c/y", d + "/a/z", d + "/a.txt", d + "/b.txt"};
  EXPECT_EQ(got, want);
}

TEST(Walk, KeepsArgumentOrderAndDuplicates) {
  TempDir tmp;
  write_file(tmp.path() + "/one", 1);
  write_file(tmp.path() + "/two", 2);
  auto got =
      paths_of(expand_inputs({tmp.path() + "/two", tmp.path() + "/one", tmp.path() + "/two"}));
  std::vector<std::string> want{tmp.path() + "/two", tmp.path() + "/one", tmp.path() + "/two"};
  EXPECT_EQ(got, want);
}

TEST(Walk, MissingPathIsAnErrorEntry) {
  auto files = expand_inputs({"/nonexistent/hypar/file"});
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].error_code, ENOENT);
  EXPECT_FALSE(files[0].error.empty());
}

TEST(Walk, SpecialFilesAreNotRegularAndNeverBlock) {
  TempDir tmp;
  const std::string fifo = tmp.path() + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const std::string sock = tmp.path() + "/sock";
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", sock.c_str());
  ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  auto files = expand_inputs({fifo, "/dev/null", sock});
  close(s);
  ASSERT_EQ(files.size(), 3u);
  for (const auto& f : files) {
    EXPECT_FALSE(f.ok()) << f.path;
    EXPECT_EQ(f.error, "not a regular file") << f.path;
  }
  // Inside a directory walk too.
  auto walked = expand_inputs({tmp.path()});
  ASSERT_EQ(walked.size(), 2u);
  EXPECT_FALSE(walked[0].ok());
}

TEST(Walk, LinksToFilesAreFollowedLinksToDirectoriesOnlyWhenAsked) {
  TempDir tmp;
  const std::string d = tmp.path();
  write_file(d + "/real/f", 5);
  write_file(d + "/other/g", 6);
  fs::create_symlink(d + "/real/f", d + "/real/link-to-f");
  fs::create_symlink(d + "/other", d + "/real/link-to-other");
  auto plain = paths_of(expand_inputs({d + "/real"}));
  EXPECT_EQ(plain, (std::vector<std::string>{d + "/real/f", d + "/real/link-to-f"}));
  hypar::io::WalkOptions follow;
  follow.follow_directory_links = true;
  auto followed = paths_of(expand_inputs({d + "/real"}, follow));
  EXPECT_EQ(followed, (std::vector<std::string>{d + "/real/f", d + "/real/link-to-f",
                                                d + "/real/link-to-other/g"}));
}

TEST(Walk, DirectoryLoopIsReportedNotFollowed) {
  TempDir tmp;
  const std::string d = tmp.path();
  write_file(d + "/a/f", 1);
  fs::create_directory_symlink(d + "/a", d + "/a/back");
  hypar::io::WalkOptions follow;
  follow.follow_directory_links = true;
  auto files = expand_inputs({d}, follow);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].path, d + "/a/back");
  EXPECT_EQ(files[0].error_code, ELOOP);
  EXPECT_TRUE(files[1].ok());
  // A link that points at itself.
  fs::create_symlink(d + "/self", d + "/self");
  auto self = expand_inputs({d + "/self"});
  ASSERT_EQ(self.size(), 1u);
  EXPECT_EQ(self[0].error_code, ELOOP);
}

TEST(Walk, DanglingLinkIsAnError) {
  TempDir tmp;
  fs::create_symlink(tmp.path() + "/nowhere", tmp.path() + "/dangling");
  auto files = expand_inputs({tmp.path() + "/dangling"});
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].error_code, ENOENT);
  EXPECT_EQ(files[0].error, "dangling symbolic link");
}

TEST(Walk, UnreadableDirectoryIsAnError) {
  if (geteuid() == 0)
    GTEST_SKIP() << "root reads every directory";
  TempDir tmp;
  write_file(tmp.path() + "/locked/f", 1);
  fs::permissions(tmp.path() + "/locked", fs::perms::none);
  auto files = expand_inputs({tmp.path() + "/locked"});
  fs::permissions(tmp.path() + "/locked", fs::perms::owner_all);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].error_code, EACCES);
}

TEST(PathList, ReadsLinesSkipsEmptyAndStripsCR) {
  TempDir tmp;
  const std::string list = tmp.path() + "/list";
  std::ofstream(list) << "a\r\n\nb c\n/d";
  EXPECT_EQ(hypar::io::read_path_list(list), (std::vector<std::string>{"a", "b c", "/d"}));
}

TEST(PathList, NulSeparatedListsKeepNewlinesAndCarriageReturns) {
  using namespace std::string_literals;
  const std::string text = "a\nb\0\0c\r\0d"s;
  EXPECT_EQ(hypar::io::parse_path_list(text, '\0'), (std::vector<std::string>{"a\nb", "c\r", "d"}));
  TempDir tmp;
  const std::string list = tmp.path() + "/list0";
  std::ofstream(list, std::ios::binary) << text;
  EXPECT_EQ(hypar::io::read_path_list(list, '\0'), hypar::io::parse_path_list(text, '\0'));
}

TEST(PathList, NulInsideALineStaysInTheName) {
  using namespace std::string_literals;
  EXPECT_EQ(hypar::io::parse_path_list("x\0y\r\n\r\nz"s), (std::vector<std::string>{"x\0y"s, "z"}));
}

TEST(PathList, UnreadableListIsAClearError) {
  try {
    hypar::io::read_path_list("/nonexistent/list");
    FAIL();
  } catch (const hypar::Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/list"), std::string::npos);
  }
}

}  // namespace
