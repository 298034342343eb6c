#include "transform/compiler.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <regex>

#include "common/files.h"
#include "common/strings.h"
#include "transform/data_tests.h"

namespace shoplytics::transform {

using jinja::CallArgs;
using jinja::Dict;
using jinja::List;
using jinja::Value;
using json = nlohmann::json;

// What parsing a node recorded.
struct Compiler::Parsed {
  std::shared_ptr<const jinja::Template> tmpl;
  std::string text;  // the parse rendering, with relation placeholders
  bool sensitive = false;
  std::vector<std::string> depends_on;
  std::vector<std::vector<std::string>> refs;
  std::vector<std::pair<std::string, std::string>> sources;
  std::set<std::string> macros;
  json config_layer = json::object();
};

namespace {

// Placeholders the parse rendering holds for a ref's relation, filled in by Substitute.
// Control characters that SQL and templates never contain.
constexpr char kOpen = '\x1e';
constexpr char kClose = '\x1f';
std::string Placeholder(char part, std::string_view unique_id) {
  return fmt::format("{}{}{}{}", kOpen, part, unique_id, kClose);
}

// One SELECT statement: its first word, after spaces and comments, is SELECT, and no ';'
// ends it early (a trailing one aside). What a test's run_query may reuse (ForgetReads).
bool IsSingleSelect(std::string_view sql) {
  size_t i = 0;
  while (i < sql.size()) {
    if (std::isspace(static_cast<unsigned char>(sql[i]))) {
      ++i;
    } else if (sql.substr(i, 2) == "--") {
      i = sql.find('\n', i);
      if (i == std::string_view::npos) return false;
    } else if (sql.substr(i, 2) == "/*") {
      i = sql.find("*/", i + 2);
      if (i == std::string_view::npos) return false;
      i += 2;
    } else {
      break;
    }
  }
  std::string_view rest = sql.substr(i);
  if (rest.size() <= 6 || ToLower(rest.substr(0, 6)) != "select") return false;
  const unsigned char after = static_cast<unsigned char>(rest[6]);
  if (std::isalnum(after) || after == '_') return false;
  const size_t semicolon = rest.find(';');
  return semicolon == std::string_view::npos ||
         rest.find_first_not_of(" \t\r\n", semicolon + 1) == std::string_view::npos;
}

// A copy that shares no list or dict with `value`: a template may change what run_query
// gave it (rows.append), and a reused result must not carry that to the next test.
Value DeepCopy(const Value& value) {
  if (value.is_list()) {
    List out;
    out.reserve(value.as_list().size());
    for (const Value& item : value.as_list()) out.push_back(DeepCopy(item));
    return Value(std::move(out));
  }
  if (value.is_dict()) {
    Dict out;
    for (const auto& [key, item] : value.as_dict()) out.Set(key, DeepCopy(item));
    return Value(std::move(out));
  }
  return value;
}

bool MentionsWarehouse(std::string_view text) {
  for (std::string_view word :
       {"execute", "run_query", "is_incremental", "load_result", "get_relation", "load_relation"}) {
    if (text.find(word) != std::string_view::npos) return true;
  }
  return false;
}

Value JsonToValue(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
      return Value::None();
    case json::value_t::boolean:
      return Value(value.get<bool>());
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return Value(value.get<int64_t>());
    case json::value_t::number_float:
      return Value(value.get<double>());
    case json::value_t::string:
      return Value(value.get<std::string>());
    case json::value_t::array: {
      List list;
      for (const json& item : value) list.push_back(JsonToValue(item));
      return Value(std::move(list));
    }
    case json::value_t::object:
    case json::value_t::binary: {
      Dict dict;
      for (const auto& [key, item] : value.items()) dict.Set(key, JsonToValue(item));
      return Value(std::move(dict));
    }
  }
  return Value::None();
}

Result<json> ValueToJson(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone:
      return json(nullptr);
    case Value::Kind::kBool:
      return json(value.as_bool());
    case Value::Kind::kInt:
      return json(value.as_int());
    case Value::Kind::kDouble:
      return json(value.as_double());
    case Value::Kind::kString:
      return json(value.as_string());
    case Value::Kind::kList: {
      json out = json::array();
      for (const Value& item : value.as_list()) {
        ASSIGN_OR_RETURN(json converted, ValueToJson(item));
        out.push_back(std::move(converted));
      }
      return out;
    }
    case Value::Kind::kDict: {
      // A relation (or any object that prints as a string) is its text.
      if (const Value* str = value.as_dict().Find("__str__"); str && str->is_string()) {
        return json(str->as_string());
      }
      json out = json::object();
      for (const auto& [key, item] : value.as_dict()) {
        ASSIGN_OR_RETURN(json converted, ValueToJson(item));
        out[key] = std::move(converted);
      }
      return out;
    }
    case Value::Kind::kCallable:
      return InvalidArgumentError("a function cannot be a config value");
  }
  return json(nullptr);
}

std::string ArgString(const CallArgs& args, size_t index, std::string_view name) {
  const Value* value = args.Get(index, name);
  return value != nullptr && value->is_string() ? value->as_string() : std::string();
}

// The locals of a macro the compiler calls directly (a generic test, get_where_subquery)
// at run time: `execute` is true, as in a node's rendering.
Dict ExecutingLocals() {
  Dict locals;
  locals.Set("execute", Value(true));
  return locals;
}

// A string field of a relation value (a dict), or "" when it has none.
std::string RelationField(const Value& relation, const char* key) {
  const Value* value = relation.as_dict().Find(key);
  return value != nullptr && value->is_string() ? value->as_string() : std::string();
}

// A cell of run_query's table typed as dbt's agate table types it: integers as ints,
// floating and decimal numbers as floats, booleans as bools, anything else as its text
// (dates and timestamps too: cast in the SQL to compare them).
Result<Value> CellValue(warehouse::QueryResult& result, uint64_t col, uint64_t row) {
  const duckdb_type type = result.column_type(col);
  if (type == DUCKDB_TYPE_BOOLEAN) {
    ASSIGN_OR_RETURN(std::string text, result.GetString(col, row));
    return Value(text == "true");
  }
  if (warehouse::IsIntegralType(type)) {
    Result<int64_t> number = result.GetInt64(col, row);
    if (number.ok()) return Value(*number);  // else beyond 64 bits: its text
  } else if (warehouse::IsNumericType(type)) {
    ASSIGN_OR_RETURN(double number, result.GetDouble(col, row));
    return Value(number);
  }
  ASSIGN_OR_RETURN(std::string text, result.GetString(col, row));
  return Value(std::move(text));
}

// A relation as templates see it: prints as its quoted name, with dbt's attributes.
Value RelationValue(std::string text, std::string database, std::string schema,
                    std::string identifier) {
  Dict dict;
  dict.Set("__str__", Value(std::move(text)));
  dict.Set("database", Value(std::move(database)));
  dict.Set("schema", Value(std::move(schema)));
  dict.Set("name", Value(identifier));
  dict.Set("identifier", Value(std::move(identifier)));
  return Value(std::move(dict));
}

