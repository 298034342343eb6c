#include "sources/postgres_source.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pg/connection.h"
#include "sources/internal/parallel.h"
#include "sources/internal/pg_binary_copy.h"
#include "warehouse/adapter.h"
#include "warehouse/chunk_appender.h"
#include "warehouse/connection.h"

namespace shoplytics::sources {

namespace {

using internal::BinaryCopyReader;
using internal::Load16;
using internal::Load32;
using internal::Load64;

constexpr int64_t kMicrosPerSecond = 1000000;
// PostgreSQL's binary timestamps and dates count from 2000-01-01.
constexpr int64_t kPgEpochMicros = 946684800LL * kMicrosPerSecond;
constexpr int32_t kPgEpochDays = 10957;
constexpr int64_t kDefaultLookbackMicros = 3600 * kMicrosPerSecond;
constexpr int64_t kDefaultBatchRows = 500000;
constexpr int64_t kProgressEvery = 65536;
constexpr int kCommitAttempts = 5;
constexpr size_t kMaxDifferingRanges = 4096;

const warehouse::DuckDbAdapter kDuck;

// ---------------------------------------------------------------------------------------
// Configuration

struct TableSpec {
  std::string name;
  ConfigNode node;  // the table's entry (or the `tables` node when discovered)
  std::optional<std::vector<std::string>> primary_key;
  std::string cursor = "updated_at";  // empty: always a full read
  bool cursor_explicit = false;
  int64_t lookback_us = kDefaultLookbackMicros;
  bool reconcile_deletes = false;
};

struct SourceSpec {
  std::string name;
  Secret dsn;
  std::string schema = "shop";
  int64_t lookback_us = kDefaultLookbackMicros;
  int threads = 0;
  int64_t batch_rows = kDefaultBatchRows;
  ConfigNode tables_node;
  std::vector<TableSpec> tables;  // empty with tables_node unset: discover
};

Result<int64_t> ParseDuration(const ConfigNode& node, int64_t fallback_us) {
  if (!node.IsSet()) return fallback_us;
  ASSIGN_OR_RETURN(std::string text, node.AsString());
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const std::string_view unit = std::string_view(text).substr(digits);
  int64_t scale = 0;
  if (unit.empty() || unit == "s") scale = 1;
  if (unit == "m") scale = 60;
  if (unit == "h") scale = 3600;
  if (unit == "d") scale = 86400;
  if (digits == 0 || digits > 9 || scale == 0) {
    return node.Error("expected a duration such as 90s, 30m, 1h or 2d, got '" + text + "'");
  }
  return std::stoll(text.substr(0, digits)) * scale * kMicrosPerSecond;
}

Result<TableSpec> ParseTable(const std::string& name, const ConfigNode& node,
                             const SourceSpec& source) {
  TableSpec t;
  t.name = name;
  t.node = node;
  t.lookback_us = source.lookback_us;
  if (!node.IsMap()) return t;
  RETURN_IF_ERROR(node.CheckKeys({"primary_key", "cursor", "lookback", "reconcile_deletes"}));
  const ConfigNode pk = node.Child("primary_key");
  if (pk.IsSet()) {
    ASSIGN_OR_RETURN(std::vector<std::string> cols, pk.AsStringList());
    if (cols.empty()) return pk.Error("expected a column or a list of columns");
    t.primary_key = std::move(cols);
  }
  const ConfigNode cursor = node.Child("cursor");
  if (cursor.IsSet()) {
    ASSIGN_OR_RETURN(t.cursor, cursor.AsString());
    if (t.cursor == "none") t.cursor.clear();
    t.cursor_explicit = true;
  }
  ASSIGN_OR_RETURN(t.lookback_us, ParseDuration(node.Child("lookback"), source.lookback_us));
  ASSIGN_OR_RETURN(t.reconcile_deletes, node.GetBool("reconcile_deletes", false));
  return t;
}

Result<SourceSpec> ParseSource(const SourceConfig& config) {
  const ConfigNode& node = config.node;
  RETURN_IF_ERROR(
      node.CheckKeys({"type", "dsn", "schema", "lookback", "threads", "batch_rows", "tables"}));
  SourceSpec s;
  s.name = config.name;
  ASSIGN_OR_RETURN(s.dsn, node.GetSecret("dsn"));
  ASSIGN_OR_RETURN(s.schema, node.GetString("schema", "shop"));
  ASSIGN_OR_RETURN(s.lookback_us, ParseDuration(node.Child("lookback"), kDefaultLookbackMicros));
  ASSIGN_OR_RETURN(int64_t threads, node.GetInt("threads", 0));
  if (threads < 0 || threads > 256) return node.Child("threads").Error("expected 1 to 256");
  s.threads = static_cast<int>(threads);
  ASSIGN_OR_RETURN(s.batch_rows, node.GetInt("batch_rows", kDefaultBatchRows));
  if (s.batch_rows < 1) return node.Child("batch_rows").Error("expected a positive integer");
  s.tables_node = node.Child("tables");
  if (s.tables_node.IsList()) {
    for (const ConfigNode& item : s.tables_node.Items()) {
      ASSIGN_OR_RETURN(std::string name, item.AsString());
      ASSIGN_OR_RETURN(TableSpec t, ParseTable(name, item, s));
      s.tables.push_back(std::move(t));
    }
  } else if (s.tables_node.IsMap()) {
    for (const std::string& name : s.tables_node.Keys()) {
      ASSIGN_OR_RETURN(TableSpec t, ParseTable(name, s.tables_node.Child(name), s));
      s.tables.push_back(std::move(t));
    }
  } else if (s.tables_node.IsSet()) {
    return s.tables_node.Error("expected a list of tables or a map of table settings");
  }
  return s;
}

// ---------------------------------------------------------------------------------------
// Source columns and how they travel

enum class Kind {
  kBool,
  kInt16,
  kInt32,
  kInt64,
  kFloat4,
  kFloat8,
  kTimestamp,
  kTimestampTz,
  kDate,
  kDecimal,  // selected as text, staged as VARCHAR, converted to DECIMAL(p,s)
  kText,     // text, varchar and everything selected as ::text
};

struct PgColumn {
  std::string name;
  std::string pg_type;  // format_type(): "timestamp with time zone", "numeric(12,2)"
  Kind kind = Kind::kText;
  std::string duck_type;    // the type in raw
  std::string load_type;    // the type the appender fills
  std::string select_sql;   // the expression in the COPY query
  std::string convert_sql;  // load -> raw type; empty when load_type == duck_type
};

PgColumn MapColumn(std::string name, int64_t oid, int64_t typmod, std::string pg_type,
                   const pg::Connection& pg) {
  PgColumn c;
  c.name = std::move(name);
  c.pg_type = std::move(pg_type);
  const std::string quoted = pg.QuoteIdentifier(c.name);
  c.select_sql = quoted;
  auto set = [&c](Kind kind, std::string type) {
    c.kind = kind;
    c.duck_type = type;
    c.load_type = std::move(type);
  };
  switch (oid) {
    case 16:
      set(Kind::kBool, "BOOLEAN");
      break;
    case 21:
      set(Kind::kInt16, "INTEGER");
      break;
    case 23:
      set(Kind::kInt32, "INTEGER");
      break;
    case 20:
      set(Kind::kInt64, "BIGINT");
      break;
    case 700:
      set(Kind::kFloat4, "DOUBLE");
      break;
    case 701:
      set(Kind::kFloat8, "DOUBLE");
      break;
    case 1114:
      set(Kind::kTimestamp, "TIMESTAMP");
      break;
    case 1184:
      set(Kind::kTimestampTz, "TIMESTAMPTZ");
      break;
    case 25:
    case 1043:
    case 1042:
    case 19:
      set(Kind::kText, "VARCHAR");
      break;
    case 1082:
      set(Kind::kDate, "DATE");
      break;
    case 1700: {
      set(Kind::kText, "VARCHAR");
      c.select_sql = quoted + "::text";
      const int64_t precision = typmod >= 4 ? ((typmod - 4) >> 16) & 0xffff : 0;
      const int64_t scale = typmod >= 4 ? (typmod - 4) & 0xffff : 0;
      if (precision > 0 && precision <= 38 && scale <= precision) {
        c.kind = Kind::kDecimal;
        c.duck_type = "DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
        c.convert_sql = "CAST(" + kDuck.QuoteIdentifier(c.name) + " AS " + c.duck_type + ")";
      }
      break;
    }
    default:
      set(Kind::kText, "VARCHAR");
      c.select_sql = quoted + "::text";
  }
  return c;
}

struct TablePlan {
  TableSpec spec;
  std::string qualified;  // "shop"."orders", quoted for PostgreSQL
  std::vector<PgColumn> columns;
  std::vector<size_t> key;  // indexes into columns
  std::optional<size_t> cursor;
  bool time_cursor = false;  // lookback applies
};

Result<std::vector<PgColumn>> LoadColumns(pg::Connection& pg, const std::string& qualified) {
  ASSIGN_OR_RETURN(pg::QueryResult r,
                   pg.Query("SELECT a.attname, a.atttypid::int8, a.atttypmod::int8, "
                            "format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                            "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT "
                            "a.attisdropped ORDER BY a.attnum",
                            {qualified}));
  std::vector<PgColumn> cols;
  for (int i = 0; i < r.rows(); ++i) {
    ASSIGN_OR_RETURN(int64_t oid, r.GetInt64(i, 1));
    ASSIGN_OR_RETURN(int64_t typmod, r.GetInt64(i, 2));
    cols.push_back(MapColumn(std::string(r.Get(i, 0)), oid, typmod, std::string(r.Get(i, 3)), pg));
  }
  return cols;
}

Result<std::vector<std::string>> DiscoverPrimaryKey(pg::Connection& pg,
                                                    const std::string& qualified) {
  ASSIGN_OR_RETURN(pg::QueryResult r,
                   pg.Query("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON "
                            "a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey::int2[]) "
                            "WHERE i.indrelid = to_regclass($1) AND i.indisprimary "
                            "ORDER BY array_position(i.indkey::int2[], a.attnum)",
                            {qualified}));
  std::vector<std::string> key;
  for (int i = 0; i < r.rows(); ++i) key.emplace_back(r.Get(i, 0));
  return key;
}

std::optional<size_t> FindColumn(const std::vector<PgColumn>& cols, std::string_view name) {
  for (size_t i = 0; i < cols.size(); ++i) {
    if (cols[i].name == name) return i;
  }
  return std::nullopt;
}

Result<TablePlan> PlanTable(pg::Connection& pg, const SourceSpec& source, TableSpec spec) {
  TablePlan plan;
  plan.qualified = pg.QuoteIdentifier(source.schema) + "." + pg.QuoteIdentifier(spec.name);
  const std::string what = "source " + source.name + ", table " + source.schema + "." + spec.name;
  ASSIGN_OR_RETURN(plan.columns, LoadColumns(pg, plan.qualified));
  if (plan.columns.empty()) {
    return spec.node.Error(what + ": no such table in the source database");
  }
  std::vector<std::string> key;
  if (spec.primary_key) {
    key = *spec.primary_key;
  } else {
    ASSIGN_OR_RETURN(key, DiscoverPrimaryKey(pg, plan.qualified));
    if (key.empty()) {
      return spec.node.Error(what + ": the table has no primary key; set primary_key");
    }
  }
  for (const std::string& k : key) {
    std::optional<size_t> i = FindColumn(plan.columns, k);
    if (!i) return spec.node.Error(what + ": primary key column " + k + " does not exist");
    plan.key.push_back(*i);
  }
  if (!spec.cursor.empty()) {
    plan.cursor = FindColumn(plan.columns, spec.cursor);
    if (!plan.cursor && spec.cursor_explicit) {
      return spec.node.Error(what + ": cursor column " + spec.cursor + " does not exist");
    }
  }
  if (plan.cursor) {
    const Kind kind = plan.columns[*plan.cursor].kind;
    plan.time_cursor =
        kind == Kind::kTimestamp || kind == Kind::kTimestampTz || kind == Kind::kDate;
    const bool usable = plan.time_cursor || kind == Kind::kInt16 || kind == Kind::kInt32 ||
                        kind == Kind::kInt64 || kind == Kind::kText;
    if (!usable) {
      return spec.node.Error(what + ": cursor column " + spec.cursor + " has type " +
                             plan.columns[*plan.cursor].pg_type +
                             "; use a timestamp, date, integer or text column (or cursor: none)");
    }
  }
  plan.spec = std::move(spec);
  return plan;
}

Result<std::vector<TablePlan>> PlanTables(pg::Connection& pg, SourceSpec& source) {
  if (source.tables.empty()) {
    if (source.tables_node.IsSet()) return source.tables_node.Error("no tables listed");
    ASSIGN_OR_RETURN(pg::QueryResult r,
                     pg.Query("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON "
                              "n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN "
                              "('r', 'p') AND NOT c.relispartition ORDER BY c.relname",
                              {source.schema}));
    if (r.rows() == 0) {
      return source.tables_node.Error("source " + source.name + ": schema " + source.schema +
                                      " has no tables");
    }
    for (int i = 0; i < r.rows(); ++i) {
      ASSIGN_OR_RETURN(TableSpec t,
                       ParseTable(std::string(r.Get(i, 0)), source.tables_node, source));
      source.tables.push_back(std::move(t));
    }
  }
  std::vector<TablePlan> plans;
  for (const TableSpec& spec : source.tables) {
    ASSIGN_OR_RETURN(TablePlan plan, PlanTable(pg, source, spec));
    plans.push_back(std::move(plan));
  }
  return plans;
}

// ---------------------------------------------------------------------------------------
// Binary values

std::string FormatMicros(int64_t pg_micros, bool with_zone) {
  using namespace std::chrono;
  const sys_time<microseconds> t{microseconds(pg_micros + kPgEpochMicros)};
  const sys_days day = floor<days>(t);
  const year_month_day ymd{day};
  const int64_t us = (t - day).count();
  char text[64];
  std::snprintf(text, sizeof(text), "%04d-%02u-%02u %02lld:%02lld:%02lld.%06lld%s",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<long long>(us / 3600000000LL),
                static_cast<long long>(us / 60000000LL % 60),
                static_cast<long long>(us / 1000000LL % 60), static_cast<long long>(us % 1000000LL),
                with_zone ? "+00" : "");
  return text;
}

// The text of a binary value of a cursor or key column (kinds PlanTable accepts).
std::string FormatValue(Kind kind, std::string_view bytes) {
  switch (kind) {
    case Kind::kInt16:
      return std::to_string(static_cast<int16_t>(Load16(bytes.data())));
    case Kind::kInt32:
      return std::to_string(static_cast<int32_t>(Load32(bytes.data())));
    case Kind::kInt64:
      return std::to_string(static_cast<int64_t>(Load64(bytes.data())));
    case Kind::kTimestamp:
    case Kind::kTimestampTz:
      return FormatMicros(static_cast<int64_t>(Load64(bytes.data())), kind == Kind::kTimestampTz);
    case Kind::kDate:
      return FormatMicros(static_cast<int64_t>(static_cast<int32_t>(Load32(bytes.data()))) * 86400 *
                              kMicrosPerSecond,
                          false)
          .substr(0, 10);
    case Kind::kBool:
      return bytes[0] ? "true" : "false";
    case Kind::kFloat4:
    case Kind::kFloat8:
      return "";  // never a key or cursor
    case Kind::kDecimal:
    case Kind::kText:
      return std::string(bytes);
  }
  return "";
}

// Kinds whose binary value orders as an integer (DecodeOrdinal), so a full read can track
// the greatest cursor itself instead of asking PostgreSQL to sort the table.
bool IsOrdinal(Kind kind) {
  return kind == Kind::kInt16 || kind == Kind::kInt32 || kind == Kind::kInt64 ||
         kind == Kind::kTimestamp || kind == Kind::kTimestampTz || kind == Kind::kDate;
}

int64_t DecodeOrdinal(Kind kind, const char* p) {
  switch (kind) {
    case Kind::kInt16:
      return static_cast<int16_t>(Load16(p));
    case Kind::kInt32:
    case Kind::kDate:
      return static_cast<int32_t>(Load32(p));
    default:
      return static_cast<int64_t>(Load64(p));
  }
}

Status SetValue(warehouse::ChunkAppender& out, uint64_t col, Kind kind, const char* p,
                int32_t len) {
  switch (kind) {
    case Kind::kBool:
      return out.SetBool(col, p[0] != 0);
    case Kind::kInt16:
      return out.SetInt64(col, static_cast<int16_t>(Load16(p)));
    case Kind::kInt32:
      return out.SetInt64(col, static_cast<int32_t>(Load32(p)));
    case Kind::kDate:
      return out.SetDate(col, static_cast<int32_t>(Load32(p)) + kPgEpochDays);
    case Kind::kInt64:
      return out.SetInt64(col, static_cast<int64_t>(Load64(p)));
    case Kind::kFloat4: {
      const uint32_t bits = Load32(p);
      float f;
      std::memcpy(&f, &bits, 4);
      return out.SetDouble(col, f);
    }
    case Kind::kFloat8: {
      const uint64_t bits = Load64(p);
      double d;
      std::memcpy(&d, &bits, 8);
      return out.SetDouble(col, d);
    }
    case Kind::kTimestamp:
    case Kind::kTimestampTz:
      return out.SetTimestamp(col, warehouse::Timestamp(std::chrono::microseconds(
                                       static_cast<int64_t>(Load64(p)) + kPgEpochMicros)));
    case Kind::kDecimal:
    case Kind::kText:
      return out.SetString(col, std::string_view(p, static_cast<size_t>(len)));
  }
  return InternalError("unknown column kind");
}

// ---------------------------------------------------------------------------------------
// Staging: one TEMP table per batch, filled through a ChunkAppender.

class Stager {
 public:
  Stager(warehouse::Connection& duck, const std::vector<PgColumn>& columns)
      : duck_(duck), columns_(columns) {}

