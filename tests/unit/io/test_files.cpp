// io/files.hpp: temporary and part names, the directory a rename lands in, and sync_path
// (against what the file system says: a file or folder that exists syncs, one that does not
// reports errno's text).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <hypar/core/error.hpp>
#include <hypar/io/files.hpp>
#include <string>

namespace fs = std::filesystem;
using hypar::io::directory_of;
using hypar::io::part_path;
using hypar::io::sync_path;
using hypar::io::temporary_path;

TEST(Files, TemporaryNameIsHiddenBesideTheTarget) {
  EXPECT_EQ(temporary_path("out.dat", 42), ".out.dat.tmp-42");
  EXPECT_EQ(temporary_path("/a/b/out.dat", 7), "/a/b/.out.dat.tmp-7");
  EXPECT_THROW(temporary_path("a/", 1), hypar::Error);
  EXPECT_THROW(temporary_path("a/..", 1), hypar::Error);
  EXPECT_THROW(temporary_path("", 1), hypar::Error);
}

TEST(Files, PartNamesHaveFiveDigitsAtLeast) {
  EXPECT_EQ(part_path("out", 0), "out.part-00000");
  EXPECT_EQ(part_path("out", 123456), "out.part-123456");
}

TEST(Files, DirectoryOfAgreesWithFilesystemParentPath) {
  for (const std::string p : {"a/b/c.dat", "/x", "/x/y", "name", "a/b/", "./f", "../f"}) {
    const fs::path path(p);
    const std::string want = path.has_parent_path() ? path.parent_path().string() : ".";
    EXPECT_EQ(directory_of(p), want) << p;
  }
}

TEST(Files, SyncPathSyncsWhatExistsAndNamesTheErrorOfWhatNot) {
  std::string tmpl = (fs::temp_directory_path() / "hypar-files-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const fs::path dir(tmpl);
  const fs::path file = dir / "f.dat";
  std::ofstream(file) << "data";
  EXPECT_EQ(sync_path(file.string(), false), "");
  EXPECT_EQ(sync_path(dir.string(), true), "");
  EXPECT_EQ(sync_path((dir / "missing").string(), false), std::strerror(ENOENT));
  // A file where a directory is expected: open(O_DIRECTORY) fails with ENOTDIR.
  EXPECT_EQ(sync_path(file.string(), true), std::strerror(ENOTDIR));
  fs::remove_all(dir);
}