// Where a source table is read: its schema (default: the source's name) and identifier
// (default: the table's name).
Relation SourceRelation(const Node& source) {
  return Relation{source.schema.empty() ? source.source_name : source.schema,
                  source.identifier.empty() ? source.name : source.identifier};
}

}  // namespace

// The per-render state the context functions read. One render runs on one thread, and
// macros it calls run on that thread too, so a thread-local pointer reaches it from the
// globals without building a context per render.
class Compiler::Context {
 public:
  Context(const Compiler& compiler, const Node& node, bool execute, warehouse::Connection* conn,
          bool is_incremental, Parsed* record)
      : compiler_(compiler),
        node_(node),
        execute_(execute),
        conn_(conn),
        is_incremental_(is_incremental),
        record_(record),
        previous_(current_) {
    current_ = this;
  }
  ~Context() { current_ = previous_; }

  static Result<Context*> Current(std::string_view function) {
    if (current_ == nullptr) {
      return InvalidArgumentError(fmt::format("{}() is only available inside a node", function));
    }
    return current_;
  }

  const Compiler& compiler() const { return compiler_; }
  const Node& node() const { return node_; }
  bool execute() const { return execute_; }
  warehouse::Connection* conn() const { return conn_; }
  bool is_incremental() const { return is_incremental_; }
  Parsed* record() const { return record_; }  // null when not parsing

  void AddDependency(const std::string& unique_id) {
    if (record_ == nullptr) return;
    auto& deps = record_->depends_on;
    if (std::find(deps.begin(), deps.end(), unique_id) == deps.end()) deps.push_back(unique_id);
  }
  void MarkSensitive() {
    if (record_ != nullptr) record_->sensitive = true;
  }

 private:
  static thread_local Context* current_;
  const Compiler& compiler_;
  const Node& node_;
  bool execute_;
  warehouse::Connection* conn_;
  bool is_incremental_;
  Parsed* record_;
  Context* previous_;
};

thread_local Compiler::Context* Compiler::Context::current_ = nullptr;

Compiler::Compiler(Project project, const warehouse::SqlAdapter& adapter, CompileOptions options)
    : project_(std::move(project)),
      adapter_(adapter),
      options_(std::move(options)),
      env_(std::make_unique<jinja::Environment>()) {
  const std::string& path = options_.target.path;
  database_ =
      path.empty() || path == ":memory:" ? "memory" : std::filesystem::path(path).stem().string();
}

Compiler::~Compiler() = default;

Result<std::unique_ptr<Compiler>> Compiler::Create(Project project,
                                                   const warehouse::SqlAdapter& adapter,
                                                   CompileOptions options) {
  std::unique_ptr<Compiler> compiler(new Compiler(std::move(project), adapter, std::move(options)));
  RETURN_IF_ERROR(compiler->RegisterMacros());
  RETURN_IF_ERROR(compiler->Parse());
  return compiler;
}