  Status Begin() {
    name_ = "pgx_load_" + std::to_string(++counter_);
    std::string ddl = "CREATE OR REPLACE TEMP TABLE " + name_ + " (";
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (i) ddl += ", ";
      ddl += kDuck.QuoteIdentifier(columns_[i].name) + " " + columns_[i].load_type;
    }
    RETURN_IF_ERROR(duck_.Execute(ddl + ")"));
    ASSIGN_OR_RETURN(warehouse::ChunkAppender appender,
                     warehouse::ChunkAppender::Create(duck_, "", name_));
    appender_.emplace(std::move(appender));
    return OkStatus();
  }

  warehouse::ChunkAppender& appender() { return *appender_; }

  // Closes the appender; returns the staging table with raw's types.
  Result<std::string> Finish() {
    RETURN_IF_ERROR(appender_->Close());
    appender_.reset();
    bool convert = false;
    std::string select;
    for (size_t i = 0; i < columns_.size(); ++i) {
      const PgColumn& c = columns_[i];
      if (i) select += ", ";
      if (c.convert_sql.empty()) {
        select += kDuck.QuoteIdentifier(c.name);
      } else {
        convert = true;
        select += c.convert_sql + " AS " + kDuck.QuoteIdentifier(c.name);
      }
    }
    if (!convert) return name_;
    const std::string staged = name_ + "_typed";
    RETURN_IF_ERROR(duck_.Execute("CREATE OR REPLACE TEMP TABLE " + staged + " AS SELECT " +
                                  select + " FROM " + name_ + "; DROP TABLE " + name_));
    return staged;
  }

