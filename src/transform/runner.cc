#include "transform/runner.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "common/files.h"
#include "common/logging.h"
#include "common/strings.h"
#include "config/yaml_config.h"
#include "transform/artifacts.h"
#include "transform/compiler.h"
#include "transform/data_tests.h"
#include "transform/docs_site.h"
#include "transform/executor.h"
#include "transform/graph.h"
#include "transform/materialize.h"
#include "transform/profiles.h"
#include "transform/project.h"
#include "transform/seed_loader.h"
#include "transform/selector.h"
#include "transform/snapshot.h"
#include "warehouse/adapter.h"
#include "warehouse/allocator_memory.h"
#include "warehouse/connection.h"
#include "warehouse/database.h"
#include "warehouse/huge_pages.h"

namespace shoplytics::transform {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string_view CommandName(Command command) {
  switch (command) {
    case Command::kBuild:
      return "build";
    case Command::kRun:
      return "run";
    case Command::kTest:
      return "test";
    case Command::kSeed:
      return "seed";
    case Command::kSnapshot:
      return "snapshot";
    case Command::kCompile:
      return "compile";
    case Command::kList:
      return "ls";
    case Command::kDocsGenerate:
      return "docs generate";
    case Command::kSourceFreshness:
      return "source freshness";
  }
  return "build";
}

std::string DoneLine(const InvocationSummary& s) {
  return fmt::format("Done. PASS={} WARN={} ERROR={} SKIP={} TOTAL={}", s.pass, s.warn, s.error,
                     s.skip, s.total);
}

namespace {

// The profile's settings (profiles.h) on `conn`, with the adapter's quoting; a setting
// DuckDB refuses is named with its profile and target.
Status ApplyProfileSettings(const ProfileTarget& target, const warehouse::SqlAdapter& adapter,
                            warehouse::Connection& conn) {
  for (const auto& [key, value] : target.settings) {
    Status status = conn.Execute(fmt::format("SET {} = {}", key, adapter.QuoteLiteral(value)));
    if (!status.ok()) {
      return Status(status.code(),
                    fmt::format("profile '{}' target '{}', setting {}: {}", target.profile_name,
                                target.target_name, key, status.message()));
    }
  }
  return OkStatus();
}

// DuckDB hands every block it frees back to the system (madvise), so a build, which frees
// and takes gigabytes again from one model to the next, paid a page fault per 4 KB page
// each time: 54 s of the 360 CPU-seconds of the full-scale build were the kernel's. Keeping
// up to half of the memory limit in DuckDB's block allocator took that to 22 s (the same
// build under /usr/bin/time). The memory goes back to the system when the build closes the
// warehouse. A profile's own block_allocator_memory wins. (DuckDB takes the setting only
// once the database is open.) The allocator maps its memory when the setting turns it on;
// that mapping then gets transparent huge pages (warehouse/huge_pages.h).
Status KeepFreedBlocks(const ProfileTarget& target, warehouse::Database& db) {
  for (const auto& [key, value] : target.settings) {
    if (ToLower(key) == "block_allocator_memory") return OkStatus();
  }
  ASSIGN_OR_RETURN(warehouse::Connection conn, warehouse::Connection::Open(db));
  RETURN_IF_ERROR(conn.Execute("SET block_allocator_memory = '50%'"));
  warehouse::AdviseHugePages();
  return OkStatus();
}

// The memory limit DuckDB has while a build does incremental work (an incremental model
// running incrementally, a snapshot or view that existed, and the tests of only such
// nodes). DuckDB keeps every block it reads cached up to its memory limit, 80% of the
// machine's memory by default, so a daily build of the default project at full scale read
// 3.2 GB into memory it had never touched; on a virtual machine each first touch of a 4 KB
// page is a fault of about 13 us. Under a small limit the cache evicts instead, and the
// block allocator (KeepFreedBlocks, which keeps its own size) hands the evicted blocks'
// memory out again: side by side, 0.27-0.29 M faults and 4.0-4.3 s of kernel time against
// 0.35-0.44 M and 6.5-7.0 s, and a peak RSS of 1.3 GB. Full rebuilds keep DuckDB's
// default, which their hash tables and sorts need. Only with one
// thread (the limit is the database's, not a node's), and not when the profile sets
// memory_limit; SHOPLYTICS_INCREMENTAL_MEMORY_LIMIT sets another value, 0 turns it off.
constexpr std::string_view kIncrementalMemoryLimit = "1GB";

std::string IncrementalMemoryLimit(const ProfileTarget& target, int threads) {
  if (threads != 1) return "";
  for (const auto& [key, value] : target.settings) {
    if (ToLower(key) == "memory_limit" || ToLower(key) == "max_memory") return "";
  }
  const char* env = std::getenv("SHOPLYTICS_INCREMENTAL_MEMORY_LIMIT");
  if (env == nullptr || *env == '\0') return std::string(kIncrementalMemoryLimit);
  if (std::string_view(env) == "0") return "";
  return env;
}

// The resource types a command runs.
std::set<ResourceType> CommandTypes(Command command) {
  switch (command) {
    case Command::kBuild:
      return {ResourceType::kModel, ResourceType::kSeed, ResourceType::kSnapshot,
              ResourceType::kTest};
    case Command::kRun:
      return {ResourceType::kModel};
    case Command::kCompile:
      return {ResourceType::kModel, ResourceType::kSnapshot, ResourceType::kTest};
    case Command::kTest:
      return {ResourceType::kTest};
    case Command::kSeed:
      return {ResourceType::kSeed};
    case Command::kSnapshot:
      return {ResourceType::kSnapshot};
    case Command::kSourceFreshness:
      return {ResourceType::kSource};
    case Command::kList:
    case Command::kDocsGenerate:
      return {ResourceType::kModel, ResourceType::kSeed, ResourceType::kSnapshot,
              ResourceType::kTest, ResourceType::kSource};
  }
  return {};
}

std::string ClockPrefix() {
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return fmt::format("{:%H:%M:%S}", now);
}

// "05:31:02  1 of 5 START sql view model main.stg ..................... [RUN]"
std::string ProgressLine(int index, int total, std::string_view text, std::string_view status) {
  std::string left = fmt::format("{} of {} {} ", index, total, text);
  constexpr size_t kWidth = 80;
  const size_t used = left.size() + status.size() + 3;
  const size_t dots = used < kWidth ? kWidth - used : 3;
  return fmt::format("{}  {}{} [{}]", ClockPrefix(), left, std::string(dots, '.'), status);
}

std::string Seconds(double seconds) { return fmt::format("{:.2f}s", seconds); }

// What a node is in progress lines: "sql view model main.orders", "seed file main.x".
std::string Describe(const Node& node, const Compiler& compiler) {
  const Relation relation = compiler.RelationOf(node);
  const std::string where = relation.schema + "." + relation.identifier;
  switch (node.resource_type) {
    case ResourceType::kModel:
      return fmt::format("sql {} model {}", node.config.materialized(), where);
    case ResourceType::kSeed:
      return "seed file " + where;
    case ResourceType::kSnapshot:
      return "snapshot " + where;
    case ResourceType::kTest:
      return "test " + node.name;
    case ResourceType::kSource:
      return fmt::format("freshness of {}.{}", node.source_name, node.name);
  }
  return node.name;
}

std::string FinishText(const Node& node, const NodeResult& result, const Compiler& compiler,
                       std::string* status) {
  const std::string what = Describe(node, compiler);
  const std::string time = Seconds(result.execution_time);
  const std::string count = result.failures ? std::to_string(*result.failures) : "";
  switch (result.status) {
    case RunStatus::kSuccess:
      if (node.resource_type == ResourceType::kSeed) {
        *status = fmt::format("INSERT {} in {}", result.rows_affected.value_or(0), time);
        return "OK loaded " + what;
      }
      *status = "OK in " + time;
      if (node.resource_type == ResourceType::kSnapshot) return "OK snapshotted " + what;
      return "OK created " + what;
    case RunStatus::kPass:
      *status = "PASS in " + time;
      return node.resource_type == ResourceType::kSource ? "PASS " + what : "PASS " + node.name;
    case RunStatus::kWarn:
      *status = fmt::format("WARN {}in {}", count.empty() ? "" : count + " ", time);
      return node.resource_type == ResourceType::kSource
                 ? "WARN " + what
                 : fmt::format("WARN {} {}", count, node.name);
    case RunStatus::kFail:
      *status = fmt::format("FAIL {} in {}", count, time);
      return fmt::format("FAIL {} {}", count, node.name);
    case RunStatus::kError:
      if (node.resource_type == ResourceType::kSource && result.message.starts_with("stale")) {
        *status = "ERROR STALE in " + time;
        return "ERROR STALE " + what;
      }
      *status = "ERROR in " + time;
      if (node.resource_type == ResourceType::kTest) return "ERROR " + node.name;
      if (node.resource_type == ResourceType::kSource) return "ERROR " + what;
      return "ERROR creating " + what;
    case RunStatus::kSkipped:
      *status = "SKIP";
      if (node.resource_type == ResourceType::kTest) return "SKIP test " + node.name;
      return "SKIP relation " + compiler.RelationOf(node).schema + "." +
             compiler.RelationOf(node).identifier;
  }
  return what;
}

// Where dbt writes a node's compiled SQL: target/compiled/<project>/<file>[/<test>.sql].
fs::path CompiledPath(const fs::path& target_dir, const Project& project, const Node& node) {
  fs::path path = target_dir / "compiled" / project.name() / node.original_file_path;
  if (node.resource_type == ResourceType::kTest && node.test_metadata) path /= node.name + ".sql";
  return path;
}

// Where in the compiled SQL an engine error points. DuckDB's parser quotes the failing
// line ("LINE n: <text>"), whose number is that of the statement the materialization ran
// (it wraps the SELECT), so the text is looked up in the compiled SQL instead; a binder
// error names the column or table in double quotes ("Referenced column "x" not found"),
// looked up the same way. Empty when neither is found.
std::string CompiledLineHint(const std::string& message, const std::string& sql) {
  // Only the engine's errors ("Binder Error: ...") point into the SQL; ours (a changed
  // schema under on_schema_change: fail, a missing unique_key) do not.
  if (sql.empty() || message.find(" Error: ") == std::string::npos) return "";
  const std::vector<std::string> lines = Split(sql, '\n');
  auto find = [&](std::string_view needle) -> std::string {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].find(needle) != std::string::npos) {
        return fmt::format("line {} of the compiled SQL: {}", i + 1, Trim(lines[i]));
      }
    }
    return "";
  };
  static const std::regex kLine(R"(LINE \d+: (?:\.\.\.)?([^\n]*?)(?:\.\.\.)?\s*(?:\n|$))");
  std::smatch match;
  if (std::regex_search(message, match, kLine)) {
    std::string needle(Trim(match[1].str()));
    if (needle.size() > 30) needle = needle.substr(0, 30);  // DuckDB shows a window of it
    if (needle.size() >= 4) {
      if (std::string hint = find(needle); !hint.empty()) return hint;
    }
  }
  // The engine's message, without the statement it echoes.
  const std::string head = message.substr(0, message.find("(SQL:"));
  static const std::regex kQuoted(R"re("([^"\n]{2,})")re");
  if (std::regex_search(head, match, kQuoted)) return find(match[1].str());
  return "";
}

Result<SnapshotConfig> SnapshotConfigOf(const Node& node) {
  SnapshotConfig config;
  const NodeConfig& c = node.config;
  const std::string strategy = c.GetString("strategy");
  if (strategy.empty()) {
    return InvalidArgumentError("config 'strategy' is required: 'timestamp' or 'check'");
  }
  ASSIGN_OR_RETURN(config.strategy, ParseSnapshotStrategy(strategy));
  config.unique_key = c.GetStringList("unique_key");
  config.updated_at = c.GetString("updated_at");
  if (c.Get("check_cols").is_string() && c.GetString("check_cols") == "all") {
    config.check_all_columns = true;
  } else {
    config.check_cols = c.GetStringList("check_cols");
  }
  const std::string hard_deletes = c.GetString("hard_deletes");
  if (!hard_deletes.empty()) {
    ASSIGN_OR_RETURN(config.hard_deletes, ParseHardDeletes(hard_deletes));
  } else if (c.Get("invalidate_hard_deletes") == json(true)) {
    config.hard_deletes = HardDeletes::kInvalidate;
  }
  ASSIGN_OR_RETURN(config.column_compression, ColumnCompressionOf(c.Get("meta")));
  return config;
}

Result<TestConfig> TestConfigOf(const Node& node, bool store_failures) {
  TestConfig config;
  const NodeConfig& c = node.config;
  const std::string severity = c.GetString("severity");
  if (!severity.empty()) {
    ASSIGN_OR_RETURN(config.severity, ParseSeverity(severity));
  }
  if (c.Get("warn_if").is_string()) config.warn_if = c.GetString("warn_if");
  if (c.Get("error_if").is_string()) config.error_if = c.GetString("error_if");
  config.store_failures = store_failures || c.Get("store_failures") == json(true);
  if (c.Get("limit").is_number_integer()) config.limit = c.Get("limit").get<int64_t>();
  return config;
}

std::string Plural(int n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

// DuckDB answers "is this a table or a view?" through information_schema, which renders
// the SQL of every view in the database: a thousand views make each lookup cost
// milliseconds, and a run looks up every model. This adapter reads the catalog once and
// then remembers what the run itself builds (Remember), which is all that changes it: the
// warehouse file is locked by this process, and a failed build changes nothing.
class CachingDuckDbAdapter final : public warehouse::DuckDbAdapter {
 public:
  Result<warehouse::RelationKind> GetRelationKind(warehouse::Connection& conn,
                                                  std::string_view schema,
                                                  std::string_view name) const override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!loaded_) {
      ASSIGN_OR_RETURN(warehouse::QueryResult rows,
                       conn.Query("SELECT lower(table_schema), lower(table_name), table_type "
                                  "FROM information_schema.tables "
                                  "WHERE table_catalog = current_database()"));
      for (uint64_t r = 0; r < rows.row_count(); ++r) {
        ASSIGN_OR_RETURN(std::string row_schema, rows.GetString(0, r));
        ASSIGN_OR_RETURN(std::string row_name, rows.GetString(1, r));
        ASSIGN_OR_RETURN(std::string type, rows.GetString(2, r));
        kinds_[{row_schema, row_name}] =
            type == "VIEW" ? warehouse::RelationKind::kView : warehouse::RelationKind::kTable;
      }
      loaded_ = true;
    }
    auto it = kinds_.find({ToLower(schema), ToLower(name)});
    return it == kinds_.end() ? warehouse::RelationKind::kNone : it->second;
  }

  // Records what a successful build left at schema.name.
  void Remember(std::string_view schema, std::string_view name, warehouse::RelationKind kind) {
    std::lock_guard<std::mutex> lock(mu_);
    if (loaded_) kinds_[{ToLower(schema), ToLower(name)}] = kind;
  }

 private:
  mutable std::mutex mu_;
  mutable bool loaded_ = false;  // guarded by mu_
  mutable std::map<std::pair<std::string, std::string>, warehouse::RelationKind>
      kinds_;  // guarded by mu_
};