Status Compiler::RegisterMacros() {
  jinja::Environment& env = *env_;
  const Compiler* self = this;

  // --- Globals that read the current node through Context.
  env.SetGlobal(
      "ref", Value::Function("ref", [self](const CallArgs& args) -> Result<Value> {
        ASSIGN_OR_RETURN(Context * ctx, Context::Current("ref"));
        if (args.positional.empty() || args.positional.size() > 2) {
          return InvalidArgumentError("ref() takes a model name, or a package and a model name");
        }
        std::string package;
        std::string name = args.positional.back().ToString();
        if (args.positional.size() == 2) package = args.positional[0].ToString();
        Result<const Node*> found = self->project_.FindRef(name, package);
        if (!found.ok()) {
          const auto& disabled = self->project_.disabled();
          for (std::string_view type : {"model", "seed", "snapshot"}) {
            const std::string id = fmt::format("{}.{}.{}", type, self->project_.name(), name);
            if (std::find(disabled.begin(), disabled.end(), id) != disabled.end()) {
              return NotFoundError(fmt::format("ref '{}' names {}, which is disabled", name, id));
            }
          }
          return found.status();
        }
        const Node* target = *found;
        ctx->AddDependency(target->unique_id);
        if (Parsed* record = ctx->record()) {
          std::vector<std::string> ref = package.empty() ? std::vector<std::string>{name}
                                                         : std::vector<std::string>{package, name};
          if (std::find(record->refs.begin(), record->refs.end(), ref) == record->refs.end()) {
            record->refs.push_back(std::move(ref));
          }
        }
        return self->RelationValueOf(*target);
      }));

  env.SetGlobal("source", Value::Function("source", [self](const CallArgs& args) -> Result<Value> {
                  ASSIGN_OR_RETURN(Context * ctx, Context::Current("source"));
                  if (args.positional.size() != 2) {
                    return InvalidArgumentError("source() takes a source name and a table name");
                  }
                  const std::string source = args.positional[0].ToString();
                  const std::string table = args.positional[1].ToString();
                  ASSIGN_OR_RETURN(const Node* node, self->project_.FindSource(source, table));
                  ctx->AddDependency(node->unique_id);
                  if (Parsed* record = ctx->record()) {
                    std::pair<std::string, std::string> entry{source, table};
                    if (std::find(record->sources.begin(), record->sources.end(), entry) ==
                        record->sources.end()) {
                      record->sources.push_back(std::move(entry));
                    }
                  }
                  const Relation relation = self->RelationOf(*node);
                  std::string text =
                      self->adapter_.QualifiedName(relation.schema, relation.identifier);
                  if (!node->database.empty())
                    text = self->adapter_.QuoteIdentifier(node->database) + "." + text;
                  return RelationValue(std::move(text),
                                       node->database.empty() ? self->database_ : node->database,
                                       relation.schema, relation.identifier);
                }));

  // config(...) records a layer while parsing; config.get / config.require read the node's.
  Dict config;
  config.Set(
      "__call__", Value::Function("config", [](const CallArgs& args) -> Result<Value> {
        ASSIGN_OR_RETURN(Context * ctx, Context::Current("config"));
        Parsed* record = ctx->record();
        if (record == nullptr) return Value("");
        for (const Value& positional : args.positional) {
          if (!positional.is_dict())
            return InvalidArgumentError("config() takes key=value arguments");
          ASSIGN_OR_RETURN(json layer, ValueToJson(positional));
          for (auto& [key, item] : layer.items()) record->config_layer[key] = item;
        }
        for (const auto& [key, item] : args.keyword) {
          ASSIGN_OR_RETURN(json converted, ValueToJson(item));
          std::string normalized = key;
          std::replace(normalized.begin(), normalized.end(), '-', '_');
          // Lists accumulate across calls as across layers.
          json& slot = record->config_layer[normalized];
          if ((normalized == "tags" || normalized == "pre_hook" || normalized == "post_hook") &&
              !slot.is_null()) {
            if (!slot.is_array()) slot = json::array({slot});
            if (converted.is_array()) {
              for (auto& v : converted) slot.push_back(v);
            } else {
              slot.push_back(converted);
            }
          } else {
            slot = std::move(converted);
          }
        }
        return Value("");
      }));
  auto config_get = [](bool require) {
    return [require](const CallArgs& args) -> Result<Value> {
      ASSIGN_OR_RETURN(Context * ctx, Context::Current("config.get"));
      std::string key = ArgString(args, 0, "name");
      std::replace(key.begin(), key.end(), '-', '_');
      if (Parsed* record = ctx->record()) {
        if (auto it = record->config_layer.find(key); it != record->config_layer.end()) {
          return JsonToValue(*it);
        }
      }
      const json& value = ctx->node().config.Get(key);
      if (!value.is_null()) return JsonToValue(value);
      if (require) {
        return InvalidArgumentError(fmt::format("config '{}' is required but not set", key));
      }
      const Value* fallback = args.Get(1, "default");
      return fallback != nullptr ? *fallback : Value::None();
    };
  };
  config.Set("get", Value::Function("config.get", config_get(false)));
  config.Set("require", Value::Function("config.require", config_get(true)));
  env.SetGlobal("config", Value(std::move(config)));

  // var(): --vars, then the project's vars (those scoped to this project first).
  Dict vars;
  {
    ASSIGN_OR_RETURN(json project_vars, YamlToJson(project_.vars()));
    if (project_vars.is_object()) {
      for (const auto& [key, value] : project_vars.items()) {
        if (key != project_.name() || !value.is_object()) vars.Set(key, JsonToValue(value));
      }
      if (auto scoped = project_vars.find(project_.name());
          scoped != project_vars.end() && scoped->is_object()) {
        for (const auto& [key, value] : scoped->items()) vars.Set(key, JsonToValue(value));
      }
    }
    if (options_.vars.is_object()) {
      for (const auto& [key, value] : options_.vars.items()) vars.Set(key, JsonToValue(value));
    }
  }
  auto shared_vars = std::make_shared<Dict>(std::move(vars));
  env.SetGlobal(
      "var", Value::Function("var", [shared_vars](const CallArgs& args) -> Result<Value> {
        const std::string name = ArgString(args, 0, "name");
        if (const Value* value = shared_vars->Find(name)) return *value;
        if (const Value* fallback = args.Get(1, "default")) return *fallback;
        std::string node = "the project";
        if (Result<Context*> ctx = Context::Current("var"); ctx.ok())
          node = (*ctx)->node().unique_id;
        return InvalidArgumentError(fmt::format(
            "required var '{}' not found: set it under vars: in dbt_project.yml or pass --vars "
            "'{{{}: ...}}' (in {})",
            name, name, node));
      }));

  const EnvLookup env_lookup = options_.env;
  env.SetGlobal(
      "env_var", Value::Function("env_var", [env_lookup](const CallArgs& args) -> Result<Value> {
        const std::string name = ArgString(args, 0, "var");
        if (std::optional<std::string> value = env_lookup(name)) return Value(*value);
        if (const Value* fallback = args.Get(1, "default")) return *fallback;
        return InvalidArgumentError(
            fmt::format("env var required but not provided: '{}'; export it or give env_var a "
                        "default",
                        name));
      }));

  env.SetGlobal("is_incremental",
                Value::Function("is_incremental", [](const CallArgs&) -> Result<Value> {
                  ASSIGN_OR_RETURN(Context * ctx, Context::Current("is_incremental"));
                  ctx->MarkSensitive();
                  return Value(ctx->is_incremental());
                }));

  env.SetGlobal("run_query",
                Value::Function("run_query", [](const CallArgs& args) -> Result<Value> {
                  ASSIGN_OR_RETURN(Context * ctx, Context::Current("run_query"));
                  ctx->MarkSensitive();
                  if (!ctx->execute()) return Value::None();  // dbt's parser does the same
                  if (ctx->conn() == nullptr) {
                    return FailedPreconditionError("run_query needs a warehouse connection");
                  }
                  const std::string sql = ArgString(args, 0, "sql");
                  const bool reusable = ctx->node().resource_type == ResourceType::kTest &&
                                        IsSingleSelect(sql);
                  uint64_t generation = 0;
                  if (reusable) {
                    if (std::optional<Value> read = ctx->compiler().ReadBefore(sql, &generation)) {
                      return *std::move(read);
                    }
                  }
                  ASSIGN_OR_RETURN(warehouse::QueryResult result, ctx->conn()->Query(sql));
                  // A table: .columns (names), .rows (lists), and iteration over rows.
                  // Cells are typed as dbt's agate table types them (CellValue).
                  List columns;
                  for (uint64_t c = 0; c < result.column_count(); ++c) {
                    columns.push_back(Value(result.column_name(c)));
                  }
                  List rows;
                  for (uint64_t r = 0; r < result.row_count(); ++r) {
                    List row;
                    for (uint64_t c = 0; c < result.column_count(); ++c) {
                      ASSIGN_OR_RETURN(bool is_null, result.IsNull(c, r));
                      if (is_null) {
                        row.push_back(Value::None());
                        continue;
                      }
                      ASSIGN_OR_RETURN(Value cell, CellValue(result, c, r));
                      row.push_back(std::move(cell));
                    }
                    rows.push_back(Value(std::move(row)));
                  }
                  Dict table;
                  table.Set("column_names", Value(columns));
                  table.Set("columns", Value(std::move(columns)));
                  table.Set("rows", Value(std::move(rows)));
                  Value out(std::move(table));
                  if (reusable) ctx->compiler().RememberRead(sql, out, generation);
                  return out;
                }));

  auto log_sink = options_.log;
  env.SetGlobal("log", Value::Function("log", [log_sink](const CallArgs& args) -> Result<Value> {
                  // The first parse pass sees placeholders for relations; the second
                  // pass renders the same template with real names and logs instead.
                  if (Result<Context*> ctx = Context::Current("log");
                      ctx.ok() && (*ctx)->record() != nullptr) {
                    return Value("");
                  }
                  const Value* message = args.Get(0, "msg");
                  const Value* info = args.Get(1, "info");
                  if (message != nullptr && info != nullptr && info->Truthy()) {
                    if (log_sink) {
                      log_sink(message->ToString());
                    } else {
                      std::fprintf(stderr, "%s\n", message->ToString().c_str());
                    }
                  }
                  return Value("");
                }));

  env.SetGlobal(
      "doc", Value::Function("doc", [self](const CallArgs& args) -> Result<Value> {
        const std::string name = args.positional.empty() ? "" : args.positional.back().ToString();
        if (const std::string* text = self->env_->FindDoc(name)) return Value(*text);
        return NotFoundError(fmt::format("docs block '{}' not found in the macro paths", name));
      }));

  Dict target;
  target.Set("name", Value(options_.target.target_name));
  target.Set("profile_name", Value(options_.target.profile_name));
  const std::string dialect = !options_.dialect.empty()       ? options_.dialect
                              : !options_.target.type.empty() ? options_.target.type
                                                              : "duckdb";
  target.Set("type", Value(dialect));
  target.Set("schema", Value(options_.target.schema));
  target.Set("database", Value(database_));
  target.Set("path", Value(options_.target.path));
  target.Set("threads", Value(int64_t{options_.target.threads}));
  env.SetGlobal("target", Value(std::move(target)));

  Dict adapter;
  adapter.Set("type", Value(dialect));
  adapter.Set("quote",
              Value::Function("adapter.quote", [self](const CallArgs& args) -> Result<Value> {
                return Value(self->adapter_.QuoteIdentifier(ArgString(args, 0, "identifier")));
              }));
  // adapter.dispatch('name'): the dialect's implementation (duckdb__name), else default__.
  adapter.Set(
      "dispatch",
      Value::Function("adapter.dispatch", [self, dialect](const CallArgs& args) -> Result<Value> {
        const std::string name = ArgString(args, 0, "macro_name");
        for (const std::string& candidate : {dialect + "__" + name, "default__" + name}) {
          if (const Value* macro = self->env_->FindGlobal(candidate)) return *macro;
        }
        return NotFoundError(fmt::format("adapter.dispatch('{}'): no macro {}__{} or default__{}",
                                         name, dialect, name, name));
      }));
  // adapter.get_relation(database, schema, identifier) and load_relation(relation): the
  // relation when the warehouse holds it, else none (always none while parsing, as in dbt).
  auto get_relation = [self](std::string_view function, const std::string& schema,
                             const std::string& identifier) -> Result<Value> {
    ASSIGN_OR_RETURN(Context * ctx, Context::Current(function));
    ctx->MarkSensitive();
    if (!ctx->execute() || ctx->conn() == nullptr) return Value::None();
    ASSIGN_OR_RETURN(warehouse::RelationKind kind,
                     self->adapter_.GetRelationKind(*ctx->conn(), schema, identifier));
    if (kind == warehouse::RelationKind::kNone) return Value::None();
    return RelationValue(self->adapter_.QualifiedName(schema, identifier), self->database_, schema,
                         identifier);
  };
  adapter.Set("get_relation",
              Value::Function(
                  "adapter.get_relation", [get_relation](const CallArgs& args) -> Result<Value> {
                    return get_relation("adapter.get_relation", ArgString(args, 1, "schema"),
                                        ArgString(args, 2, "identifier"));
                  }));
  // adapter.get_columns_in_relation(relation): its columns, each with name, column, dtype
  // and data_type, found by binding `select *` (no row is read, and no catalog view is
  // scanned as information_schema would be); an empty list while parsing or when the
  // warehouse holds no such relation, as in dbt.
  adapter.Set(
      "get_columns_in_relation",
      Value::Function(
          "adapter.get_columns_in_relation", [self](const CallArgs& args) -> Result<Value> {
            ASSIGN_OR_RETURN(Context * ctx, Context::Current("adapter.get_columns_in_relation"));
            ctx->MarkSensitive();
            const Value* relation = args.Get(0, "relation");
            if (relation == nullptr || !relation->is_dict()) {
              return InvalidArgumentError(
                  "adapter.get_columns_in_relation(relation) takes a relation, e.g. this");
            }
            if (!ctx->execute() || ctx->conn() == nullptr) return Value(List{});
            const std::string schema = RelationField(*relation, "schema");
            const std::string identifier = RelationField(*relation, "identifier");
            const std::string name = self->adapter_.QualifiedName(schema, identifier);
            Result<std::vector<warehouse::ColumnInfo>> columns =
                self->adapter_.GetQueryColumns(*ctx->conn(), "SELECT * FROM " + name);
            if (!columns.ok()) {
              ASSIGN_OR_RETURN(warehouse::RelationKind kind,
                               self->adapter_.GetRelationKind(*ctx->conn(), schema, identifier));
              if (kind == warehouse::RelationKind::kNone) return Value(List{});
              return columns.status().WithContext("adapter.get_columns_in_relation(" + name + ")");
            }
            List out;
            for (const warehouse::ColumnInfo& column : *columns) {
              Dict item;
              item.Set("name", Value(column.name));
              item.Set("column", Value(column.name));
              item.Set("dtype", Value(column.type));
              item.Set("data_type", Value(column.type));
              out.push_back(Value(std::move(item)));
            }
            return Value(std::move(out));
          }));
  env.SetGlobal(
      "load_relation",
      Value::Function("load_relation", [get_relation](const CallArgs& args) -> Result<Value> {
        const Value* relation = args.Get(0, "relation");
        if (relation == nullptr || !relation->is_dict()) {
          return InvalidArgumentError("load_relation(relation) takes a relation, e.g. this");
        }
        return get_relation("load_relation", RelationField(*relation, "schema"),
                            RelationField(*relation, "identifier"));
      }));
  env.SetGlobal("adapter", Value(std::move(adapter)));

  Dict exceptions;
  exceptions.Set("raise_compiler_error",
                 Value::Function("raise_compiler_error", [](const CallArgs& args) -> Result<Value> {
                   return InvalidArgumentError(ArgString(args, 0, "msg"));
                 }));
  exceptions.Set("warn", Value::Function("warn", [](const CallArgs& args) -> Result<Value> {
                   std::fprintf(stderr, "warning: %s\n", ArgString(args, 0, "msg").c_str());
                   return Value("");
                 }));
  env.SetGlobal("exceptions", Value(std::move(exceptions)));
  env.SetGlobal("fromjson", Value::Function("fromjson", [](const CallArgs& args) -> Result<Value> {
                  json parsed = json::parse(ArgString(args, 0, "string"), nullptr, false);
                  if (parsed.is_discarded())
                    return InvalidArgumentError("fromjson: not valid JSON");
                  return JsonToValue(parsed);
                }));

  // Docs blocks also live in .md files under the resource paths (dbt's docs-paths default).
  for (const auto* dirs : {&project_.paths().model_paths, &project_.paths().seed_paths,
                           &project_.paths().snapshot_paths, &project_.paths().macro_paths}) {
    for (const std::string& dir : *dirs) {
      std::error_code ec;
      const std::filesystem::path root = project_.root() / dir;
      if (!std::filesystem::is_directory(root, ec)) continue;
      std::vector<std::filesystem::path> files;
      for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
           !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file() && it->path().extension() == ".md") files.push_back(it->path());
      }
      std::sort(files.begin(), files.end());
      for (const std::filesystem::path& file : files) {
        ASSIGN_OR_RETURN(std::string text, ReadFile(file));
        RETURN_IF_ERROR(
            env.AddMacros(std::filesystem::relative(file, project_.root()).generic_string(), text));
      }
    }
  }

  // --- The project's macros, each wrapped to record that the node called it.
  static const std::regex kMacroName(R"(\{%-?\s*(macro|test)\s+([A-Za-z_][A-Za-z0-9_]*))");
  // The wrapping below replaces each macro with a global, which hides it from the
  // environment's own check for a name defined by two files: check here.
  std::map<std::string, std::string> defined_in;
  for (const MacroFile& file : project_.macro_files()) {
    RETURN_IF_ERROR(env.AddMacros(file.path, file.contents));
    for (auto it = std::sregex_iterator(file.contents.begin(), file.contents.end(), kMacroName);
         it != std::sregex_iterator(); ++it) {
      const std::string name = ((*it)[1].str() == "test" ? "test_" : "") + (*it)[2].str();
      if (auto [first, inserted] = defined_in.emplace(name, file.path);
          !inserted && first->second != file.path) {
        return InvalidArgumentError(
            fmt::format("macro '{}' is defined in both {} and {}", name, first->second, file.path));
      }
      const Value* macro = env.FindGlobal(name);
      if (macro == nullptr || !macro->is_callable()) continue;
      if (MentionsWarehouse(file.contents)) sensitive_macros_.insert(name);
      const std::string id = fmt::format("macro.{}.{}", project_.name(), name);
      macro_ids_[name] = id;
      macros_.push_back({id, name, project_.name(), file.path, file.contents});
      jinja::NativeFunction inner = macro->as_callable().function;
      const bool sensitive = sensitive_macros_.contains(name);
      env.SetGlobal(name, Value::Function(
                              name,
                              [inner, id, sensitive](const CallArgs& args) -> Result<Value> {
                                if (Result<Context*> ctx = Context::Current(""); ctx.ok()) {
                                  if (Parsed* record = (*ctx)->record()) {
                                    record->macros.insert(id);
                                    if (sensitive) record->sensitive = true;
                                  }
                                }
                                return inner(args);
                              },
                              /*is_macro=*/true));
    }
  }
  return OkStatus();
}