  Status Drop(const std::string& table) { return duck_.Execute("DROP TABLE IF EXISTS " + table); }

  // Closes and drops the open staging table.
  Status Abandon() {
    if (appender_) RETURN_IF_ERROR(appender_->Close());
    appender_.reset();
    return Drop(name_);
  }

 private:
  warehouse::Connection& duck_;
  const std::vector<PgColumn>& columns_;
  std::string name_;
  int counter_ = 0;
  std::optional<warehouse::ChunkAppender> appender_;
};

// ---------------------------------------------------------------------------------------
// One table

struct RunInfo {
  const SourceSpec* source = nullptr;
  const ExtractContext* ctx = nullptr;
  std::string logical_date;
};

Result<BatchResult> CommitWithRetry(RawStore& store, const BatchInfo& batch) {
  Result<BatchResult> result = store.CommitBatch(batch);
  // Parallel workers commit to meta.* at the same time; DuckDB reports a conflict as
  // kAborted and the batch, rolled back whole, can simply go again.
  for (int attempt = 1;
       attempt < kCommitAttempts && !result.ok() && result.status().code() == StatusCode::kAborted;
       ++attempt) {
    result = store.CommitBatch(batch);
  }
  return result;
}

class TableExtractor {
 public:
  TableExtractor(const RunInfo& run, const TablePlan& plan, pg::Connection& pg,
                 warehouse::Connection& duck, RawStore& store)
      : run_(run), plan_(plan), pg_(pg), duck_(duck), store_(store), stager_(duck, plan.columns) {
    report_.ref = {run.source->name, plan.spec.name};
    for (size_t k : plan.key) key_names_.push_back(plan.columns[k].name);
  }