// Writes target/compiled/ on its own thread: creating thousands of small files is
// mostly the kernel's work, which then overlaps compiling. A file that already holds the
// SQL is left alone, and a changed one is replaced by a new file rather than rewritten in
// place, which would make ext4 flush it on close (auto_da_alloc). These files are a
// by-product for people to read: a failed write is not an error.
class CompiledFileWriter {
 public:
  CompiledFileWriter() : thread_([this] { Loop(); }) {}
  ~CompiledFileWriter() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

  void Write(fs::path path, std::string contents) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.emplace_back(std::move(path), std::move(contents));
    }
    cv_.notify_one();
  }

 private:
  void Loop() {
    std::set<fs::path> dirs;  // created already
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return done_ || !queue_.empty(); });
      if (queue_.empty()) return;  // done_ and drained
      auto [path, contents] = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      std::error_code ec;
      if (dirs.insert(path.parent_path()).second) fs::create_directories(path.parent_path(), ec);
      Result<std::string> old = ReadFile(path);
      if (!old.ok() || *old != contents) {
        if (old.ok()) fs::remove(path, ec);
        std::ofstream out(path, std::ios::binary);
        out << contents;
      }
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<fs::path, std::string>> queue_;  // guarded by mu_
  bool done_ = false;                                   // guarded by mu_
  std::thread thread_;
};