Result<std::string> Compiler::Render(const Node& node, bool execute, warehouse::Connection* conn,
                                     bool is_incremental, Parsed* record) const {
  const Parsed& parsed = *parsed_.at(node.unique_id);
  Context context(*this, node, execute, conn, is_incremental, record);
  const std::string& id = node.unique_id;
  Dict locals;
  locals.Set("this", RelationValueOf(node));
  locals.Set("execute", Value(execute));
  Dict model;
  model.Set("unique_id", Value(id));
  model.Set("name", Value(node.name));
  model.Set("resource_type", Value(std::string(ResourceTypeName(node.resource_type))));
  model.Set("original_file_path", Value(node.original_file_path));
  model.Set("config", JsonToValue(node.config.values()));
  locals.Set("model", Value(std::move(model)));
  return env_->Render(*parsed.tmpl, locals);
}

Result<std::string> Compiler::RenderString(const Node& node, std::string_view text,
                                           warehouse::Connection* conn,
                                           std::set<std::string>* ephemerals) const {
  if (text.find("{{") == std::string_view::npos && text.find("{%") == std::string_view::npos) {
    return std::string(text);
  }
  Context context(*this, node, /*execute=*/true, conn, /*is_incremental=*/false, nullptr);
  Dict locals;
  locals.Set("this", RelationValueOf(node));
  locals.Set("execute", Value(true));
  ASSIGN_OR_RETURN(std::string rendered, env_->Render(text, node.original_file_path, locals));
  return Substitute(rendered, ephemerals);
}