  TableReport Run() {
    const auto start = std::chrono::steady_clock::now();
    // A savepoint per table: a failed COPY must not abort the snapshot transaction that
    // the worker's next tables read.
    Status status = pg_.Execute("SAVEPOINT pgx_table");
    if (status.ok()) status = Extract();
    if (status.ok()) {
      status = pg_.Execute("RELEASE SAVEPOINT pgx_table");
    } else {
      pg_.Execute("ROLLBACK TO SAVEPOINT pgx_table").IgnoreError();
      report_.error = status.WithContext("source " + report_.ref.source + ", table " +
                                         run_.source->schema + "." + plan_.spec.name);
    }
    report_.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return std::move(report_);
  }

 private:
  Status Extract() {
    ASSIGN_OR_RETURN(raw_existed_, RawExists());
    std::optional<Cursor> cursor;
    if (plan_.cursor && !run_.ctx->full_refresh) {
      ASSIGN_OR_RETURN(cursor, store_.LoadCursor(report_.ref));
    }
    const bool full_read = !cursor.has_value();
    const std::string where = cursor ? WhereAfter(*cursor) : "";
    ASSIGN_OR_RETURN(total_, EstimateRows(where));
    Progress();
    // Rows new to an empty raw table need no merge: the source's key is unique in the
    // snapshot, so every batch of this read holds keys no other batch has.
    bool raw_empty = !raw_existed_;
    if (raw_existed_ && full_read) {
      ASSIGN_OR_RETURN(warehouse::QueryResult r,
                       duck_.Query("SELECT count(*) FROM (SELECT 1 FROM " +
                                   kDuck.QualifiedName("raw", report_.ref.RawName()) +
                                   " LIMIT 1)"));
      ASSIGN_OR_RETURN(int64_t n, r.GetInt64(0, 0));
      raw_empty = n == 0;
    }
    append_only_ = full_read && raw_empty;
    RETURN_IF_ERROR(CopyRows(where, full_read));
    if (report_.rows == 0 && !raw_existed_) {
      // An empty source table still gets its (empty) raw table.
      RETURN_IF_ERROR(stager_.Begin());
      RETURN_IF_ERROR(CommitStaged(std::nullopt, ""));
    }
    if (raw_existed_ && (plan_.spec.reconcile_deletes || full_read)) {
      RETURN_IF_ERROR(ReconcileDeletes());
    }
    Progress();
    return OkStatus();
  }