// A run of one invocation: shared state for the node callbacks.
class Invocation {
 public:
  // `open_db` opens the warehouse; it is called at most once, when a node first needs a
  // connection (compile opens it only for nodes that read the warehouse).
  Invocation(const InvocationOptions& options, Compiler& compiler,
             std::function<Result<warehouse::Database*>()> open_db, CachingDuckDbAdapter& adapter,
             fs::path target_dir, int threads)
      : options_(options),
        compiler_(compiler),
        project_(compiler.project()),
        open_db_(std::move(open_db)),
        adapter_(adapter),
        target_dir_(std::move(target_dir)),
        conns_(threads),
        incremental_memory_limit_(IncrementalMemoryLimit(compiler.options().target, threads)) {}

  // The connection of worker `thread_index` (each worker uses only its own slot).
  Result<warehouse::Connection*> ConnectionFor(int thread_index) {
    std::unique_ptr<warehouse::Connection>& slot = conns_.at(thread_index);
    if (slot == nullptr) {
      std::call_once(db_once_, [&] { db_ = open_db_(); });
      if (!db_.ok()) return db_.status();
      ASSIGN_OR_RETURN(warehouse::Connection conn, warehouse::Connection::Open(**db_));
      RETURN_IF_ERROR(ApplySettings(conn));
      slot = std::make_unique<warehouse::Connection>(std::move(conn));
    }
    return slot.get();
  }

  NodeResult Run(const std::string& id, int thread_index) {
    const Node& node = *project_.Find(id);
    // A model, seed or snapshot may write: the reads that tests reuse
    // (Compiler::ForgetReads) end when it starts and again once it has written.
    const bool may_write = node.resource_type != ResourceType::kTest &&
                           node.resource_type != ResourceType::kSource;
    if (may_write) compiler_.ForgetReads();
    NodeResult result = RunNode(node, id, thread_index);
    if (may_write) compiler_.ForgetReads();
    return result;
  }

  NodeResult RunNode(const Node& node, const std::string& id, int thread_index) {
    NodeResult result;
    result.unique_id = id;
    result.thread_index = thread_index;
    const auto started = Clock::now();
    TimingEntry compile{"compile", IsoTimestampNow(), ""};
    Status status = OkStatus();
    std::string sql;
    const bool compile_only =
        options_.command == Command::kCompile || options_.command == Command::kDocsGenerate;
    warehouse::Connection* conn = nullptr;
    if (compile_only && (node.resource_type == ResourceType::kSource ||
                         node.resource_type == ResourceType::kSeed)) {
      result.status = RunStatus::kSuccess;  // nothing to compile
      result.message = "OK";
      result.execution_time = std::chrono::duration<double>(Clock::now() - started).count();
      return result;
    }
    if (!compile_only || compiler_.NeedsConnection(id)) {
      Result<warehouse::Connection*> opened = ConnectionFor(thread_index);
      if (!opened.ok()) {
        result.status = RunStatus::kError;
        result.message = opened.status().message();
        return result;
      }
      conn = *opened;
    }
    if (node.resource_type == ResourceType::kSource) {
      status = RunFreshness(node, *conn, result);
    } else if (node.resource_type == ResourceType::kSeed) {
      compile.completed_at = IsoTimestampNow();
      result.timing.push_back(compile);
      status = RunSeed(node, *conn, result);
    } else {
      Result<CompiledNode> compiled = compiler_.Compile(id, conn);
      compile.completed_at = IsoTimestampNow();
      result.timing.push_back(compile);
      if (!compiled.ok()) {
        status = compiled.status();
      } else {
        sql = compiled->sql;
        result.compiled_code = sql;
        WriteCompiled(node, sql);
        if (!compile_only) {
          LimitMemoryFor(node, *compiled, *conn);
          TimingEntry execute{"execute", IsoTimestampNow(), ""};
          status = Execute(node, *compiled, *conn, result);
          execute.completed_at = IsoTimestampNow();
          result.timing.push_back(execute);
        } else {
          result.message = "OK";
        }
      }
    }
    if (!status.ok()) {
      result.status = RunStatus::kError;
      std::string message = status.message();
      if (std::string hint = CompiledLineHint(message, sql); !hint.empty()) {
        message += "\n  at " + hint;
      }
      result.message = std::move(message);
    }
    const Infos& infos = GetInfos();
    if (auto it = infos.find(id); it != infos.end())
      result.relation_name = it->second.relation_name;
    result.execution_time = std::chrono::duration<double>(Clock::now() - started).count();
    return result;
  }