Status Compiler::Parse() {
  std::vector<std::string> errors;
  auto fail = [&](const Node& node, const Status& status) {
    errors.push_back(fmt::format("{} {}: {}", ResourceTypeName(node.resource_type), node.name,
                                 status.message()));
  };
  // Every node gets a record; only templated nodes are rendered.
  for (const auto& [id, node] : project_.nodes()) {
    auto parsed = std::make_unique<Parsed>();
    const bool templated = node.resource_type == ResourceType::kModel ||
                           node.resource_type == ResourceType::kSnapshot ||
                           (node.resource_type == ResourceType::kTest && !node.test_metadata);
    if (templated) {
      Result<std::shared_ptr<const jinja::Template>> tmpl =
          env_->Parse(node.raw_code, node.original_file_path);
      if (!tmpl.ok()) {
        fail(node, tmpl.status());
      } else {
        parsed->tmpl = *std::move(tmpl);
        parsed->sensitive = MentionsWarehouse(node.raw_code);
      }
    }
    parsed_.emplace(id, std::move(parsed));
  }
  for (const auto& [id, node] : project_.nodes()) {
    Parsed& parsed = *parsed_.at(id);
    if (parsed.tmpl == nullptr) continue;
    Result<std::string> text = Render(node, /*execute=*/false, nullptr, false, &parsed);
    if (!text.ok()) {
      fail(node, text.status());
      continue;
    }
    parsed.text = *std::move(text);
  }
  if (!errors.empty()) return InvalidArgumentError(Join(errors, "\n"));

  for (auto& [id, parsed] : parsed_) {
    if (parsed->tmpl == nullptr) continue;
    if (Node* node = project_.FindMutable(id)) node->depends_on = parsed->depends_on;
    if (!parsed->config_layer.empty()) {
      const Node* node = project_.Find(id);
      Status status = project_.ApplyInFileConfig(id, parsed->config_layer);
      if (!status.ok() && node != nullptr) fail(*node, status);
    }
  }
  if (!errors.empty()) return InvalidArgumentError(Join(errors, "\n"));

  // Descriptions may hold {{ doc('name') }}.
  for (const auto& [id, parsed] : parsed_) {
    Node* node = project_.FindMutable(id);
    if (node == nullptr) continue;
    auto render = [&](std::string& text) {
      if (text.find("{{") == std::string::npos) return;
      Result<std::string> rendered = RenderString(*node, text, nullptr);
      if (rendered.ok()) {
        text = *std::move(rendered);
      } else {
        fail(*node, rendered.status());
      }
    };
    render(node->description);
    for (Column& column : node->columns) render(column.description);
  }
  if (!errors.empty()) return InvalidArgumentError(Join(errors, "\n"));

  RETURN_IF_ERROR(ResolveRelations());
  // Render again now that relations are known, so that the text reused by Compile saw real
  // names: `{% if this.name == 'x' %}` or `{{ this.identifier | upper }}` must not see a
  // placeholder. Nothing is recorded this time (record is null).
  for (auto& [id, parsed] : parsed_) {
    const Node* node = project_.Find(id);
    if (node == nullptr || parsed->tmpl == nullptr) continue;
    Result<std::string> text = Render(*node, /*execute=*/false, nullptr, false, nullptr);
    if (!text.ok()) {
      fail(*node, text.status());
      continue;
    }
    parsed->text = *std::move(text);
  }
  if (!errors.empty()) return InvalidArgumentError(Join(errors, "\n"));
  ASSIGN_OR_RETURN(graph_, Graph::Build(project_));
  return OkStatus();
}