  Result<bool> RawExists() {
    ASSIGN_OR_RETURN(warehouse::QueryResult r,
                     duck_.Query("SELECT count(*) FROM information_schema.tables WHERE "
                                 "table_schema = 'raw' AND table_name = " +
                                 kDuck.QuoteLiteral(report_.ref.RawName())));
    ASSIGN_OR_RETURN(int64_t n, r.GetInt64(0, 0));
    return n > 0;
  }

  std::string Literal(const PgColumn& col, std::string_view value) const {
    return pg_.QuoteLiteral(value) + "::" + col.pg_type;
  }

  // Rows at or after the cursor, less the lookback. Without a lookback the keyset
  // (cursor, key) > (value, key) skips the rows already read exactly.
  std::string WhereAfter(const Cursor& cursor) const {
    const PgColumn& col = plan_.columns[*plan_.cursor];
    const std::string name = pg_.QuoteIdentifier(col.name);
    const int64_t lookback = plan_.time_cursor ? plan_.spec.lookback_us : 0;
    if (lookback > 0) {
      return " WHERE " + name + " >= " + Literal(col, cursor.value) + " - interval '" +
             std::to_string(lookback) + " microseconds'";
    }
    if (plan_.key.size() == 1 && !cursor.key.empty()) {
      const PgColumn& key = plan_.columns[plan_.key[0]];
      return " WHERE (" + name + ", " + pg_.QuoteIdentifier(key.name) + ") > (" +
             Literal(col, cursor.value) + ", " + Literal(key, cursor.key) + ")";
    }
    return " WHERE " + name + " >= " + Literal(col, cursor.value);
  }

  // The progress bar's total: the planner's estimate, which costs no scan (an exact count
  // of an incremental window would read a table without a cursor index twice).
  Result<int64_t> EstimateRows(const std::string& where) {
    ASSIGN_OR_RETURN(pg::QueryResult r,
                     pg_.Query("EXPLAIN (FORMAT JSON) SELECT 1 FROM " + plan_.qualified + where));
    if (r.rows() == 0) return int64_t{-1};
    const std::string_view plan = r.Get(0, 0);
    constexpr std::string_view kRows = "\"Plan Rows\": ";
    const size_t at = plan.find(kRows);
    if (at == std::string_view::npos) return int64_t{-1};
    int64_t n = 0;
    for (size_t i = at + kRows.size(); i < plan.size() && plan[i] >= '0' && plan[i] <= '9'; ++i) {
      n = n * 10 + (plan[i] - '0');
    }
    return n;
  }

  void Progress() {
    if (run_.ctx->progress) run_.ctx->progress(report_.ref, report_.rows, total_);
  }

  std::string CopySql(const std::vector<PgColumn>& cols, const std::string& where,
                      bool ordered) const {
    std::string sql = "COPY (SELECT ";
    for (size_t i = 0; i < cols.size(); ++i) {
      if (i) sql += ", ";
      sql += cols[i].select_sql;
    }
    sql += " FROM " + plan_.qualified + where;
    if (ordered) {
      sql += " ORDER BY " + pg_.QuoteIdentifier(plan_.columns[*plan_.cursor].name);
      for (size_t k : plan_.key) sql += ", " + pg_.QuoteIdentifier(plan_.columns[k].name);
    }
    return sql + ") TO STDOUT (FORMAT binary)";
  }

