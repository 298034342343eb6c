#include "common/files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace shoplytics {
namespace {

namespace fs = std::filesystem;

TEST(Files, WriteThenReadRoundTrips) {
  auto dir = TempDir::Create("files-test");
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  const fs::path path = dir->path() / "a.txt";
  std::string contents("line one\n\0binary", 16);
  ASSERT_TRUE(WriteFileAtomically(path, contents).ok());
  auto read = ReadFile(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, contents);
}

TEST(Files, WriteReplacesTheFileAndLeavesNoTemporaryFile) {
  auto dir = TempDir::Create("files-test");
  ASSERT_TRUE(dir.ok());
  const fs::path path = dir->path() / "state.json";
  ASSERT_TRUE(WriteFileAtomically(path, "old").ok());
  ASSERT_TRUE(WriteFileAtomically(path, "new").ok());
  EXPECT_EQ(ReadFile(path).value(), "new");
  int files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir->path())) ++files;
  EXPECT_EQ(files, 1);
}

TEST(Files, ReadingAMissingFileIsNotFoundAndNamesThePath) {
  auto read = ReadFile("/nonexistent/dir/shoplytics.yml");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kNotFound);
  EXPECT_NE(read.status().message().find("/nonexistent/dir/shoplytics.yml"), std::string::npos);
}

TEST(Files, ReadingADirectoryFails) {
  auto dir = TempDir::Create("files-test");
  ASSERT_TRUE(dir.ok());
  auto read = ReadFile(dir->path());
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find(dir->path().string()), std::string::npos);
}

TEST(Files, WritingIntoAMissingDirectoryNamesThePath) {
  Status status = WriteFileAtomically("/nonexistent/dir/out.txt", "x");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_NE(status.message().find("/nonexistent/dir/out.txt"), std::string::npos);
}

TEST(TempDir, RemovesItselfWithItsContent) {
  fs::path path;
  {
    auto dir = TempDir::Create("files-test");
    ASSERT_TRUE(dir.ok());
    path = dir->path();
    EXPECT_TRUE(fs::is_directory(path));
    fs::create_directories(path / "sub");
    ASSERT_TRUE(WriteFileAtomically(path / "sub" / "f", "x").ok());
  }
  EXPECT_FALSE(fs::exists(path));
}

TEST(TempDir, MoveTransfersOwnership) {
  auto dir = TempDir::Create("files-test");
  ASSERT_TRUE(dir.ok());
  const fs::path path = dir->path();
  {
    TempDir moved = std::move(dir).value();
    EXPECT_EQ(moved.path(), path);
    EXPECT_TRUE(fs::exists(path));
  }
  EXPECT_FALSE(fs::exists(path));
}

}  // namespace
}  // namespace shoplytics