  Status ApplySettings(warehouse::Connection& conn) const {
    return ApplyProfileSettings(compiler_.options().target, adapter_, conn);
  }

  json sources_results() const {
    std::lock_guard<std::mutex> lock(mu_);
    return freshness_;
  }

 private:
  using Infos = std::map<std::string, CompiledNodeInfo>;
  const Infos& GetInfos() {
    std::call_once(infos_once_, [&] { infos_ = compiler_.Infos(); });
    return infos_;
  }

  // Sets DuckDB's memory limit for `node` (IncrementalMemoryLimit): the small one when the
  // node does incremental work, DuckDB's default otherwise. Models and snapshots record
  // which they did, for their tests. A limit DuckDB refuses leaves the one it has.
  void LimitMemoryFor(const Node& node, const CompiledNode& compiled, warehouse::Connection& conn) {
    if (incremental_memory_limit_.empty()) return;
    bool incremental = false;
    switch (node.resource_type) {
      case ResourceType::kModel:
      case ResourceType::kSnapshot: {
        // A snapshot or view: whether it existed before this run; a table: is_incremental().
        if (node.resource_type == ResourceType::kSnapshot || node.config.materialized() == "view") {
          Result<warehouse::RelationKind> kind = adapter_.GetRelationKind(
              conn, compiled.relation.schema, compiled.relation.identifier);
          incremental = kind.ok() && *kind != warehouse::RelationKind::kNone;
        } else {
          incremental = compiled.is_incremental;
        }
        std::lock_guard<std::mutex> lock(mu_);
        incremental_nodes_[node.unique_id] = incremental;
        break;
      }
      case ResourceType::kTest: {
        // Incremental when every node it reads that ran in this invocation was, and one did.
        std::lock_guard<std::mutex> lock(mu_);
        bool any = false;
        incremental = true;
        for (const std::string& parent : node.depends_on) {
          auto it = incremental_nodes_.find(parent);
          if (it == incremental_nodes_.end()) continue;
          any = true;
          incremental = incremental && it->second;
        }
        incremental = incremental && any;
        break;
      }
      default:
        break;
    }
    if (incremental == memory_limited_) return;
    const std::string sql =
        incremental ? "SET memory_limit = " + adapter_.QuoteLiteral(incremental_memory_limit_)
                    : std::string("RESET memory_limit");
    if (Status status = conn.Execute(sql); !status.ok()) {
      LogEvent(LogLevel::kWarn, "memory_limit",
               {{"node", node.unique_id}, {"error", status.message()}});
      return;
    }
    LogEvent(LogLevel::kDebug, "memory_limit",
             {{"node", node.unique_id},
              {"limit", incremental ? incremental_memory_limit_ : std::string("default")}});
    memory_limited_ = incremental;
  }

  void WriteCompiled(const Node& node, const std::string& sql) {
    writer_.Write(CompiledPath(target_dir_, project_, node), sql + "\n");
  }

  Status Execute(const Node& node, const CompiledNode& compiled, warehouse::Connection& conn,
                 NodeResult& result) {
    switch (node.resource_type) {
      case ResourceType::kModel: {
        ASSIGN_OR_RETURN(ModelConfig config, ModelConfigOf(node, options_.full_refresh));
        config.pre_hooks = compiled.pre_hooks;
        config.post_hooks = compiled.post_hooks;
        CompiledModel model{node.name, compiled.relation, compiled.sql, std::move(config)};
        ASSIGN_OR_RETURN(MaterializeResult done, Materialize(adapter_, conn, model));
        if (model.config.materialized != Materialization::kEphemeral) {
          adapter_.Remember(model.relation.schema, model.relation.identifier,
                            model.config.materialized == Materialization::kView
                                ? warehouse::RelationKind::kView
                                : warehouse::RelationKind::kTable);
        }
        result.status = RunStatus::kSuccess;
        result.rows_affected = done.rows_affected;
        const std::string materialized = node.config.materialized();
        if (materialized == "view") {
          result.message = "CREATE VIEW";
        } else if (materialized == "incremental" && !done.full_build) {
          result.message = fmt::format("INSERT {}", done.rows_affected.value_or(0));
        } else {
          result.message = fmt::format("CREATE TABLE ({} rows)", done.rows_affected.value_or(0));
        }
        return OkStatus();
      }
      case ResourceType::kSnapshot: {
        ASSIGN_OR_RETURN(SnapshotConfig config, SnapshotConfigOf(node));
        CompiledSnapshot snapshot{node.name, compiled.relation, compiled.sql, std::move(config)};
        ASSIGN_OR_RETURN(SnapshotResult done, RunSnapshot(adapter_, conn, snapshot, Now()));
        adapter_.Remember(snapshot.relation.schema, snapshot.relation.identifier,
                          warehouse::RelationKind::kTable);
        result.status = RunStatus::kSuccess;
        result.rows_affected = done.rows_inserted + done.rows_closed;
        result.message = fmt::format("INSERT {}, CLOSED {}", done.rows_inserted, done.rows_closed);
        return OkStatus();
      }
      case ResourceType::kTest: {
        ASSIGN_OR_RETURN(TestConfig config, TestConfigOf(node, options_.store_failures));
        DataTest test{node.name, compiled.sql, config, compiler_.options().target.schema,
                      compiled.key_check};
        ASSIGN_OR_RETURN(DataTestResult done, RunDataTest(adapter_, conn, test));
        result.failures = done.failures;
        switch (done.status) {
          case TestStatus::kPass:
            result.status = RunStatus::kPass;
            result.message = "PASS";
            break;
          case TestStatus::kWarn:
            result.status = RunStatus::kWarn;
            result.message = fmt::format("Got {} result{}, configured to warn if {}", done.failures,
                                         done.failures == 1 ? "" : "s", config.warn_if);
            break;
          case TestStatus::kError:
            result.status = RunStatus::kFail;
            result.message = fmt::format("Got {} result{}, configured to fail if {}", done.failures,
                                         done.failures == 1 ? "" : "s", config.error_if);
            break;
        }
        if (done.stored_failures) {
          adapter_.Remember(done.stored_failures->schema, done.stored_failures->identifier,
                            warehouse::RelationKind::kTable);
          result.message += fmt::format("\n  See the failing rows: select * from {}",
                                        adapter_.QualifiedName(done.stored_failures->schema,
                                                               done.stored_failures->identifier));
        }
        return OkStatus();
      }
      default:
        return OkStatus();
    }
  }