  // A full read need not be sorted when the cursor and a single-column key order as
  // integers: the reader keeps the greatest (cursor, key) itself, and only the last batch
  // records it. A crash before then leaves no cursor, so the rerun reads the whole table
  // again and merges it by key. Sorting costs PostgreSQL half as much again as the read.
  bool CanReadUnordered(bool full_read) const {
    return full_read && plan_.cursor && IsOrdinal(plan_.columns[*plan_.cursor].kind) &&
           plan_.key.size() == 1 && IsOrdinal(plan_.columns[plan_.key[0]].kind);
  }

  Status CopyRows(const std::string& where, bool full_read) {
    const std::vector<PgColumn>& cols = plan_.columns;
    const bool tracked = plan_.cursor.has_value();
    const bool unordered = CanReadUnordered(full_read);
    ASSIGN_OR_RETURN(pg::CopyOut copy,
                     pg_.BeginCopyOut(CopySql(cols, where, tracked && !unordered)));
    BinaryCopyReader reader(cols.size());
    RETURN_IF_ERROR(stager_.Begin());
    int64_t in_batch = 0;
    // The cursor so far: the last row's (ordered) or the greatest (unordered), as binary
    // values, formatted only when a batch commits.
    std::string last_cursor;
    std::vector<std::string> last_key(plan_.key.size());
    std::vector<bool> last_key_null(plan_.key.size(), true);
    int64_t max_cursor = 0, max_key = 0;
    const size_t cursor_col = tracked ? *plan_.cursor : 0;
    const Kind cursor_kind = cols[cursor_col].kind;
    auto on_row = [&](const char* base, const std::vector<size_t>& offsets,
                      const std::vector<int32_t>& lengths) -> Status {
      warehouse::ChunkAppender& out = stager_.appender();
      for (size_t i = 0; i < cols.size(); ++i) {
        if (lengths[i] < 0) {
          RETURN_IF_ERROR(out.SetNull(i));
        } else {
          RETURN_IF_ERROR(SetValue(out, i, cols[i].kind, base + offsets[i], lengths[i]));
        }
      }
      RETURN_IF_ERROR(out.EndRow());
      if (tracked && lengths[cursor_col] >= 0) {
        bool take = true;
        if (unordered) {
          const int64_t value = DecodeOrdinal(cursor_kind, base + offsets[cursor_col]);
          const size_t k = plan_.key[0];
          const int64_t key = lengths[k] < 0 ? INT64_MIN : DecodeOrdinal(cols[k].kind, base + offsets[k]);
          take = last_cursor.empty() || value > max_cursor ||
                 (value == max_cursor && key > max_key);
          if (take) max_cursor = value, max_key = key;
        }
        if (take) {
          last_cursor.assign(base + offsets[cursor_col], lengths[cursor_col]);
          for (size_t k = 0; k < plan_.key.size(); ++k) {
            const size_t c = plan_.key[k];
            last_key_null[k] = lengths[c] < 0;
            if (lengths[c] >= 0) last_key[k].assign(base + offsets[c], lengths[c]);
          }
        }
      }
      ++report_.rows;
      if (++in_batch >= run_.source->batch_rows) {
        RETURN_IF_ERROR(CommitRows(!unordered, last_cursor, last_key, last_key_null));
        in_batch = 0;
        RETURN_IF_ERROR(stager_.Begin());
      } else if (report_.rows % kProgressEvery == 0) {
        Progress();
      }
      return OkStatus();
    };
    while (true) {
      ASSIGN_OR_RETURN(std::optional<std::string_view> chunk, copy.Next());
      if (!chunk) break;
      report_.bytes += static_cast<int64_t>(chunk->size());
      RETURN_IF_ERROR(reader.Feed(*chunk, on_row));
    }
    RETURN_IF_ERROR(reader.Finish());
    if (in_batch > 0) return CommitRows(true, last_cursor, last_key, last_key_null);
    RETURN_IF_ERROR(stager_.Abandon());
    // Unordered: every row is committed but the cursor is not yet.
    if (unordered && report_.rows > 0) {
      RETURN_IF_ERROR(stager_.Begin());
      return CommitRows(true, last_cursor, last_key, last_key_null);
    }
    return OkStatus();
  }

  // Commits the staged rows, with the cursor when `with_cursor` and one was read.
  Status CommitRows(bool with_cursor, const std::string& last_cursor,
                    const std::vector<std::string>& last_key,
                    const std::vector<bool>& last_key_null) {
    std::optional<Cursor> cursor;
    if (with_cursor && !last_cursor.empty()) {
      std::string key;
      for (size_t k = 0; k < plan_.key.size(); ++k) {
        if (last_key_null[k]) continue;
        if (!key.empty()) key += ',';
        key += FormatValue(plan_.columns[plan_.key[k]].kind, last_key[k]);
      }
      cursor = Cursor{FormatValue(plan_.columns[*plan_.cursor].kind, last_cursor), std::move(key)};
    }
    RETURN_IF_ERROR(CommitStaged(cursor, ""));
    Progress();
    return OkStatus();
  }

