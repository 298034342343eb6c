#include "sources/clickstream_source.h"

#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <unordered_set>

#include "common/hash.h"
#include "sources/internal/file_values.h"
#include "warehouse/adapter.h"
#include "warehouse/chunk_appender.h"
#include "warehouse/connection.h"

namespace shoplytics::sources {

namespace fs = std::filesystem;

namespace {

const warehouse::DuckDbAdapter kSql;

struct JsonlSpec {
  TableRef ref;
  std::string glob;
  std::string key;         // JSON field and column of the event's id
  std::string time_field;  // JSON field and column of the event's time
};

// Optional fields copied from the JSON into columns of the same name.
struct FieldSpec {
  const char* name;
  bool integer;  // BIGINT; otherwise VARCHAR
};
constexpr FieldSpec kFields[] = {
    {"event_type", false},   {"session_id", false}, {"anonymous_id", false}, {"customer_id", true},
    {"page", false},         {"device", false},     {"channel", false},      {"country", false},
    {"utm_source", false},   {"utm_medium", false}, {"utm_campaign", false}, {"product_id", true},
    {"search_query", false}, {"order_id", true},    {"revenue_cents", true},
};
constexpr size_t kNumFields = std::size(kFields);
// Columns, in raw's order: key, event_type, time, event_date, the other fields, raw_json,
// _source_file, _source_line.
constexpr uint64_t kKeyCol = 0, kTimeCol = 2, kDayCol = 3;
constexpr uint64_t kRawCol = 3 + kNumFields, kFileCol = kRawCol + 1, kLineCol = kRawCol + 2;
constexpr uint64_t FieldCol(size_t i) { return i == 0 ? 1 : 3 + i; }

Result<JsonlSpec> ParseSpec(const SourceConfig& source) {
  static constexpr std::string_view kKeys[] = {"type",  "path", "glob",
                                               "table", "key",  "time_field"};
  RETURN_IF_ERROR(source.node.CheckKeys(kKeys));
  JsonlSpec spec;
  ASSIGN_OR_RETURN(std::string table, source.node.GetString("table", "events"));
  spec.ref = {source.name, table};
  ASSIGN_OR_RETURN(spec.glob, source.node.GetString("glob", "events-*.jsonl"));
  ASSIGN_OR_RETURN(spec.key, source.node.GetString("key", "event_id"));
  ASSIGN_OR_RETURN(spec.time_field, source.node.GetString("time_field", "event_time"));
  for (const std::string* name : {&spec.key, &spec.time_field}) {
    bool reserved = name->empty() || *name == "event_date" || *name == "raw_json" ||
                    name->rfind("_source_", 0) == 0;
    for (const FieldSpec& f : kFields) reserved = reserved || *name == f.name;
    if (reserved || spec.key == spec.time_field) {
      return source.node.Child(name == &spec.key ? "key" : "time_field")
          .Error("'" + *name + "' cannot be the " + (name == &spec.key ? "key" : "time field") +
                 ": it is another column of the events table");
    }
  }
  return spec;
}

std::string StagingName(const TableRef& ref, std::string_view suffix) {
  std::string name = "_stage_jsonl_" + ref.RawName() + std::string(suffix);
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

class JsonlLoader {
 public:
  JsonlLoader(warehouse::Connection& conn, const ExtractContext& ctx, JsonlSpec spec, fs::path dir)
      : conn_(conn),
        store_(conn, ctx.lake_dir),
        ctx_(ctx),
        spec_(std::move(spec)),
        dir_(std::move(dir)) {}

  Status Init() { return store_.EnsureSchemas(); }

  TableReport Run() {
    const auto start = std::chrono::steady_clock::now();
    TableReport report;
    report.ref = spec_.ref;
    report.error = LoadFiles(&report).WithContext(spec_.ref.Display());
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
  }

 private:
  Status LoadFiles(TableReport* report) {
    ASSIGN_OR_RETURN(std::vector<std::string> files, internal::ListFiles(dir_, spec_.glob));
    for (const std::string& file : files) {
      RETURN_IF_ERROR(LoadFile(file, report));
      if (ctx_.progress) ctx_.progress(spec_.ref, report->rows, -1);
    }
    return OkStatus();
  }

  Status CreateStaging(const std::string& staging) {
    std::string sql = "CREATE OR REPLACE TEMP TABLE " + staging + " (" +
                      kSql.QuoteIdentifier(spec_.key) + " VARCHAR, " + kFields[0].name +
                      " VARCHAR, " + kSql.QuoteIdentifier(spec_.time_field) +
                      " TIMESTAMPTZ, event_date DATE";
    for (size_t i = 1; i < kNumFields; ++i) {
      sql += std::string(", ") + kFields[i].name + (kFields[i].integer ? " BIGINT" : " VARCHAR");
    }
    sql += ", raw_json VARCHAR, _source_file VARCHAR, _source_line BIGINT)";
    return conn_.Execute(sql);
  }

  Status LoadFile(const std::string& file, TableReport* report) {
    const fs::path path = dir_ / file;
    ASSIGN_OR_RETURN(std::string checksum, internal::FileChecksum(path));
    if (!ctx_.full_refresh) {
      ASSIGN_OR_RETURN(std::optional<std::string> loaded, store_.LoadedChecksum(spec_.ref, file));
      if (loaded && *loaded == checksum) {
        ++report->skipped_files;
        return OkStatus();
      }
    }
    const std::string staging = StagingName(spec_.ref, "");
    RETURN_IF_ERROR(CreateStaging(staging));
    ASSIGN_OR_RETURN(warehouse::ChunkAppender app,
                     warehouse::ChunkAppender::Create(conn_, "", staging));
    BatchInfo batch;
    int32_t min_day = std::numeric_limits<int32_t>::max();
    // The checksum recorded is of the bytes loaded, should the file grow in between.
    ASSIGN_OR_RETURN(
        batch.file_checksum, ReadLines(path, [&](std::string_view line, int64_t line_no) -> Status {
          ++report->rows;
          bool duplicate = false;
          std::string reason = AppendLine(app, line, &min_day, &duplicate);
          if (duplicate) return OkStatus();
          if (reason.empty()) {
            RETURN_IF_ERROR(app.SetString(kFileCol, file));
            RETURN_IF_ERROR(app.SetInt64(kLineCol, line_no));
            return app.EndRow();
          }
          batch.quarantined.push_back({file, line_no, std::string(line), std::move(reason)});
          return OkStatus();
        }));
    RETURN_IF_ERROR(app.Close().WithContext(path.string()));
    seen_.clear();

    batch.ref = spec_.ref;
    batch.staging = staging;
    batch.key = {spec_.key};
    batch.cursor = Cursor{file, batch.file_checksum};
    std::optional<std::string> date = internal::DateInName(file);
    if (!date && min_day != std::numeric_limits<int32_t>::max()) {
      date = internal::FormatDate(min_day);
    }
    batch.logical_date = date.value_or("");
    batch.source_file = file;
    ASSIGN_OR_RETURN(BatchResult result, store_.CommitBatch(batch));
    report->bytes += bytes_read_;
    report->quarantined += static_cast<int64_t>(batch.quarantined.size());
    report->inserted += result.inserted;
    report->unchanged += result.unchanged;
    for (std::string& col : result.added_columns) report->added_columns.push_back(col);
    return conn_.Execute("DROP TABLE IF EXISTS " + staging);
  }

  // Calls `fn(line, line_number)` for every non-blank line (without its line end), reading
  // the file in blocks; returns the XXH64 of the bytes read. Each line handed out lies in a
  // buffer with at least SIMDJSON_PADDING readable bytes after it, as simdjson requires.
  template <typename Fn>
  Result<std::string> ReadLines(const fs::path& path, Fn&& fn) {
    std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
    if (!f) return NotFoundError("cannot open " + path.string() + ": " + std::strerror(errno));
    Hasher64 hasher;
    size_t block = 4 << 20;
    std::vector<char> buf(block + simdjson::SIMDJSON_PADDING);
    size_t have = 0;
    int64_t line_no = 0;
    bytes_read_ = 0;
    while (true) {
      const size_t n = std::fread(buf.data() + have, 1, block - have, f.get());
      if (n == 0 && std::ferror(f.get())) return InternalError("reading " + path.string());
      hasher.Update(std::string_view(buf.data() + have, n));
      bytes_read_ += static_cast<int64_t>(n);
      have += n;
      const bool eof = n == 0;
      size_t start = 0;
      while (start < have) {
        const char* nl =
            static_cast<const char*>(std::memchr(buf.data() + start, '\n', have - start));
        if (nl == nullptr && !eof) break;
        const size_t end = nl == nullptr ? have : static_cast<size_t>(nl - buf.data());
        std::string_view line(buf.data() + start, end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        ++line_no;
        if (!internal::Trim(line).empty()) RETURN_IF_ERROR(fn(line, line_no));
        start = end + 1;
      }
      if (eof) break;
      std::memmove(buf.data(), buf.data() + start, have - start);
      have -= std::min(start, have);
      if (have == block) {  // one line longer than the block: grow
        block *= 2;
        buf.resize(block + simdjson::SIMDJSON_PADDING);
      }
    }
    return HashToHex(hasher.Digest());
  }

  // Parses one line into the appender's current row; the reason it is refused, or "".
  // A valid line whose key came earlier in the file is a duplicate: nothing is set.
  std::string AppendLine(warehouse::ChunkAppender& app, std::string_view line, int32_t* min_day,
                         bool* duplicate) {
    simdjson::dom::element doc;
    if (auto err = parser_.parse(line.data(), line.size(), false).get(doc)) {
      return std::string("not valid JSON (") + simdjson::error_message(err) + ")";
    }
    simdjson::dom::object obj;
    if (doc.get_object().get(obj)) return "not a JSON object";
    std::string_view key, time;
    if (obj.at_key(spec_.key).get_string().get(key) || key.empty()) {
      return "missing " + spec_.key + " (a non-empty string)";
    }
    if (obj.at_key(spec_.time_field).get_string().get(time)) {
      return "missing " + spec_.time_field + " (an ISO-8601 string)";
    }
    std::optional<warehouse::Timestamp> ts = internal::ParseTimestamp(time);
    if (!ts) return "bad " + spec_.time_field + " '" + std::string(time) + "' (expected ISO-8601)";
    // Checked before the first Set*: a refused line leaves nothing in the row.
    for (size_t i = 0; i < kNumFields; ++i) {
      simdjson::dom::element el;
      if (obj.at_key(kFields[i].name).get(el) || el.is_null()) continue;
      if (kFields[i].integer ? !el.is_int64() : !el.is_string()) {
        return std::string("field ") + kFields[i].name + ": expected " +
               (kFields[i].integer ? "an integer" : "a string");
      }
    }
    const int32_t day =
        static_cast<int32_t>(std::chrono::floor<std::chrono::days>(*ts).time_since_epoch().count());
    *min_day = std::min(*min_day, day);
    if (!seen_.emplace(key).second) {
      *duplicate = true;
      return "";
    }
    Status st = Fill(app, obj, key, *ts, day, line);
    return st.ok() ? "" : st.message();
  }

  Status Fill(warehouse::ChunkAppender& app, const simdjson::dom::object& obj, std::string_view key,
              warehouse::Timestamp ts, int32_t day, std::string_view line) {
    RETURN_IF_ERROR(app.SetString(kKeyCol, key));
    RETURN_IF_ERROR(app.SetTimestamp(kTimeCol, ts));
    RETURN_IF_ERROR(app.SetDate(kDayCol, day));
    for (size_t i = 0; i < kNumFields; ++i) {
      simdjson::dom::element el;
      const uint64_t col = FieldCol(i);
      if (obj.at_key(kFields[i].name).get(el) || el.is_null()) {
        RETURN_IF_ERROR(app.SetNull(col));
      } else if (kFields[i].integer) {
        RETURN_IF_ERROR(app.SetInt64(col, el.get_int64().value_unsafe()));
      } else {
        RETURN_IF_ERROR(app.SetString(col, el.get_string().value_unsafe()));
      }
    }
    return app.SetString(kRawCol, line);
  }

  warehouse::Connection& conn_;
  RawStore store_;
  const ExtractContext& ctx_;
  JsonlSpec spec_;
  fs::path dir_;
  simdjson::dom::parser parser_;
  std::unordered_set<std::string> seen_;  // keys of the current file: the first copy wins
  int64_t bytes_read_ = 0;
};

}  // namespace

Result<std::vector<TableReport>> ExtractJsonl(const SourceConfig& source,
                                              const ExtractContext& ctx) {
  ASSIGN_OR_RETURN(JsonlSpec spec, ParseSpec(source));
  ASSIGN_OR_RETURN(fs::path dir, internal::SourceDir(source.node, ctx.project_dir));
  if (ctx.db == nullptr) return FailedPreconditionError("source " + source.name + ": no warehouse");
  ASSIGN_OR_RETURN(warehouse::Connection conn, warehouse::Connection::Open(*ctx.db));
  JsonlLoader loader(conn, ctx, std::move(spec), std::move(dir));
  RETURN_IF_ERROR(loader.Init().WithContext("source " + source.name));
  return std::vector<TableReport>{loader.Run()};
}

}  // namespace shoplytics::sources
