// Test fixture for end-to-end tests of the dbt commands over the small projects under
// tests/projects/: copies one to a temp dir, runs the shoplytics binary on it as a user
// does, mutates its files between runs, and reads its warehouse and artifacts.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_runner.h"
#include "common/files.h"
#include "duck_rows.h"
#include "warehouse/connection.h"
#include "warehouse/database.h"

namespace shoplytics::testing {

class DbtProjectFixture : public ::testing::Test {
 protected:
  // Copies tests/projects/<name> into a fresh temp dir. Its profiles.yml points at
  // <name>.duckdb inside the copy.
  void UseProject(const std::string& name) {
    Result<TempDir> dir = TempDir::Create("dbtproject");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = std::make_unique<TempDir>(std::move(dir).value());
    name_ = name;
    project_ = dir_->path() / name;
    std::filesystem::copy(std::filesystem::path(SHOPLYTICS_SOURCE_DIR) / "tests/projects" / name,
                          project_, std::filesystem::copy_options::recursive);
  }

  // `shoplytics ARGS --project-dir <copy>`; ARGS already quoted for the shell.
  CliRun Run(const std::string& args, const std::string& env = "") {
    return RunShoplytics(args + " --project-dir " + ShellQuote(project_.string()),
                         dir_->path().string(), env);
  }

  std::filesystem::path warehouse_path() const { return project_ / (name_ + ".duckdb"); }

  // The rows of `sql` over the project's warehouse, opened read-only.
  std::vector<std::string> Rows(const std::string& sql) {
    warehouse::DatabaseOptions options;
    options.read_only = true;
    Result<warehouse::Database> db = warehouse::Database::Open(warehouse_path().string(), options);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    if (!db.ok()) return {};
    Result<warehouse::Connection> conn = warehouse::Connection::Open(*db);
    EXPECT_TRUE(conn.ok());
    if (!conn.ok()) return {};
    return DuckRows(*conn, sql);
  }

  // Runs statements against the warehouse (created when missing), e.g. to set up a source.
  void Exec(const std::string& sql) {
    Result<warehouse::Database> db = warehouse::Database::Open(warehouse_path().string());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    Result<warehouse::Connection> conn = warehouse::Connection::Open(*db);
    ASSERT_TRUE(conn.ok());
    Status status = conn->Execute(sql);
    ASSERT_TRUE(status.ok()) << sql << ": " << status.ToString();
  }

  nlohmann::json ReadJson(const std::string& relative) {
    Result<std::string> text = ReadFile(project_ / relative);
    EXPECT_TRUE(text.ok()) << relative;
    return text.ok() ? nlohmann::json::parse(*text, nullptr, false) : nlohmann::json();
  }

  // Writes (or overwrites) a project file, creating its folder.
  void WriteFile(const std::string& relative, const std::string& contents) {
    const std::filesystem::path path = project_ / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::trunc);
    out << contents;
  }

  void RemoveFile(const std::string& relative) { std::filesystem::remove(project_ / relative); }

  // `ls --output name` with the given selection, as sorted names.
  std::vector<std::string> List(const std::string& selection) {
    CliRun ls = Run("ls --output name " + selection);
    EXPECT_EQ(ls.exit_code, 0) << selection << "\n" << ls.out << ls.err;
    std::vector<std::string> names;
    size_t start = 0;
    while (start < ls.out.size()) {
      size_t end = ls.out.find('\n', start);
      if (end == std::string::npos) end = ls.out.size();
      std::string line = ls.out.substr(start, end - start);
      if (!line.empty()) names.push_back(line);
      start = end + 1;
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  static bool Contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
  }

  std::unique_ptr<TempDir> dir_;
  std::string name_;
  std::filesystem::path project_;
};

}  // namespace shoplytics::testing