  Status CommitStaged(const std::optional<Cursor>& cursor, const std::string& deleted_keys) {
    ASSIGN_OR_RETURN(std::string staging, stager_.Finish());
    BatchInfo batch;
    batch.ref = report_.ref;
    batch.staging = staging;
    batch.key = key_names_;
    batch.cursor = cursor;
    batch.logical_date = run_.logical_date;
    batch.deleted_keys_table = deleted_keys;
    batch.unique_keys = true;  // a primary key, read in one snapshot
    batch.append_only = append_only_ && deleted_keys.empty();
    Result<BatchResult> result = CommitWithRetry(store_, batch);
    Status dropped = stager_.Drop(staging);
    if (!result.ok()) return result.status();
    RETURN_IF_ERROR(dropped);
    report_.inserted += result->inserted;
    report_.unchanged += result->unchanged;
    report_.deleted += result->deleted;
    for (std::string& c : result->added_columns) report_.added_columns.push_back(std::move(c));
    return OkStatus();
  }

  // Hard deletes: keys that raw holds and the source (in this run's snapshot) does not.
  // For a single integer key: the ranges of 2^10 keys whose fingerprint (count, sum, xor)
  // differs between the source snapshot and raw. Every source row is in raw after the
  // merge, so a range where they agree lost no key. nullopt: no fingerprint (another key
  // type, a server without bit_xor, or so many ranges differ that comparing every key is
  // simpler).
  Result<std::optional<std::vector<int64_t>>> DifferingKeyRanges() {
    using Ranges = std::optional<std::vector<int64_t>>;
    if (plan_.key.size() != 1) return Ranges();
    const Kind kind = plan_.columns[plan_.key[0]].kind;
    if (kind != Kind::kInt16 && kind != Kind::kInt32 && kind != Kind::kInt64) return Ranges();
    const std::string pk = pg_.QuoteIdentifier(plan_.columns[plan_.key[0]].name);
    const std::string dk = kDuck.QuoteIdentifier(plan_.columns[plan_.key[0]].name);
    RETURN_IF_ERROR(pg_.Execute("SAVEPOINT pgx_fingerprint"));
    Result<pg::QueryResult> src = pg_.Query(
        "SELECT " + pk + "::int8 >> 10, count(*), sum(" + pk + "::int8)::text, bit_xor(" + pk +
        "::int8) FROM " + plan_.qualified + " GROUP BY 1");
    if (!src.ok()) {
      RETURN_IF_ERROR(pg_.Execute("ROLLBACK TO SAVEPOINT pgx_fingerprint"));
      return Ranges();
    }
    RETURN_IF_ERROR(pg_.Execute("RELEASE SAVEPOINT pgx_fingerprint"));
    std::map<int64_t, std::string> source;
    for (int i = 0; i < src->rows(); ++i) {
      ASSIGN_OR_RETURN(int64_t range, src->GetInt64(i, 0));
      source[range] = std::string(src->Get(i, 1)) + "/" + std::string(src->Get(i, 2)) + "/" +
                      std::string(src->Get(i, 3));
    }
    ASSIGN_OR_RETURN(warehouse::QueryResult raw,
                     duck_.Query("SELECT " + dk + "::BIGINT >> 10, count(*)::VARCHAR || '/' || "
                                 "sum(" + dk + "::BIGINT)::VARCHAR || '/' || bit_xor(" + dk +
                                 "::BIGINT)::VARCHAR FROM " +
                                 kDuck.QualifiedName("raw", report_.ref.RawName()) +
                                 " WHERE " + dk + " IS NOT NULL GROUP BY 1"));
    std::vector<int64_t> differing;
    for (uint64_t i = 0; i < raw.row_count(); ++i) {
      ASSIGN_OR_RETURN(int64_t range, raw.GetInt64(0, i));
      ASSIGN_OR_RETURN(std::string print, raw.GetString(1, i));
      auto it = source.find(range);
      if (it == source.end() || it->second != print) differing.push_back(range);
    }
    if (differing.size() > kMaxDifferingRanges) return Ranges();
    return Ranges(std::move(differing));
  }

  Status ReconcileDeletes() {
    ASSIGN_OR_RETURN(std::optional<std::vector<int64_t>> ranges, DifferingKeyRanges());
    if (ranges && ranges->empty()) return OkStatus();  // nothing was deleted
    std::string in_ranges;  // "::BIGINT >> 10) IN (...)" after "(k", or "" for every key
    if (ranges) {
      for (int64_t r : *ranges) in_ranges += (in_ranges.empty() ? "" : ", ") + std::to_string(r);
      in_ranges = "::BIGINT >> 10) IN (" + in_ranges + ")";
    }
    std::vector<PgColumn> key_cols;
    for (size_t k : plan_.key) key_cols.push_back(plan_.columns[k]);
    Stager keys(duck_, key_cols);
    RETURN_IF_ERROR(keys.Begin());
    const std::string where =
        ranges ? " WHERE (" + pg_.QuoteIdentifier(key_cols[0].name) + in_ranges : "";
    ASSIGN_OR_RETURN(pg::CopyOut copy, pg_.BeginCopyOut(CopySql(key_cols, where, false)));
    BinaryCopyReader reader(key_cols.size());
    auto on_row = [&](const char* base, const std::vector<size_t>& offsets,
                      const std::vector<int32_t>& lengths) -> Status {
      warehouse::ChunkAppender& out = keys.appender();
      for (size_t i = 0; i < key_cols.size(); ++i) {
        if (lengths[i] < 0) {
          RETURN_IF_ERROR(out.SetNull(i));
        } else {
          RETURN_IF_ERROR(SetValue(out, i, key_cols[i].kind, base + offsets[i], lengths[i]));
        }
      }
      return out.EndRow();
    };
    while (true) {
      ASSIGN_OR_RETURN(std::optional<std::string_view> chunk, copy.Next());
      if (!chunk) break;
      report_.bytes += static_cast<int64_t>(chunk->size());
      RETURN_IF_ERROR(reader.Feed(*chunk, on_row));
    }
    RETURN_IF_ERROR(reader.Finish());
    ASSIGN_OR_RETURN(std::string source_keys, keys.Finish());

    std::string cols, match;
    for (const std::string& k : key_names_) {
      const std::string q = kDuck.QuoteIdentifier(k);
      cols += (cols.empty() ? "r." : ", r.") + q;
      match += (match.empty() ? "s." : " AND s.") + q + " = r." + q;
    }
    const std::string deleted = "pgx_deleted_keys";
    Status status = duck_.Execute("CREATE OR REPLACE TEMP TABLE " + deleted + " AS SELECT " + cols +
                                  " FROM " + kDuck.QualifiedName("raw", report_.ref.RawName()) +
                                  " r WHERE " +
                                  (ranges ? "(r." + kDuck.QuoteIdentifier(key_names_[0]) +
                                                in_ranges + " AND "
                                          : std::string()) +
                                  "NOT EXISTS (SELECT 1 FROM " + source_keys +
                                  " s WHERE " + match + ")");
    Result<int64_t> count = int64_t{0};
    if (status.ok()) {
      Result<warehouse::QueryResult> r = duck_.Query("SELECT count(*) FROM " + deleted);
      count = r.ok() ? r->GetInt64(0, 0) : Result<int64_t>(r.status());
    }
    if (status.ok() && count.ok() && *count > 0) {
      status = stager_.Begin();
      if (status.ok()) status = CommitStaged(std::nullopt, deleted);
    }
    keys.Drop(source_keys).IgnoreError();
    stager_.Drop(deleted).IgnoreError();
    RETURN_IF_ERROR(status);
    return count.status();
  }