Status Compiler::ResolveRelations() {
  const std::string& target_schema = options_.target.schema;
  const Value* schema_macro = env_->FindGlobal("generate_schema_name");
  const Value* alias_macro = env_->FindGlobal("generate_alias_name");
  for (const auto& [id, node] : project_.nodes()) {
    Relation relation;
    if (node.resource_type == ResourceType::kSource) {
      relations_[id] = SourceRelation(node);
      continue;
    }
    const std::string custom = node.config.GetString("schema");
    const std::string legacy_target_schema = node.config.GetString("target_schema");
    Dict node_value;
    node_value.Set("name", Value(node.name));
    node_value.Set("unique_id", Value(id));
    node_value.Set("resource_type", Value(std::string(ResourceTypeName(node.resource_type))));
    node_value.Set("config", JsonToValue(node.config.values()));
    if (!legacy_target_schema.empty()) {
      relation.schema = legacy_target_schema;
    } else if (schema_macro != nullptr && schema_macro->is_callable() &&
               node.resource_type != ResourceType::kTest) {
      CallArgs args;
      args.positional = {custom.empty() ? Value::None() : Value(custom), Value(node_value)};
      Context context(*this, node, false, nullptr, false, nullptr);
      Result<Value> schema = env_->Call("generate_schema_name", args);
      if (!schema.ok()) {
        return InvalidArgumentError(
            fmt::format("{}: generate_schema_name: {}", id, schema.status().message()));
      }
      relation.schema = std::string(Trim(schema->ToString()));
    } else {
      relation.schema =
          custom.empty() ? target_schema : fmt::format("{}_{}", target_schema, Trim(custom));
    }
    const std::string alias = node.config.GetString("alias");
    if (alias_macro != nullptr && alias_macro->is_callable() &&
        node.resource_type != ResourceType::kTest) {
      CallArgs args;
      args.positional = {alias.empty() ? Value::None() : Value(alias), Value(node_value)};
      Context context(*this, node, false, nullptr, false, nullptr);
      Result<Value> name = env_->Call("generate_alias_name", args);
      if (!name.ok()) {
        return InvalidArgumentError(
            fmt::format("{}: generate_alias_name: {}", id, name.status().message()));
      }
      relation.identifier = std::string(Trim(name->ToString()));
    } else {
      relation.identifier = alias.empty() ? node.name : alias;
    }
    relations_[id] = relation;
  }
  relations_resolved_ = true;
  return OkStatus();
}

Value Compiler::RelationValueOf(const Node& node) const {
  const std::string& id = node.unique_id;
  if (!relations_resolved_) {
    return RelationValue(Placeholder('R', id), database_, Placeholder('S', id),
                         Placeholder('I', id));
  }
  const Relation relation = RelationOf(node);
  if (IsEphemeral(node)) {
    // The placeholder stays so that Substitute collects the CTE to inject.
    return RelationValue(Placeholder('R', id), database_, relation.schema,
                         "__dbt__cte__" + node.name);
  }
  return RelationValue(adapter_.QualifiedName(relation.schema, relation.identifier), database_,
                       relation.schema, relation.identifier);
}

Relation Compiler::RelationOf(const Node& node) const {
  auto it = relations_.find(node.unique_id);
  if (it != relations_.end()) return it->second;
  // source() runs while parsing, before ResolveRelations: a source's relation is its own.
  if (node.resource_type == ResourceType::kSource) return SourceRelation(node);
  return Relation{options_.target.schema, node.name};
}

bool Compiler::IsEphemeral(const Node& node) const {
  return node.resource_type == ResourceType::kModel && node.config.materialized() == "ephemeral";
}

std::string Compiler::Substitute(std::string_view text, std::set<std::string>* ephemerals) const {
  std::string out;
  out.reserve(text.size() + 64);
  size_t pos = 0;
  while (true) {
    const size_t open = text.find(kOpen, pos);
    if (open == std::string_view::npos) break;
    const size_t close = text.find(kClose, open);
    if (close == std::string_view::npos || close == open + 1) break;
    out.append(text.substr(pos, open - pos));
    const char part = text[open + 1];
    const std::string id(text.substr(open + 2, close - open - 2));
    const Node* node = project_.Find(id);
    const Relation relation = node != nullptr ? RelationOf(*node) : Relation{};
    if (node != nullptr && IsEphemeral(*node)) {
      if (ephemerals != nullptr && part == 'R') ephemerals->insert(id);
      out += part == 'S' ? relation.schema : "__dbt__cte__" + node->name;
    } else if (part == 'R') {
      out += adapter_.QualifiedName(relation.schema, relation.identifier);
    } else if (part == 'S') {
      out += relation.schema;
    } else {
      out += relation.identifier;
    }
    pos = close + 1;
  }
  out.append(text.substr(pos));
  return out;
}

namespace {

// dbt's injection: after a leading WITH, else as a new WITH in front.
std::string InjectCtes(const std::string& sql, const std::string& ctes) {
  static const std::regex kLeadingWith(R"(^(\s*(?:--[^\n]*\n\s*|/\*[\s\S]*?\*/\s*)*)with\b)",
                                       std::regex::icase);
  std::smatch match;
  if (std::regex_search(sql, match, kLeadingWith)) {
    const size_t end = match.position(0) + match.length(0);
    return sql.substr(0, end) + " " + ctes + ",\n" + sql.substr(end);
  }
  return "with " + ctes + "\n" + sql;
}

}  // namespace

Result<std::string> Compiler::InjectEphemerals(std::string sql,
                                               const std::set<std::string>& ephemerals,
                                               warehouse::Connection* conn) const {
  if (ephemerals.empty()) return sql;
  // Depth-first so that an ephemeral's own ephemerals come before it; each once.
  std::vector<std::string> order;
  std::map<std::string, std::string> bodies;
  std::set<std::string> visiting;
  std::function<Status(const std::string&)> visit = [&](const std::string& id) -> Status {
    if (bodies.contains(id) || visiting.contains(id)) return OkStatus();
    visiting.insert(id);
    const Node* node = project_.Find(id);
    if (node == nullptr) return NotFoundError("unknown ephemeral model " + id);
    const Parsed& parsed = *parsed_.at(id);
    std::string text;
    if (parsed.sensitive) {
      ASSIGN_OR_RETURN(text, Render(*node, true, conn, false, nullptr));
    } else {
      text = parsed.text;
    }
    std::set<std::string> nested;
    std::string body = Substitute(text, &nested);
    for (const std::string& inner : nested) RETURN_IF_ERROR(visit(inner));
    bodies[id] = std::move(body);
    order.push_back(id);
    return OkStatus();
  };
  for (const std::string& id : ephemerals) RETURN_IF_ERROR(visit(id));
  std::vector<std::string> ctes;
  for (const std::string& id : order) {
    ctes.push_back(EphemeralCte(project_.Find(id)->name, bodies[id]));
  }
  return InjectCtes(sql, Join(ctes, ",\n"));
}

