#include "warehouse/database.h"

#include "warehouse/internal/duckdb_error.h"

namespace shoplytics::warehouse {

namespace {

// Owns a duckdb_config until Open() is done with it.
class Config {
 public:
  Config() = default;
  Config(const Config&) = delete;
  Config& operator=(const Config&) = delete;
  ~Config() {
    if (config_) duckdb_destroy_config(&config_);
  }

  Status Init() {
    if (duckdb_create_config(&config_) == DuckDBError) {
      return InternalError("DuckDB could not create a configuration");
    }
    return OkStatus();
  }

  Status Set(const std::string& name, const std::string& value, const std::string& path) {
    if (duckdb_set_config(config_, name.c_str(), value.c_str()) == DuckDBError) {
      return InvalidArgumentError("DuckDB setting " + name + "='" + value +
                                  "' is unknown or invalid (opening database \"" + path + "\")");
    }
    return OkStatus();
  }

  duckdb_config get() const { return config_; }

 private:
  duckdb_config config_ = nullptr;
};

}  // namespace

Result<Database> Database::Open(const std::string& path, const DatabaseOptions& options) {
  Config config;
  RETURN_IF_ERROR(config.Init());
  if (options.read_only) RETURN_IF_ERROR(config.Set("access_mode", "READ_ONLY", path));
  for (const auto& [name, value] : options.settings) {
    RETURN_IF_ERROR(config.Set(name, value, path));
  }
  duckdb_database db = nullptr;
  char* error = nullptr;
  if (duckdb_open_ext(path.c_str(), &db, config.get(), &error) == DuckDBError) {
    Status status = internal::OpenError(error, path);
    if (error) duckdb_free(error);
    if (db) duckdb_close(&db);
    return status;
  }
  return Database(db, path, options.read_only);
}

Result<Database> Database::OpenInMemory(const DatabaseOptions& options) {
  return Open(":memory:", options);
}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      path_(std::move(other.path_)),
      read_only_(other.read_only_) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    Close();
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
    read_only_ = other.read_only_;
  }
  return *this;
}

Database::~Database() { Close(); }

void Database::Close() {
  if (db_) duckdb_close(&db_);
  db_ = nullptr;
}

}  // namespace shoplytics::warehouse