  Status RunSeed(const Node& node, warehouse::Connection& conn, NodeResult& result) {
    SeedSpec spec;
    spec.name = node.name;
    spec.relation = compiler_.RelationOf(node);
    spec.csv_path = node.seed_file;
    const json& types = node.config.Get("column_types");
    if (types.is_object()) {
      for (const auto& [column, type] : types.items()) {
        if (type.is_string()) spec.column_types[column] = type.get<std::string>();
      }
    }
    TimingEntry execute{"execute", IsoTimestampNow(), ""};
    Result<int64_t> rows = LoadSeed(adapter_, conn, spec);
    execute.completed_at = IsoTimestampNow();
    result.timing.push_back(execute);
    if (!rows.ok()) return rows.status();
    adapter_.Remember(spec.relation.schema, spec.relation.identifier,
                      warehouse::RelationKind::kTable);
    result.status = RunStatus::kSuccess;
    result.rows_affected = *rows;
    result.message = fmt::format("INSERT {}", *rows);
    return OkStatus();
  }

  Status RunFreshness(const Node& node, warehouse::Connection& conn, NodeResult& result) {
    FreshnessConfig config;
    auto convert = [](const std::optional<FreshnessAfter>& after)
        -> Result<std::optional<FreshnessThreshold>> {
      if (!after) return std::optional<FreshnessThreshold>();
      FreshnessThreshold threshold;
      threshold.count = after->count;
      ASSIGN_OR_RETURN(threshold.period, ParseFreshnessPeriod(after->period));
      return std::optional<FreshnessThreshold>(threshold);
    };
    ASSIGN_OR_RETURN(config.warn_after, convert(node.freshness.warn_after));
    ASSIGN_OR_RETURN(config.error_after, convert(node.freshness.error_after));
    config.filter = node.freshness.filter;
    TimingEntry execute{"execute", IsoTimestampNow(), ""};
    ASSIGN_OR_RETURN(FreshnessResult done,
                     CheckFreshness(adapter_, conn, compiler_.RelationOf(node),
                                    node.loaded_at_field, config, Now()));
    execute.completed_at = IsoTimestampNow();
    result.timing.push_back(execute);
    const double age = std::chrono::duration<double>(done.age).count();
    switch (done.status) {
      case TestStatus::kPass:
        result.status = RunStatus::kPass;
        result.message = "pass";
        break;
      case TestStatus::kWarn:
        result.status = RunStatus::kWarn;
        result.message = fmt::format("warn: last loaded {:.0f}s ago", age);
        break;
      case TestStatus::kError:
        result.status = RunStatus::kError;
        result.message = fmt::format("stale: last loaded {:.0f}s ago", age);
        break;
    }
    json entry = {
        {"unique_id", node.unique_id},
        {"status", result.status == RunStatus::kPass   ? "pass"
                   : result.status == RunStatus::kWarn ? "warn"
                                                       : "error"},
        {"max_loaded_at", done.max_loaded_at
                              ? json(fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", *done.max_loaded_at))
                              : json(nullptr)},
        {"snapshotted_at", fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", done.snapshotted_at)},
        {"max_loaded_at_time_ago_in_s", age},
        {"criteria",
         {{"warn_after", node.freshness.warn_after
                             ? json{{"count", node.freshness.warn_after->count},
                                    {"period", node.freshness.warn_after->period}}
                             : json{{"count", nullptr}, {"period", nullptr}}},
          {"error_after", node.freshness.error_after
                              ? json{{"count", node.freshness.error_after->count},
                                     {"period", node.freshness.error_after->period}}
                              : json{{"count", nullptr}, {"period", nullptr}}},
          {"filter", node.freshness.filter.empty() ? json(nullptr) : json(node.freshness.filter)}}},
        {"thread_id", fmt::format("Thread-{}", result.thread_index + 1)},
    };
    std::lock_guard<std::mutex> lock(mu_);
    freshness_.push_back(std::move(entry));
    return OkStatus();
  }

  warehouse::Timestamp Now() const {
    if (options_.now) return *options_.now;
    return std::chrono::time_point_cast<std::chrono::microseconds>(
        std::chrono::system_clock::now());
  }

  const InvocationOptions& options_;
  Compiler& compiler_;
  const Project& project_;
  std::function<Result<warehouse::Database*>()> open_db_;
  std::once_flag db_once_;
  Result<warehouse::Database*> db_ = InternalError("the warehouse is not open");
  CachingDuckDbAdapter& adapter_;
  fs::path target_dir_;
  std::vector<std::unique_ptr<warehouse::Connection>> conns_;
  CompiledFileWriter writer_;
  std::once_flag infos_once_;
  Infos infos_;
  mutable std::mutex mu_;
  json freshness_ = json::array();  // guarded by mu_
  // IncrementalMemoryLimit ("" when off); whether DuckDB has it now (one thread only);
  // and whether each model and snapshot that ran did incremental work.
  const std::string incremental_memory_limit_;
  bool memory_limited_ = false;
  std::map<std::string, bool> incremental_nodes_;  // guarded by mu_
};

// dbt's "Finished running 3 view models, 2 table models, 5 data tests in ...".
std::string FinishedLine(const Project& project, const std::vector<NodeResult>& results,
                         double elapsed) {
  std::map<std::string, int> counts;
  for (const NodeResult& r : results) {
    const Node* node = project.Find(r.unique_id);
    if (node == nullptr) continue;
    switch (node->resource_type) {
      case ResourceType::kModel:
        ++counts[node->config.materialized() + " model"];
        break;
      case ResourceType::kSeed:
        ++counts["seed"];
        break;
      case ResourceType::kSnapshot:
        ++counts["snapshot"];
        break;
      case ResourceType::kTest:
        ++counts["data test"];
        break;
      case ResourceType::kSource:
        ++counts["source"];
        break;
    }
  }
  std::vector<std::string> parts;
  for (const auto& [what, n] : counts) parts.push_back(Plural(n, what));
  const int minutes = static_cast<int>(elapsed / 60);
  return fmt::format("Finished running {} in 0 hours {} minutes and {:.2f} seconds ({:.2f}s).",
                     parts.empty() ? "0 nodes" : Join(parts, ", "), minutes,
                     elapsed - minutes * 60.0, elapsed);
}

// catalog.json: the warehouse's columns of every node's relation, as dbt docs reads them.
Result<json> BuildCatalog(const Compiler& compiler, warehouse::Connection& conn,
                          const InvocationInfo& invocation) {
  json catalog = {{"metadata",
                   {{"dbt_schema_version", "https://schemas.getdbt.com/dbt/catalog/v1.json"},
                    {"dbt_version", "1.8.0"},
                    {"generated_at", invocation.generated_at},
                    {"invocation_id", invocation.invocation_id},
                    {"env", json::object()}}},
                  {"nodes", json::object()},
                  {"sources", json::object()},
                  {"errors", nullptr}};
  ASSIGN_OR_RETURN(warehouse::QueryResult rows,
                   conn.Query("select c.table_schema, c.table_name, c.column_name, c.data_type, "
                              "c.ordinal_position, t.table_type from information_schema.columns c "
                              "join information_schema.tables t using (table_catalog, "
                              "table_schema, table_name) order by 1, 2, 5"));
  std::map<std::pair<std::string, std::string>, json> tables;
  for (uint64_t r = 0; r < rows.row_count(); ++r) {
    ASSIGN_OR_RETURN(std::string schema, rows.GetString(0, r));
    ASSIGN_OR_RETURN(std::string table, rows.GetString(1, r));
    ASSIGN_OR_RETURN(std::string column, rows.GetString(2, r));
    ASSIGN_OR_RETURN(std::string type, rows.GetString(3, r));
    ASSIGN_OR_RETURN(int64_t index, rows.GetInt64(4, r));
    ASSIGN_OR_RETURN(std::string table_type, rows.GetString(5, r));
    json& entry = tables[{schema, table}];
    if (entry.is_null()) {
      entry = {{"metadata",
                {{"type", table_type},
                 {"schema", schema},
                 {"name", table},
                 {"database", compiler.database()},
                 {"comment", nullptr},
                 {"owner", nullptr}}},
               {"columns", json::object()},
               {"stats", json::object()}};
    }
    entry["columns"][column] = {
        {"type", type}, {"index", index}, {"name", column}, {"comment", nullptr}};
  }
  for (const auto& [id, node] : compiler.project().nodes()) {
    if (node.resource_type == ResourceType::kTest || compiler.IsEphemeral(node)) continue;
    const Relation relation = compiler.RelationOf(node);
    auto it = tables.find({relation.schema, relation.identifier});
    if (it == tables.end()) continue;
    json entry = it->second;
    entry["unique_id"] = id;
    catalog[node.resource_type == ResourceType::kSource ? "sources" : "nodes"][id] = entry;
  }
  return catalog;
}

std::string ListLine(const Node& node, const std::string& output, const Compiler& compiler) {
  if (output == "name") return node.name;
  if (output == "path") return node.original_file_path;
  if (output == "json") {
    return json{{"name", node.name},
                {"resource_type", ResourceTypeName(node.resource_type)},
                {"package_name", node.package_name},
                {"original_file_path", node.original_file_path},
                {"unique_id", node.unique_id},
                {"alias", compiler.RelationOf(node).identifier},
                {"config", node.config.values()},
                {"tags", node.config.tags()},
                {"depends_on", {{"nodes", node.depends_on}}}}
        .dump();
  }
  if (node.resource_type == ResourceType::kSource) {
    return fmt::format("source:{}.{}.{}", node.package_name, node.source_name, node.name);
  }
  return Join(node.fqn, ".");
}

}  // namespace

Status PrepareWarehouse(const ProfileTarget& target, warehouse::Database& db,
                        warehouse::Connection& conn) {
  RETURN_IF_ERROR(KeepFreedBlocks(target, db));
  return ApplyProfileSettings(target, warehouse::DuckDbAdapter(), conn);
}

Result<ProfileTarget> ResolveProjectTarget(const fs::path& project_dir,
                                           const std::optional<fs::path>& profiles_dir,
                                           const std::optional<std::string>& profile,
                                           const std::optional<std::string>& target,
                                           const EnvLookup& env) {
  std::string profile_name;
  if (profile) {
    profile_name = *profile;
  } else {
    const fs::path project_file = project_dir / "dbt_project.yml";
    ASSIGN_OR_RETURN(std::string text, ReadFile(project_file));
    ASSIGN_OR_RETURN(ConfigNode yml, ParseYamlConfig(text, project_file.string(), env));
    ASSIGN_OR_RETURN(std::string name, yml.GetString("name", ""));
    ASSIGN_OR_RETURN(profile_name, yml.GetString("profile", name));
  }
  if (profile_name.empty()) {
    return InvalidArgumentError(fmt::format(
        "{}: no `profile:` is set; name the profiles.yml profile to use (or pass --profile)",
        (project_dir / "dbt_project.yml").string()));
  }
  ASSIGN_OR_RETURN(fs::path profiles_file, FindProfilesFile(profiles_dir, project_dir, env));
  return LoadProfileTarget(profiles_file, profile_name, target, project_dir, env);
}

Result<InvocationResult> Invoke(const InvocationOptions& options) {
  const auto started = Clock::now();
  auto print = [&](const std::string& line) {
    if (options.print) {
      options.print(line + "\n");
    } else {
      std::fwrite(line.data(), 1, line.size(), stdout);
      std::fputc('\n', stdout);
      std::fflush(stdout);
    }
  };
  // SHOPLYTICS_TIMINGS=1 prints how long each phase took, for profiling.
  const bool timings = options.env("SHOPLYTICS_TIMINGS").value_or("") == "1";
  auto phase_start = Clock::now();
  auto phase = [&](const char* name) {
    if (!timings) return;
    const auto now = Clock::now();
    std::fprintf(stderr, "timing: %-13s %8.1f ms\n", name,
                 std::chrono::duration<double, std::milli>(now - phase_start).count());
    phase_start = now;
  };
  InvocationInfo invocation;
  invocation.invocation_id = NewInvocationId();
  invocation.generated_at = IsoTimestampNow();
  invocation.command = std::string(CommandName(options.command));

  const fs::path project_dir = fs::absolute(options.project_dir);
  ASSIGN_OR_RETURN(Project project, Project::Load(project_dir, options.env));
  phase("load project");
  for (const std::string& warning : project.warnings()) print("Warning: " + warning);

  ASSIGN_OR_RETURN(
      ProfileTarget target,
      ResolveProjectTarget(
          project_dir, options.profiles_dir,
          options.profile ? options.profile : std::optional<std::string>(project.profile()),
          options.target, options.env));
  const fs::path profiles_file = target.profiles_file;
  if (options.threads) target.threads = *options.threads;
  target.threads = std::max(1, target.threads);

  CompileOptions compile_options;
  compile_options.target = target;
  compile_options.full_refresh = options.full_refresh;
  const std::string warehouse_dialect = target.type.empty() ? "duckdb" : target.type;
  if (!options.dialect.empty() && options.dialect != warehouse_dialect) {
    if (options.command != Command::kCompile) {
      return InvalidArgumentError(fmt::format(
          "--dialect {}: only compile writes SQL for another warehouse than the profile's ({})",
          options.dialect, warehouse_dialect));
    }
    if (options.dialect != "postgres") {
      return InvalidArgumentError(
          fmt::format("--dialect {}: the dialects are duckdb and postgres", options.dialect));
    }
  }
  compile_options.dialect = options.dialect;
  compile_options.env = options.env;
  if (!Trim(options.vars_yaml).empty()) {
    ASSIGN_OR_RETURN(ConfigNode vars, ParseYamlConfig(options.vars_yaml, "--vars", options.env));
    ASSIGN_OR_RETURN(compile_options.vars, YamlToJson(vars));
    if (!compile_options.vars.is_object()) {
      return InvalidArgumentError(
          "--vars: expected a mapping such as '{start_date: \"2024-01-01\"}'");
    }
  }
  compile_options.log = [&](const std::string& message) { print(ClockPrefix() + "  " + message); };

  CachingDuckDbAdapter adapter;
  ASSIGN_OR_RETURN(std::unique_ptr<Compiler> compiler,
                   Compiler::Create(std::move(project), adapter, compile_options));
  phase("parse");
  const Project& loaded = compiler->project();
  const fs::path target_dir = options.target_path ? fs::absolute(*options.target_path)
                                                  : project_dir / loaded.paths().target_path;

  SelectionOptions selection;
  selection.select = options.select;
  selection.exclude = options.exclude;
  if (options.indirect_selection == "cautious") {
    selection.indirect = IndirectSelection::kCautious;
  } else if (options.indirect_selection == "empty") {
    selection.indirect = IndirectSelection::kEmpty;
  } else if (options.indirect_selection != "eager") {
    return InvalidArgumentError("--indirect-selection: expected eager, cautious or empty, not '" +
                                options.indirect_selection + "'");
  }
  ASSIGN_OR_RETURN(std::set<std::string> selected,
                   SelectNodes(loaded, compiler->graph(), selection));
  phase("select");
  std::set<ResourceType> types = CommandTypes(options.command);
  if (options.command == Command::kList && !options.resource_types.empty()) {
    types.clear();
    for (const std::string& name : options.resource_types) {
      bool known = false;
      for (ResourceType type : {ResourceType::kModel, ResourceType::kSeed, ResourceType::kSnapshot,
                                ResourceType::kTest, ResourceType::kSource}) {
        if (ResourceTypeName(type) == name) {
          types.insert(type);
          known = true;
        }
      }
      if (!known) {
        return InvalidArgumentError(
            "--resource-type: expected model, seed, snapshot, test or "
            "source, not '" +
            name + "'");
      }
    }
  }
  std::set<std::string> keep;
  for (const std::string& id : selected) {
    const Node* node = loaded.Find(id);
    if (node == nullptr || !types.contains(node->resource_type)) continue;
    if (options.command != Command::kList && compiler->IsEphemeral(*node)) continue;
    if (options.command == Command::kSourceFreshness &&
        (!node->freshness.IsSet() || node->loaded_at_field.empty())) {
      continue;
    }
    keep.insert(id);
  }

  InvocationResult out;
  out.target_dir = target_dir;

  if (options.command == Command::kList) {
    for (const std::string& id : keep) {
      std::string line = ListLine(*loaded.Find(id), options.output, *compiler);
      print(line);
      out.listed.push_back(std::move(line));
    }
    return out;
  }

  // The warehouse: created on first use, as dbt-duckdb does. compile opens it only when a
  // node reads it (is_incremental, run_query). DuckDB's allocator keeps the memory it frees
  // until the warehouse has closed (declared first, it ends last: allocator_memory.h).
  std::optional<warehouse::RetainedAllocatorMemory> retained_memory;
  std::optional<warehouse::Database> db;
  auto open_db = [&]() -> Result<warehouse::Database*> {
    if (db) return &*db;
    if (!retained_memory) retained_memory.emplace();
    if (target.path != ":memory:") {
      std::error_code ec;
      fs::create_directories(fs::path(target.path).parent_path(), ec);
    }
    Result<warehouse::Database> opened = target.path == ":memory:"
                                             ? warehouse::Database::OpenInMemory()
                                             : warehouse::Database::Open(target.path);
    if (!opened.ok()) {
      return Status(opened.status().code(),
                    fmt::format("cannot open the warehouse of profile '{}' target '{}' ({}): {}",
                                target.profile_name, target.target_name, target.path,
                                opened.status().message()));
    }
    db.emplace(std::move(opened).value());
    RETURN_IF_ERROR(KeepFreedBlocks(target, *db));
    return &*db;
  };
  if (options.command != Command::kCompile) RETURN_IF_ERROR(open_db().status());

  // In build, children of a model wait for the model's single-parent tests.
  std::map<std::string, Node> plan_nodes = loaded.nodes();
  if (options.command == Command::kBuild) {
    const Graph& graph = compiler->graph();
    for (const std::string& id : keep) {
      const Node& test = loaded.nodes().at(id);
      if (test.resource_type != ResourceType::kTest || test.depends_on.size() != 1) continue;
      for (const std::string& child : graph.Children(test.depends_on[0])) {
        Node& child_node = plan_nodes.at(child);
        if (child_node.resource_type == ResourceType::kTest) continue;
        child_node.depends_on.push_back(id);
      }
    }
  }
  ASSIGN_OR_RETURN(Graph full_plan, Graph::Build(plan_nodes));
  const Graph plan = full_plan.Subgraph(keep);

  Invocation invocation_state(options, *compiler, open_db, adapter, target_dir, target.threads);

  if (!keep.empty()) {
    print(fmt::format("{}  Running with shoplytics on profile {} target {} ({} thread{})",
                      ClockPrefix(), target.profile_name, target.target_name, target.threads,
                      target.threads == 1 ? "" : "s"));
    print("");
  } else {
    print(ClockPrefix() + "  Nothing to do. Try checking your model configs and selection: " +
          "no nodes match --select/--exclude for '" + std::string(CommandName(options.command)) +
          "'.");
  }

  // The manifest, built on another thread while the nodes run: everything but the
  // compiled SQL is known once the project is parsed.
  invocation.args = {
      {"which", invocation.command},         {"select", options.select},
      {"exclude", options.exclude},          {"full_refresh", options.full_refresh},
      {"threads", target.threads},           {"vars", compile_options.vars},
      {"project_dir", project_dir.string()}, {"profiles_dir", profiles_file.parent_path().string()},
      {"target", target.target_name}};
  std::map<std::string, std::string> docs(compiler->environment().docs().begin(),
                                          compiler->environment().docs().end());
  std::future<json> manifest_future = std::async(std::launch::async, [&] {
    return BuildManifest(loaded, compiler->graph(), compiler->Infos(), compiler->macros(), docs,
                         invocation);
  });

  const bool compile_only =
      options.command == Command::kCompile || options.command == Command::kDocsGenerate;
  ExecutorOptions executor;
  executor.threads = target.threads;
  executor.fail_fast = options.fail_fast;
  // With more than one thread, the last run's node times, so that the slowest chain starts
  // first; without them, a guess by kind: tables, incremental models, snapshots and seeds
  // write data, views and tests mostly read a little. One thread runs in topological
  // order and needs neither (nor reading a run_results.json of several MB).
  if (target.threads > 1) {
    executor.expected_seconds = ReadNodeSeconds(target_dir / "run_results.json");
    if (executor.expected_seconds.empty()) {
      for (const std::string& id : plan.nodes()) {
        const Node* found = loaded.Find(id);
        const bool light = found == nullptr || found->resource_type == ResourceType::kTest ||
                           found->resource_type == ResourceType::kSource ||
                           found->config.materialized() == "view" ||
                           found->config.materialized() == "ephemeral";
        executor.expected_seconds[id] = light ? 0.1 : 1;
      }
    }
  }
  std::mutex print_mu;
  out.results = ExecuteGraph(
      plan, executor,
      [&](const std::string& id, int thread_index) {
        return invocation_state.Run(id, thread_index);
      },
      [&](const NodeEvent& event) {
        const Node& node = *loaded.Find(event.unique_id);
        if (event.kind == NodeEvent::kStart) {
          if (compile_only) return;
          print(
              ProgressLine(event.index, event.total, "START " + Describe(node, *compiler), "RUN"));
          return;
        }
        // compile and docs generate report only the nodes that failed, as dbt does.
        if (compile_only && event.result->status != RunStatus::kError) return;
        std::string status;
        std::string text = FinishText(node, *event.result, *compiler, &status);
        print(ProgressLine(event.index, event.total, text, status));
      });
  out.elapsed_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  phase("execute");

  // The manifest was built while the nodes ran; add what compiling them produced.
  json manifest = manifest_future.get();
  phase("manifest wait");
  for (const NodeResult& r : out.results) {
    if (r.compiled_code.empty()) continue;
    auto it = manifest["nodes"].find(r.unique_id);
    if (it != manifest["nodes"].end()) {
      SetCompiledFields(loaded, *loaded.Find(r.unique_id), &r.compiled_code, *it);
    }
  }
  phase("manifest patch");
  {
    // Two files of several MB for big projects: written side by side.
    std::future<Status> manifest_written = std::async(
        std::launch::async, [&] { return WriteJsonFile(target_dir / "manifest.json", manifest); });
    Status results_written =
        WriteJsonFile(target_dir / "run_results.json",
                      BuildRunResults(out.results, out.elapsed_seconds, invocation));
    RETURN_IF_ERROR(manifest_written.get());
    RETURN_IF_ERROR(results_written);
  }
  phase("artifacts");
  if (options.command == Command::kSourceFreshness) {
    json sources = {{"metadata",
                     {{"dbt_schema_version", "https://schemas.getdbt.com/dbt/sources/v3.json"},
                      {"dbt_version", "1.8.0"},
                      {"generated_at", invocation.generated_at},
                      {"invocation_id", invocation.invocation_id},
                      {"env", json::object()}}},
                    {"results", invocation_state.sources_results()},
                    {"elapsed_time", out.elapsed_seconds}};
    RETURN_IF_ERROR(WriteJsonFile(target_dir / "sources.json", sources));
  }
  if (options.command == Command::kDocsGenerate) {
    ASSIGN_OR_RETURN(warehouse::Database * opened, open_db());
    ASSIGN_OR_RETURN(warehouse::Connection conn, warehouse::Connection::Open(*opened));
    RETURN_IF_ERROR(invocation_state.ApplySettings(conn));
    ASSIGN_OR_RETURN(json catalog, BuildCatalog(*compiler, conn, invocation));
    RETURN_IF_ERROR(WriteJsonFile(target_dir / "catalog.json", catalog));
    RETURN_IF_ERROR(WriteDocsSite(manifest, catalog, target_dir));
    print(fmt::format("{}  Catalog written to {}", ClockPrefix(),
                      (target_dir / "catalog.json").string()));
    print(fmt::format("{}  Docs site written to {}: open it in a browser, or serve the folder",
                      ClockPrefix(), (target_dir / "index.html").string()));
  }

  // The summary.
  std::vector<const NodeResult*> problems;
  for (const NodeResult& r : out.results) {
    ++out.summary.total;
    switch (r.status) {
      case RunStatus::kSuccess:
      case RunStatus::kPass:
        ++out.summary.pass;
        break;
      case RunStatus::kWarn:
        ++out.summary.warn;
        problems.push_back(&r);
        break;
      case RunStatus::kFail:
      case RunStatus::kError:
        ++out.summary.error;
        problems.push_back(&r);
        break;
      case RunStatus::kSkipped:
        ++out.summary.skip;
        break;
    }
  }
  // compile of one model or snapshot (its tests aside) prints its SQL, as dbt does.
  if (options.command == Command::kCompile) {
    const NodeResult* only = nullptr;
    int non_tests = 0;
    for (const NodeResult& r : out.results) {
      if (loaded.Find(r.unique_id)->resource_type == ResourceType::kTest) continue;
      ++non_tests;
      only = &r;
    }
    if (non_tests == 1 && only->status != RunStatus::kError &&
        only->status != RunStatus::kSkipped) {
      print("");
      print("Compiled node '" + loaded.Find(only->unique_id)->name + "' is:");
      print(only->compiled_code);
      out.listed.push_back(only->compiled_code);
    }
  }
  print("");
  print(ClockPrefix() + "  " + FinishedLine(loaded, out.results, out.elapsed_seconds));
  if (!problems.empty()) {
    print("");
    print(fmt::format("{}  Completed with {} and {}:", ClockPrefix(),
                      Plural(out.summary.error, "error"), Plural(out.summary.warn, "warning")));
    for (const NodeResult* r : problems) {
      const Node& node = *loaded.Find(r->unique_id);
      const char* kind = r->status == RunStatus::kWarn   ? "Warning in"
                         : r->status == RunStatus::kFail ? "Failure in"
                                                         : "Runtime Error in";
      print("");
      print(fmt::format("{}  {} {} {} ({})", ClockPrefix(), kind,
                        ResourceTypeName(node.resource_type), node.name, node.original_file_path));
      for (const std::string& line : Split(r->message, '\n')) print("  " + line);
      if (!r->compiled_code.empty()) {
        print(fmt::format(
            "  compiled code at {}",
            fs::relative(CompiledPath(target_dir, loaded, node), project_dir).string()));
      }
    }
  } else if (out.summary.total > 0) {
    print("");
    print(ClockPrefix() + "  Completed successfully");
  }
  print("");
  print(ClockPrefix() + "  " + DoneLine(out.summary));
  out.exit_code = out.summary.error > 0 ? 1 : 0;
  return out;
}

}  // namespace shoplytics::transform
