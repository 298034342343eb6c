#include "sources/raw_store.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <random>

#include "warehouse/adapter.h"
#include "warehouse/prepared_statement.h"
#include "warehouse/transaction.h"

namespace shoplytics::sources {

namespace fs = std::filesystem;

namespace {

const warehouse::DuckDbAdapter kSql;

std::string Q(std::string_view name) { return kSql.QuoteIdentifier(name); }

// "20250331T235850-shop-orders-3f9a0c1e": sortable by time, unique.
std::string NewBatchId(const TableRef& ref) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char suffix[17];
  std::snprintf(suffix, sizeof(suffix), "%08llx", static_cast<unsigned long long>(rng() >> 32));
  return std::string(stamp) + "-" + ref.source + "-" + ref.table + "-" + suffix;
}

struct Column {
  std::string name;
  std::string type;
};

// A staging table may be a temp table (schema "temp" in information_schema) or qualified.
std::pair<std::string, std::string> SplitName(const std::string& name) {
  const size_t dot = name.find('.');
  if (dot == std::string::npos) return {"", name};
  return {name.substr(0, dot), name.substr(dot + 1)};
}

// The columns of a table in order; empty when it does not exist. An empty schema matches
// any (a temp table's schema is "temp").
Result<std::vector<Column>> Columns(warehouse::Connection& conn, std::string_view schema,
                                    std::string_view table) {
  ASSIGN_OR_RETURN(warehouse::PreparedStatement st,
                   conn.Prepare("SELECT column_name, data_type FROM information_schema.columns "
                                "WHERE table_name = $1 AND ($2 = '' OR table_schema = $2) "
                                "ORDER BY ordinal_position"));
  RETURN_IF_ERROR(st.BindString(1, table));
  RETURN_IF_ERROR(st.BindString(2, schema));
  ASSIGN_OR_RETURN(warehouse::QueryResult r, st.Execute());
  std::vector<Column> cols;
  for (uint64_t i = 0; i < r.row_count(); ++i) {
    ASSIGN_OR_RETURN(std::string col, r.GetString(0, i));
    ASSIGN_OR_RETURN(std::string type, r.GetString(1, i));
    cols.push_back({std::move(col), std::move(type)});
  }
  return cols;
}

Result<std::vector<Column>> StagingColumns(warehouse::Connection& conn, const std::string& name) {
  auto [schema, table] = SplitName(name);
  ASSIGN_OR_RETURN(std::vector<Column> cols, Columns(conn, schema, table));
  if (cols.empty()) return NotFoundError("staging table " + name + " does not exist");
  return cols;
}

// Integer and floating types that may widen in place when a source widens a column.
int WideningRank(const std::string& type) {
  static const char* kOrder[] = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"};
  for (int i = 0; i < 5; ++i) {
    if (type == kOrder[i]) return i;
  }
  if (type == "FLOAT") return 10;
  if (type == "DOUBLE") return 11;
  return -1;
}

bool CanWiden(const std::string& from, const std::string& to) {
  const int a = WideningRank(from), b = WideningRank(to);
  if (a < 0 || b < 0) return false;
  return (a < 10) == (b < 10) ? a < b : (a < 10 && b == 11);
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

Result<int64_t> Count(warehouse::Connection& conn, const std::string& sql) {
  ASSIGN_OR_RETURN(warehouse::QueryResult r, conn.Query(sql));
  return r.GetInt64(0, 0);
}

}  // namespace

RawStore::RawStore(warehouse::Connection& conn, fs::path lake_dir)
    : conn_(conn), lake_dir_(std::move(lake_dir)) {}

Status RawStore::EnsureSchemas() {
  return conn_.Execute(
      "CREATE SCHEMA IF NOT EXISTS raw; CREATE SCHEMA IF NOT EXISTS meta;"
      "CREATE TABLE IF NOT EXISTS meta.cursors (source VARCHAR NOT NULL, \"table\" VARCHAR NOT "
      "NULL, cursor_value VARCHAR, cursor_key VARCHAR, updated_at TIMESTAMPTZ NOT NULL, "
      "PRIMARY KEY (source, \"table\"));"
      "CREATE TABLE IF NOT EXISTS meta.batches (batch_id VARCHAR PRIMARY KEY, source VARCHAR "
      "NOT NULL, \"table\" VARCHAR NOT NULL, key_columns VARCHAR NOT NULL, rows BIGINT NOT "
      "NULL, lake_path VARCHAR, logical_date DATE, created_at TIMESTAMPTZ NOT NULL);"
      "CREATE TABLE IF NOT EXISTS meta.quarantine (source VARCHAR NOT NULL, \"table\" VARCHAR "
      "NOT NULL, file VARCHAR, line BIGINT, raw VARCHAR, reason VARCHAR NOT NULL, "
      "quarantined_at TIMESTAMPTZ NOT NULL);"
      "CREATE TABLE IF NOT EXISTS meta.files (source VARCHAR NOT NULL, \"table\" VARCHAR NOT "
      "NULL, file VARCHAR NOT NULL, checksum VARCHAR NOT NULL, rows BIGINT, loaded_at "
      "TIMESTAMPTZ NOT NULL, PRIMARY KEY (source, \"table\", file));");
}

Result<std::optional<Cursor>> RawStore::LoadCursor(const TableRef& ref) {
  ASSIGN_OR_RETURN(warehouse::PreparedStatement st,
                   conn_.Prepare("SELECT cursor_value, cursor_key FROM meta.cursors WHERE "
                                 "source = $1 AND \"table\" = $2"));
  RETURN_IF_ERROR(st.BindString(1, ref.source));
  RETURN_IF_ERROR(st.BindString(2, ref.table));
  ASSIGN_OR_RETURN(warehouse::QueryResult r, st.Execute());
  if (r.row_count() == 0) return std::optional<Cursor>();
  Cursor c;
  ASSIGN_OR_RETURN(bool null_value, r.IsNull(0, 0));
  if (!null_value) {
    ASSIGN_OR_RETURN(c.value, r.GetString(0, 0));
  }
  ASSIGN_OR_RETURN(bool null_key, r.IsNull(1, 0));
  if (!null_key) {
    ASSIGN_OR_RETURN(c.key, r.GetString(1, 0));
  }
  return std::optional<Cursor>(std::move(c));
}

Status RawStore::EnsureRawTable(const BatchInfo& batch, BatchResult* result) {
  const std::string raw_name = batch.ref.RawName();
  ASSIGN_OR_RETURN(std::vector<Column> staged, StagingColumns(conn_, batch.staging));
  ASSIGN_OR_RETURN(std::vector<Column> existing, Columns(conn_, "raw", raw_name));
  const std::string raw = kSql.QualifiedName("raw", raw_name);
  if (existing.empty()) {
    std::vector<std::string> defs;
    for (const Column& c : staged) defs.push_back(Q(c.name) + " " + c.type);
    defs.push_back("_batch_id VARCHAR");
    defs.push_back("_loaded_at TIMESTAMPTZ");
    return conn_.Execute("CREATE TABLE " + raw + " (" + Join(defs, ", ") + ")");
  }
  for (const Column& c : staged) {
    auto it = std::find_if(existing.begin(), existing.end(),
                           [&](const Column& e) { return e.name == c.name; });
    if (it == existing.end()) {
      RETURN_IF_ERROR(conn_.Execute("ALTER TABLE " + raw + " ADD COLUMN " + Q(c.name) + " " +
                                    c.type));
      result->added_columns.push_back(c.name);
    } else if (it->type != c.type) {
      if (!CanWiden(it->type, c.type)) {
        return FailedPreconditionError(
            "source " + batch.ref.source + ", table " + batch.ref.table + ": column " + c.name +
            " changed type from " + it->type + " to " + c.type +
            ", which raw." + raw_name + " cannot hold; rebuild the table with "
            "'shoplytics extract --source " + batch.ref.source + " --full-refresh'");
      }
      RETURN_IF_ERROR(conn_.Execute("ALTER TABLE " + raw + " ALTER COLUMN " + Q(c.name) +
                                    " SET DATA TYPE " + c.type));
    }
  }
  return OkStatus();
}

Result<BatchResult> RawStore::CommitBatch(const BatchInfo& batch) {
  BatchResult result;
  const bool replay = !batch.replay_batch_id.empty();
  result.batch_id = replay ? batch.replay_batch_id : NewBatchId(batch.ref);
  const std::string raw = kSql.QualifiedName("raw", batch.ref.RawName());
  const std::string& staging = batch.staging;
  ASSIGN_OR_RETURN(warehouse::Transaction tx, warehouse::Transaction::Begin(conn_));
  RETURN_IF_ERROR(EnsureRawTable(batch, &result).WithContext(batch.ref.Display()));
  if (!batch.source_file.empty()) RETURN_IF_ERROR(ReplaceFile(batch));
  ASSIGN_OR_RETURN(result.rows, Count(conn_, "SELECT count(*) FROM " + staging));
  ASSIGN_OR_RETURN(std::vector<Column> staged, StagingColumns(conn_, staging));
  std::vector<std::string> cols;
  for (const Column& c : staged) cols.push_back(Q(c.name));

  // The lake gets the batch as it came, under a temporary name until the commit.
  fs::path tmp_file;
  if (!replay && !lake_dir_.empty() && result.rows > 0) {
    const std::string date = batch.logical_date.empty() ? "unknown" : batch.logical_date;
    const fs::path dir = lake_dir_ / batch.ref.source / batch.ref.table / ("dt=" + date);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return DataLossError("cannot create lake folder " + dir.string() + ": " + ec.message());
    result.lake_file = dir / (result.batch_id + ".parquet");
    tmp_file = dir / (result.batch_id + ".parquet.tmp");
    RETURN_IF_ERROR(conn_.Execute("COPY (SELECT * FROM " + staging + ") TO " +
                                  kSql.QuoteLiteral(tmp_file.string()) +
                                  " (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, PARQUET_VERSION V2)")
                        .WithContext("writing " + tmp_file.string()));
  }

  std::string key_match;
  if (!batch.key.empty()) {
    std::vector<std::string> eq;
    for (const std::string& k : batch.key) eq.push_back("r." + Q(k) + " = s." + Q(k));
    key_match = Join(eq, " AND ");
    std::vector<std::string> keys;
    for (const std::string& k : batch.key) keys.push_back(Q(k));
    // A batch may hold a key twice (a source page that shifted): the last one wins. Only
    // then is the window needed.
    int64_t distinct_keys = result.rows;
    if (!batch.unique_keys) {
      ASSIGN_OR_RETURN(distinct_keys,
                       Count(conn_, "SELECT count(*) FROM (SELECT DISTINCT " + Join(keys, ", ") +
                                        " FROM " + staging + ")"));
    }
    // How many rows of raw the batch replaces (keys are unique in raw). Only raw's key
    // columns are read, so a batch of new keys (a first load, page after page) costs a
    // key scan, not a scan of every column of a raw table that grows with each batch.
    int64_t matched_rows = 0;
    if (!batch.append_only) {
      ASSIGN_OR_RETURN(matched_rows, Count(conn_, "SELECT count(*) FROM " + raw + " r SEMI JOIN " +
                                                      staging + " s ON " + key_match));
    }
    // Rows equal to the row raw holds for their key (an API that lists again what did not
    // change) are left out of the merge: the row keeps the batch and _loaded_at that last
    // changed it, so incremental models do not recompute it. Only when the batch holds
    // each key once, else the row that wins might not be the one compared.
    if (matched_rows > 0 && batch.source_file.empty() && distinct_keys == result.rows) {
      std::vector<std::string> same;
      for (const std::string& c : cols) same.push_back("r." + c + " IS NOT DISTINCT FROM s." + c);
      ASSIGN_OR_RETURN(warehouse::QueryResult unchanged,
                       conn_.Query("DELETE FROM " + staging + " s USING " + raw + " r WHERE " +
                                   key_match + " AND " + Join(same, " AND ")));
      result.unchanged = static_cast<int64_t>(unchanged.rows_changed());
      distinct_keys -= result.unchanged;
    }
    // Rows new to raw = rows inserted - rows they replaced (keys are unique in raw), so no
    // anti-join over raw is needed.
    uint64_t replaced_rows = 0;
    if (matched_rows > result.unchanged) {
      ASSIGN_OR_RETURN(warehouse::QueryResult replaced,
                       conn_.Query("DELETE FROM " + raw + " r USING " + staging + " s WHERE " +
                                   key_match));
      replaced_rows = replaced.rows_changed();
    }
    const std::string dedupe = distinct_keys == result.rows - result.unchanged
                                   ? ""
                                   : " QUALIFY row_number() OVER (PARTITION BY " +
                                         Join(keys, ", ") + " ORDER BY rowid DESC) = 1";
    ASSIGN_OR_RETURN(warehouse::QueryResult inserted,
                     conn_.Query("INSERT INTO " + raw + " (" + Join(cols, ", ") +
                                 ", _batch_id, _loaded_at) SELECT " + Join(cols, ", ") + ", " +
                                 kSql.QuoteLiteral(result.batch_id) + ", now() FROM " + staging +
                                 dedupe));
    result.inserted = static_cast<int64_t>(inserted.rows_changed()) -
                      static_cast<int64_t>(replaced_rows);
    if (!batch.deleted_keys_table.empty()) {
      ASSIGN_OR_RETURN(warehouse::QueryResult del,
                       conn_.Query("DELETE FROM " + raw + " r USING " +
                                   batch.deleted_keys_table + " s WHERE " + key_match));
      result.deleted = static_cast<int64_t>(del.rows_changed());
    }
  } else {
    result.inserted = result.rows;
    RETURN_IF_ERROR(conn_.Execute("INSERT INTO " + raw + " (" + Join(cols, ", ") +
                                  ", _batch_id, _loaded_at) SELECT " + Join(cols, ", ") + ", " +
                                  kSql.QuoteLiteral(result.batch_id) + ", now() FROM " + staging));
  }

  if (!replay) {
    ASSIGN_OR_RETURN(warehouse::PreparedStatement record,
                     conn_.Prepare("INSERT INTO meta.batches VALUES ($1, $2, $3, $4, $5, $6, "
                                   "TRY_CAST($7 AS DATE), now())"));
    RETURN_IF_ERROR(record.BindString(1, result.batch_id));
    RETURN_IF_ERROR(record.BindString(2, batch.ref.source));
    RETURN_IF_ERROR(record.BindString(3, batch.ref.table));
    RETURN_IF_ERROR(record.BindString(4, Join(batch.key, ",")));
    RETURN_IF_ERROR(record.BindInt64(5, result.rows));
    RETURN_IF_ERROR(record.BindString(6, result.lake_file.string()));
    RETURN_IF_ERROR(record.BindString(7, batch.logical_date));
    RETURN_IF_ERROR(record.Execute().status());
  }
  if (batch.cursor) {
    ASSIGN_OR_RETURN(warehouse::PreparedStatement cursor,
                     conn_.Prepare("INSERT INTO meta.cursors VALUES ($1, $2, $3, $4, now()) "
                                   "ON CONFLICT (source, \"table\") DO UPDATE SET cursor_value = "
                                   "excluded.cursor_value, cursor_key = excluded.cursor_key, "
                                   "updated_at = excluded.updated_at"));
    RETURN_IF_ERROR(cursor.BindString(1, batch.ref.source));
    RETURN_IF_ERROR(cursor.BindString(2, batch.ref.table));
    RETURN_IF_ERROR(cursor.BindString(3, batch.cursor->value));
    RETURN_IF_ERROR(cursor.BindString(4, batch.cursor->key));
    RETURN_IF_ERROR(cursor.Execute().status());
  }
  if (!batch.source_file.empty()) RETURN_IF_ERROR(RecordFile(batch, result.rows));
  RETURN_IF_ERROR(tx.Commit().WithContext(batch.ref.Display()));
  if (!tmp_file.empty()) {
    std::error_code ec;
    fs::rename(tmp_file, result.lake_file, ec);
    if (ec) {
      return DataLossError("batch " + result.batch_id + " committed but its lake file " +
                           tmp_file.string() + " could not be renamed: " + ec.message());
    }
  }
  return result;
}

Status RawStore::Quarantine(const TableRef& ref, const std::vector<QuarantinedRow>& rows) {
  if (rows.empty()) return OkStatus();
  ASSIGN_OR_RETURN(warehouse::Transaction tx, warehouse::Transaction::Begin(conn_));
  RETURN_IF_ERROR(InsertQuarantine(ref, rows));
  return tx.Commit();
}

Status RawStore::InsertQuarantine(const TableRef& ref, const std::vector<QuarantinedRow>& rows) {
  if (rows.empty()) return OkStatus();
  ASSIGN_OR_RETURN(warehouse::PreparedStatement st,
                   conn_.Prepare("INSERT INTO meta.quarantine VALUES ($1, $2, $3, $4, $5, $6, "
                                 "now())"));
  for (const QuarantinedRow& row : rows) {
    RETURN_IF_ERROR(st.ClearBindings());
    RETURN_IF_ERROR(st.BindString(1, ref.source));
    RETURN_IF_ERROR(st.BindString(2, ref.table));
    RETURN_IF_ERROR(st.BindString(3, row.file));
    RETURN_IF_ERROR(st.BindInt64(4, row.line));
    RETURN_IF_ERROR(st.BindString(5, row.raw));
    RETURN_IF_ERROR(st.BindString(6, row.reason));
    RETURN_IF_ERROR(st.Execute().status());
  }
  return OkStatus();
}

// Inside CommitBatch's transaction, before the merge: the file's previous rows go, and so
// do the rows it had refused, since the new load reports its own.
Status RawStore::ReplaceFile(const BatchInfo& batch) {
  const std::string raw = kSql.QualifiedName("raw", batch.ref.RawName());
  ASSIGN_OR_RETURN(warehouse::PreparedStatement del,
                   conn_.Prepare("DELETE FROM " + raw + " WHERE _source_file = $1"));
  RETURN_IF_ERROR(del.BindString(1, batch.source_file));
  RETURN_IF_ERROR(del.Execute().status().WithContext(batch.ref.Display()));
  ASSIGN_OR_RETURN(warehouse::PreparedStatement q,
                   conn_.Prepare("DELETE FROM meta.quarantine WHERE source = $1 AND \"table\" = "
                                 "$2 AND file = $3"));
  RETURN_IF_ERROR(q.BindString(1, batch.ref.source));
  RETURN_IF_ERROR(q.BindString(2, batch.ref.table));
  RETURN_IF_ERROR(q.BindString(3, batch.source_file));
  RETURN_IF_ERROR(q.Execute().status());
  return InsertQuarantine(batch.ref, batch.quarantined);
}

Status RawStore::RecordFile(const BatchInfo& batch, int64_t rows) {
  ASSIGN_OR_RETURN(warehouse::PreparedStatement st,
                   conn_.Prepare("INSERT INTO meta.files VALUES ($1, $2, $3, $4, $5, now()) "
                                 "ON CONFLICT (source, \"table\", file) DO UPDATE SET checksum = "
                                 "excluded.checksum, rows = excluded.rows, loaded_at = "
                                 "excluded.loaded_at"));
  RETURN_IF_ERROR(st.BindString(1, batch.ref.source));
  RETURN_IF_ERROR(st.BindString(2, batch.ref.table));
  RETURN_IF_ERROR(st.BindString(3, batch.source_file));
  RETURN_IF_ERROR(st.BindString(4, batch.file_checksum));
  RETURN_IF_ERROR(st.BindInt64(5, rows));
  return st.Execute().status();
}

Result<std::optional<std::string>> RawStore::LoadedChecksum(const TableRef& ref,
                                                            const std::string& file) {
  ASSIGN_OR_RETURN(warehouse::PreparedStatement st,
                   conn_.Prepare("SELECT checksum FROM meta.files WHERE source = $1 AND "
                                 "\"table\" = $2 AND file = $3"));
  RETURN_IF_ERROR(st.BindString(1, ref.source));
  RETURN_IF_ERROR(st.BindString(2, ref.table));
  RETURN_IF_ERROR(st.BindString(3, file));
  ASSIGN_OR_RETURN(warehouse::QueryResult r, st.Execute());
  if (r.row_count() == 0) return std::optional<std::string>();
  ASSIGN_OR_RETURN(std::string sum, r.GetString(0, 0));
  return std::optional<std::string>(std::move(sum));
}

Result<RawStore::RebuildReport> RawStore::RebuildFromLake(const std::string& source) {
  struct Stored {
    std::string batch_id, source, table, key_columns, lake_path;
  };
  std::vector<Stored> batches;
  {
    ASSIGN_OR_RETURN(warehouse::PreparedStatement st,
                     conn_.Prepare("SELECT batch_id, source, \"table\", key_columns, "
                                   "coalesce(lake_path, '') FROM meta.batches WHERE $1 = '' OR "
                                   "source = $1 ORDER BY created_at, batch_id"));
    RETURN_IF_ERROR(st.BindString(1, source));
    ASSIGN_OR_RETURN(warehouse::QueryResult r, st.Execute());
    for (uint64_t i = 0; i < r.row_count(); ++i) {
      Stored b;
      ASSIGN_OR_RETURN(b.batch_id, r.GetString(0, i));
      ASSIGN_OR_RETURN(b.source, r.GetString(1, i));
      ASSIGN_OR_RETURN(b.table, r.GetString(2, i));
      ASSIGN_OR_RETURN(b.key_columns, r.GetString(3, i));
      ASSIGN_OR_RETURN(b.lake_path, r.GetString(4, i));
      batches.push_back(std::move(b));
    }
  }
  RebuildReport report;
  std::vector<std::string> dropped;
  for (const Stored& b : batches) {
    const TableRef ref{b.source, b.table};
    if (std::find(dropped.begin(), dropped.end(), ref.RawName()) == dropped.end()) {
      RETURN_IF_ERROR(
          conn_.Execute("DROP TABLE IF EXISTS " + kSql.QualifiedName("raw", ref.RawName())));
      dropped.push_back(ref.RawName());
      ++report.tables;
    }
    if (b.lake_path.empty()) continue;  // a batch with no rows has no file
    if (!fs::exists(b.lake_path)) {
      return DataLossError("batch " + b.batch_id + " of " + ref.Display() + ": its lake file " +
                           b.lake_path + " is missing; raw." + ref.RawName() +
                           " cannot be rebuilt past it");
    }
    RETURN_IF_ERROR(conn_.Execute(
        "CREATE OR REPLACE TEMP TABLE _shoplytics_replay AS SELECT * FROM read_parquet(" +
        kSql.QuoteLiteral(b.lake_path) + ")"));
    BatchInfo info;
    info.ref = ref;
    info.staging = "_shoplytics_replay";
    size_t start = 0;
    while (!b.key_columns.empty()) {
      const size_t comma = b.key_columns.find(',', start);
      info.key.push_back(b.key_columns.substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    info.replay_batch_id = b.batch_id;
    ASSIGN_OR_RETURN(BatchResult merged, CommitBatch(info));
    ++report.batches;
    report.rows += merged.rows;
  }
  RETURN_IF_ERROR(conn_.Execute("DROP TABLE IF EXISTS _shoplytics_replay"));
  return report;
}

}  // namespace shoplytics::sources