Result<std::string> Compiler::CompileGenericTest(const Node& test, warehouse::Connection* conn,
                                                 std::optional<KeyCheck>* key_check) const {
  const TestMetadata& meta = *test.test_metadata;
  const Node* model = project_.Find(test.attached_node);
  if (model == nullptr) return NotFoundError("the tested node " + test.attached_node + " is gone");
  const Relation relation = RelationOf(*model);
  const std::string where = test.config.GetString("where");
  const json& kwargs = meta.kwargs;
  auto kwarg = [&](const char* key) { return kwargs.value(key, json()); };
  const std::string column =
      test.column_name.empty()
          ? (kwarg("column_name").is_string() ? kwarg("column_name").get<std::string>()
                                              : std::string())
          : test.column_name;
  // A project macro of the same name overrides the built-in, as in dbt.
  const std::string macro_name = "test_" + meta.name;
  const bool overridden = env_->FindGlobal(macro_name) != nullptr;
  if (!meta.namespace_name.empty() && !overridden) {
    return NotFoundError(fmt::format(
        "generic test '{}.{}': package '{}' is not installed; define {{% test {} %}} in macros/",
        meta.namespace_name, meta.name, meta.namespace_name, meta.name));
  }
  // What the test reads: the model filtered by `where` as dbt does, or what the project's
  // own get_where_subquery(relation) returns (dbt's hook for custom filters).
  TestedFrom from{TestedRelation(adapter_, relation, where)};
  if (env_->FindGlobal("get_where_subquery") != nullptr) {
    Context context(*this, test, /*execute=*/true, conn, false, nullptr);
    CallArgs args;
    args.positional.push_back(
        RelationValue(adapter_.QualifiedName(relation.schema, relation.identifier), database_,
                      relation.schema, relation.identifier));
    ASSIGN_OR_RETURN(Value result, env_->Call("get_where_subquery", args, ExecutingLocals()));
    from.sql = std::string(Trim(result.ToString()));
  }
  if (!overridden) {
    if (meta.name == "unique") {
      *key_check = KeyCheck{KeyCheck::Kind::kUnique, from.sql, column, "", ""};
      return UniqueTestSql(from, column);
    }
    if (meta.name == "not_null") return NotNullTestSql(from, column);
    if (meta.name == "accepted_values") {
      std::vector<std::string> values;
      for (const json& value : kwarg("values")) {
        values.push_back(value.is_string() ? value.get<std::string>() : value.dump());
      }
      const json quote = kwarg("quote");
      return AcceptedValuesTestSql(adapter_, from, column, values,
                                   !quote.is_boolean() || quote.get<bool>());
    }
    if (meta.name == "relationships") {
      // The second parent recorded by the loader is `to`.
      const Node* to = nullptr;
      for (const std::string& id : test.depends_on) {
        if (id != test.attached_node) to = project_.Find(id);
      }
      if (to == nullptr) to = model;  // a self-reference
      const Relation parent = RelationOf(*to);
      const std::string field = kwarg("field").get<std::string>();
      *key_check = KeyCheck{KeyCheck::Kind::kRelationships, from.sql, column,
                            adapter_.QualifiedName(parent.schema, parent.identifier), field};
      return RelationshipsTestSql(adapter_, from, column, parent, field);
    }
    return NotFoundError(fmt::format(
        "unknown generic test '{}' on {}: define it with {{% test {}(model, column_name) %}} in "
        "macros/",
        meta.name, model->name, meta.name));
  }
  // A custom generic test: the macro, with model and the test's arguments.
  std::set<std::string> ephemerals;
  Context context(*this, test, /*execute=*/true, conn, false, nullptr);
  CallArgs args;
  const std::string model_text = Substitute(from.sql, nullptr);
  Dict model_value;
  model_value.Set("__str__", Value(model_text));
  model_value.Set("schema", Value(relation.schema));
  model_value.Set("identifier", Value(relation.identifier));
  model_value.Set("name", Value(relation.identifier));
  model_value.Set("database", Value(database_));
  args.keyword.emplace_back("model", Value(std::move(model_value)));
  for (const auto& [key, value] : kwargs.items()) {
    if (key == "model") continue;
    Value arg = JsonToValue(value);
    // `to: ref('x')` and the like are expressions, as dbt renders them.
    if (value.is_string()) {
      static const std::regex kCall(R"(^\s*(ref|source|var|env_var)\s*\([\s\S]*\)\s*$)");
      const std::string text = value.get<std::string>();
      if (std::regex_match(text, kCall) || text.find("{{") != std::string::npos) {
        const std::string source =
            text.find("{{") != std::string::npos ? text : "{{ " + text + " }}";
        ASSIGN_OR_RETURN(std::string rendered, RenderString(test, source, conn, &ephemerals));
        arg = Value(rendered);
      }
    }
    args.keyword.emplace_back(key, std::move(arg));
  }
  ASSIGN_OR_RETURN(Value result, env_->Call(macro_name, args, ExecutingLocals()));
  // An argument such as `to: ref('an_ephemeral')` needs its CTE, as in a model.
  std::string sql = Substitute(result.ToString(), &ephemerals);
  return InjectEphemerals(std::move(sql), ephemerals, conn);
}