  const RunInfo& run_;
  const TablePlan& plan_;
  pg::Connection& pg_;
  warehouse::Connection& duck_;
  RawStore& store_;
  Stager stager_;
  std::vector<std::string> key_names_;
  TableReport report_;
  int64_t total_ = -1;
  bool raw_existed_ = false;
  bool append_only_ = false;
};

// ---------------------------------------------------------------------------------------
// The run: a coordinator that exports a snapshot, and workers that import it.

Result<pg::Connection> OpenSource(const SourceSpec& source) {
  Result<pg::Connection> conn = pg::Connection::Open(source.dsn.reveal());
  if (!conn.ok()) return conn.status().WithContext("source " + source.name);
  RETURN_IF_ERROR(conn->Execute("SET client_encoding = 'UTF8'"));
  return conn;
}

std::string TodayUtc() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[16];
  std::strftime(text, sizeof(text), "%Y-%m-%d", &tm);
  return text;
}

// The tables of a run, loaded by `threads` workers that share the coordinator's exported
// snapshot: each worker imports it, then takes the next table until none is left.
Result<std::vector<TableReport>> LoadTables(const RunInfo& info,
                                            const std::vector<TablePlan>& plans,
                                            const std::string& snapshot, int threads) {
  std::vector<TableReport> reports(plans.size());
  RETURN_IF_ERROR(internal::RunWorkers(
      plans.size(), threads, [&](const std::function<std::optional<size_t>()>& next) -> Status {
        ASSIGN_OR_RETURN(pg::Connection pg, OpenSource(*info.source));
        RETURN_IF_ERROR(pg.Execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; "
                                   "SET TRANSACTION SNAPSHOT " +
                                   pg.QuoteLiteral(snapshot))
                            .WithContext("source " + info.source->name + ": importing snapshot"));
        ASSIGN_OR_RETURN(warehouse::Connection duck, warehouse::Connection::Open(*info.ctx->db));
        RawStore store(duck, info.ctx->lake_dir);
        while (std::optional<size_t> i = next()) {
          // Each slot is written by exactly one worker and read after the workers end.
          reports[*i] = TableExtractor(info, plans[*i], pg, duck, store).Run();
        }
        return pg.Execute("COMMIT");
      }));
  return reports;
}

}  // namespace

Result<std::vector<TableReport>> ExtractPostgres(const SourceConfig& config,
                                                 const ExtractContext& ctx) {
  if (ctx.db == nullptr) return InvalidArgumentError("ExtractPostgres: no warehouse database");
  ASSIGN_OR_RETURN(SourceSpec source, ParseSource(config));
  ASSIGN_OR_RETURN(pg::Connection coordinator, OpenSource(source));
  RETURN_IF_ERROR(coordinator.Execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  ASSIGN_OR_RETURN(pg::QueryResult snapshot, coordinator.Query("SELECT pg_export_snapshot()"));
  ASSIGN_OR_RETURN(std::vector<TablePlan> plans, PlanTables(coordinator, source));
  {
    ASSIGN_OR_RETURN(warehouse::Connection duck, warehouse::Connection::Open(*ctx.db));
    RawStore store(duck, ctx.lake_dir);
    RETURN_IF_ERROR(store.EnsureSchemas());
  }
  RunInfo info{&source, &ctx, TodayUtc()};
  // RunWorkers starts no more workers than there are tables.
  const int threads = source.threads > 0 ? source.threads : ctx.threads;
  ASSIGN_OR_RETURN(std::vector<TableReport> reports,
                   LoadTables(info, plans, std::string(snapshot.Get(0, 0)), threads));
  // The exported snapshot must live until every worker has imported it: end it last.
  coordinator.Execute("COMMIT").IgnoreError();
  return reports;
}

}  // namespace shoplytics::sources
