// Database: one open DuckDB database (a file, or in memory). Move-only; the destructor
// closes it. Connections (connection.h) are made from it.
//
// DuckDB lets one process open a file for writing. Opening a file that another process
// holds is kFailedPrecondition, with a message naming the file and saying that another
// process holds it. Opening a missing file read-only is an error (DuckDB does not
// create files in read-only mode); read-write creates it, in DuckDB 1.4's storage format
// (faster string compression; readable by DuckDB >= 1.4 only). An existing file keeps the
// format it was created in.
//
// Thread-safety: a Database may be shared between threads; each thread makes its own
// Connection. The Database must outlive its connections.
#pragma once

#include <duckdb.h>

#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace shoplytics::warehouse {

struct DatabaseOptions {
  // Opens with access_mode=READ_ONLY: every write fails with kFailedPrecondition.
  bool read_only = false;
  // Further DuckDB settings, e.g. {"threads", "4"}, {"memory_limit", "2GB"}. An unknown
  // name or a bad value makes Open() fail with kInvalidArgument naming the setting.
  std::vector<std::pair<std::string, std::string>> settings;
};

class Database {
 public:
  // Opens (or, read-write, creates) the database file at `path`.
  static Result<Database> Open(const std::string& path, const DatabaseOptions& options = {});
  // A private in-memory database, gone when the Database is destroyed.
  static Result<Database> OpenInMemory(const DatabaseOptions& options = {});

  Database() = default;  // empty: valid() is false
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  bool valid() const { return db_ != nullptr; }
  // The file path, or ":memory:".
  const std::string& path() const { return path_; }
  bool read_only() const { return read_only_; }
  // Borrowed handle for the other wrappers; null when empty.
  duckdb_database handle() const { return db_; }

 private:
  Database(duckdb_database db, std::string path, bool read_only)
      : db_(db), path_(std::move(path)), read_only_(read_only) {}
  void Close();

  duckdb_database db_ = nullptr;
  std::string path_;
  bool read_only_ = false;
};

}  // namespace shoplytics::warehouse