Result<CompiledNode> Compiler::Compile(const std::string& unique_id,
                                       warehouse::Connection* conn) const {
  const Node* node = project_.Find(unique_id);
  if (node == nullptr) return NotFoundError("no node " + unique_id);
  CompiledNode out;
  out.unique_id = unique_id;
  out.relation = RelationOf(*node);
  auto context = [&](const Status& status) {
    return Status(status.code(), fmt::format("{} {}: {}", ResourceTypeName(node->resource_type),
                                             node->name, status.message()));
  };
  if (node->resource_type == ResourceType::kTest && node->test_metadata) {
    std::optional<KeyCheck> key_check;
    Result<std::string> sql = CompileGenericTest(*node, conn, &key_check);
    if (!sql.ok()) return context(sql.status());
    // The tested model (or a relationships target) may be ephemeral: its quoted name in
    // the test's SQL becomes its CTE, as dbt compiles such tests.
    std::set<std::string> ephemerals;
    for (const std::string& id : node->depends_on) {
      const Node* parent = project_.Find(id);
      if (parent == nullptr || !IsEphemeral(*parent)) continue;
      const Relation relation = RelationOf(*parent);
      const std::string quoted = adapter_.QualifiedName(relation.schema, relation.identifier);
      const std::string cte = "__dbt__cte__" + parent->name;
      for (size_t pos = sql->find(quoted); pos != std::string::npos;
           pos = sql->find(quoted, pos + cte.size())) {
        sql->replace(pos, quoted.size(), cte);
        ephemerals.insert(id);
      }
    }
    Result<std::string> injected = InjectEphemerals(*std::move(sql), ephemerals, conn);
    if (!injected.ok()) return context(injected.status());
    out.sql = *std::move(injected);
    // An ephemeral is a CTE of the test's SQL, which a proof outside it could not read.
    if (ephemerals.empty()) out.key_check = std::move(key_check);
  } else if (const Parsed& parsed = *parsed_.at(unique_id); parsed.tmpl != nullptr) {
    std::string text;
    if (parsed.sensitive) {
      bool incremental = false;
      // config full_refresh, when set, wins over --full-refresh (false protects the table).
      const json& pinned = node->config.Get("full_refresh");
      const bool full_refresh = pinned.is_boolean() ? pinned.get<bool>() : options_.full_refresh;
      if (node->config.materialized() == "incremental" && conn != nullptr && !full_refresh) {
        Result<warehouse::RelationKind> kind =
            adapter_.GetRelationKind(*conn, out.relation.schema, out.relation.identifier);
        if (!kind.ok()) return context(kind.status());
        incremental = *kind == warehouse::RelationKind::kTable;
      }
      out.is_incremental = incremental;
      Result<std::string> rendered = Render(*node, /*execute=*/true, conn, incremental, nullptr);
      if (!rendered.ok()) return context(rendered.status());
      text = *std::move(rendered);
    } else {
      text = parsed.text;
    }
    std::set<std::string> ephemerals;
    std::string sql = Substitute(text, &ephemerals);
    // An ephemeral model's `this` is its own CTE name, not a CTE to inject into itself.
    ephemerals.erase(unique_id);
    Result<std::string> injected = InjectEphemerals(std::move(sql), ephemerals, conn);
    if (!injected.ok()) return context(injected.status());
    out.sql = *std::move(injected);
    for (const std::string& hook : node->config.pre_hooks()) {
      Result<std::string> rendered = RenderString(*node, hook, conn);
      if (!rendered.ok()) return context(rendered.status());
      out.pre_hooks.push_back(*std::move(rendered));
    }
    for (const std::string& hook : node->config.post_hooks()) {
      Result<std::string> rendered = RenderString(*node, hook, conn);
      if (!rendered.ok()) return context(rendered.status());
      out.post_hooks.push_back(*std::move(rendered));
    }
  }
  {
    std::lock_guard<std::mutex> lock(compiled_mu_);
    compiled_sql_[unique_id] = out.sql;
  }
  return out;
}

bool Compiler::NeedsConnection(const std::string& unique_id) const {
  const Node* node = project_.Find(unique_id);
  if (node == nullptr) return false;
  if (node->test_metadata) {
    return env_->FindGlobal("test_" + node->test_metadata->name) != nullptr ||
           env_->FindGlobal("get_where_subquery") != nullptr;
  }
  auto it = parsed_.find(unique_id);
  if (it == parsed_.end()) return false;
  if (it->second->sensitive) return true;
  for (const std::string& parent : node->depends_on) {
    const Node* dependency = project_.Find(parent);
    if (dependency != nullptr && IsEphemeral(*dependency) && NeedsConnection(parent)) return true;
  }
  return false;
}

std::map<std::string, CompiledNodeInfo> Compiler::Infos() const {
  std::map<std::string, CompiledNodeInfo> infos;
  std::lock_guard<std::mutex> lock(compiled_mu_);
  for (const auto& [id, node] : project_.nodes()) {
    CompiledNodeInfo& info = infos[id];
    const Relation relation = RelationOf(node);
    info.database = node.database.empty() ? database_ : node.database;
    info.schema = relation.schema;
    info.alias = relation.identifier;
    const bool has_relation =
        !IsEphemeral(node) && (node.resource_type != ResourceType::kTest ||
                               node.config.Get("store_failures") == json(true));
    if (has_relation) {
      Relation where = relation;
      if (node.resource_type == ResourceType::kTest) where.schema += "_dbt_test__audit";
      info.relation_name = adapter_.QuoteIdentifier(info.database) + "." +
                           adapter_.QualifiedName(where.schema, where.identifier);
    }
    if (auto it = compiled_sql_.find(id); it != compiled_sql_.end())
      info.compiled_code = it->second;
    if (auto it = parsed_.find(id); it != parsed_.end()) {
      info.refs = it->second->refs;
      info.sources = it->second->sources;
      info.macros.assign(it->second->macros.begin(), it->second->macros.end());
    }
    // A custom generic test is its {% test %} macro (never rendered at parse).
    if (node.test_metadata) {
      if (auto it = macro_ids_.find("test_" + node.test_metadata->name); it != macro_ids_.end())
        info.macros = {it->second};
    }
  }
  return infos;
}

Result<ModelConfig> ModelConfigOf(const Node& node, bool full_refresh) {
  ModelConfig config;
  auto fail = [&](const Status& status) {
    return InvalidArgumentError(
        fmt::format("model {} ({}): {}", node.name, node.original_file_path, status.message()));
  };
  const std::string materialized = node.config.materialized();
  if (!materialized.empty()) {
    Result<Materialization> parsed = ParseMaterialization(materialized);
    if (!parsed.ok()) return fail(parsed.status());
    config.materialized = *parsed;
  }
  const std::string strategy = node.config.GetString("incremental_strategy");
  if (!strategy.empty()) {
    Result<IncrementalStrategy> parsed = ParseIncrementalStrategy(strategy);
    if (!parsed.ok()) return fail(parsed.status());
    config.incremental_strategy = *parsed;
  }
  config.unique_key = node.config.GetStringList("unique_key");
  const std::string on_change = node.config.GetString("on_schema_change");
  if (!on_change.empty()) {
    Result<OnSchemaChange> parsed = ParseOnSchemaChange(on_change);
    if (!parsed.ok()) return fail(parsed.status());
    config.on_schema_change = *parsed;
  }
  config.merge_update_columns = node.config.GetStringList("merge_update_columns");
  config.merge_exclude_columns = node.config.GetStringList("merge_exclude_columns");
  Result<ColumnCompression> compression = ColumnCompressionOf(node.config.Get("meta"));
  if (!compression.ok()) return fail(compression.status());
  config.column_compression = *std::move(compression);
  const json& node_full_refresh = node.config.Get("full_refresh");
  // config full_refresh: false protects a model from --full-refresh, as in dbt.
  config.full_refresh =
      node_full_refresh.is_boolean() ? node_full_refresh.get<bool>() : full_refresh;
  return config;
}

void Compiler::ForgetReads() const {
  std::lock_guard<std::mutex> lock(reads_mu_);
  reads_.clear();
  ++reads_generation_;
}

std::optional<Value> Compiler::ReadBefore(const std::string& sql, uint64_t* generation) const {
  std::lock_guard<std::mutex> lock(reads_mu_);
  *generation = reads_generation_;
  auto it = reads_.find(sql);
  if (it == reads_.end()) return std::nullopt;
  return DeepCopy(it->second);
}

void Compiler::RememberRead(const std::string& sql, const Value& result,
                            uint64_t generation) const {
  std::lock_guard<std::mutex> lock(reads_mu_);
  if (generation == reads_generation_) reads_.emplace(sql, DeepCopy(result));
}

}  // namespace shoplytics::transform
