#include "transform/data_tests.h"

#include <cctype>
#include <charconv>

#include "common/strings.h"

namespace shoplytics::transform {

namespace {

using warehouse::Connection;
using warehouse::QueryResult;
using warehouse::SqlAdapter;

constexpr char kAuditSuffix[] = "_dbt_test__audit";

Result<int64_t> CountRows(Connection& conn, const std::string& relation) {
  ASSIGN_OR_RETURN(QueryResult count, conn.Query("SELECT count(*) FROM " + relation));
  return count.GetInt64(0, 0);
}

TestStatus Judge(const TestConfig& config, const Threshold& warn_if, const Threshold& error_if,
                 int64_t failures) {
  if (config.severity == Severity::kError && error_if.Matches(failures)) return TestStatus::kError;
  if (warn_if.Matches(failures)) return TestStatus::kWarn;
  return TestStatus::kPass;
}

Result<DataTestResult> Run(const SqlAdapter& adapter, Connection& conn, const DataTest& test) {
  ASSIGN_OR_RETURN(Threshold warn_if, Threshold::Parse(test.config.warn_if));
  ASSIGN_OR_RETURN(Threshold error_if, Threshold::Parse(test.config.error_if));
  std::string failing = test.sql;
  if (test.config.limit) failing += "\nLIMIT " + std::to_string(*test.config.limit);
  DataTestResult result;
  if (test.key_check && !test.config.store_failures) {
    const KeyCheck& check = *test.key_check;
    // A proof that cannot run (an expression it cannot read, say) leaves the verdict, and
    // the error, to the test's own SQL.
    Result<bool> proven =
        check.kind == KeyCheck::Kind::kUnique
            ? adapter.ProveDistinct(conn, check.from_sql, check.column)
            : adapter.ProveContained(conn, check.from_sql, check.column, check.parent, check.field);
    if (proven.ok() && *proven) {
      result.status = Judge(test.config, warn_if, error_if, 0);
      return result;
    }
  }
  if (test.config.store_failures) {
    Relation audit{test.target_schema + kAuditSuffix, test.name};
    ASSIGN_OR_RETURN(result.failures, ReplaceWithTable(adapter, conn, audit, failing));
    result.stored_failures = audit;
  } else {
    ASSIGN_OR_RETURN(result.failures, CountRows(conn, "(" + failing + "\n) dbt_internal_test"));
  }
  result.status = Judge(test.config, warn_if, error_if, result.failures);
  return result;
}

}  // namespace

std::string_view TestStatusName(TestStatus status) {
  switch (status) {
    case TestStatus::kPass:
      return "pass";
    case TestStatus::kWarn:
      return "warn";
    case TestStatus::kError:
      return "error";
  }
  return "unknown";
}

Result<Severity> ParseSeverity(std::string_view text) {
  std::string lower = ToLower(text);
  if (lower == "error") return Severity::kError;
  if (lower == "warn") return Severity::kWarn;
  return InvalidArgumentError("unknown severity '" + std::string(text) +
                              "' (expected error or warn)");
}

Result<Threshold> Threshold::Parse(std::string_view text) {
  static constexpr std::pair<std::string_view, Op> kOps[] = {
      {">=", Op::kGe}, {"<=", Op::kLe}, {"!=", Op::kNe}, {"<>", Op::kNe},
      {"==", Op::kEq}, {"=", Op::kEq},  {">", Op::kGt},  {"<", Op::kLt}};
  std::string_view rest = Trim(text);
  for (const auto& [spelling, op] : kOps) {
    if (!rest.starts_with(spelling)) continue;
    std::string_view number = Trim(rest.substr(spelling.size()));
    int64_t value = 0;
    auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (error == std::errc() && end == number.data() + number.size() && !number.empty()) {
      return Threshold(op, value);
    }
    break;
  }
  return InvalidArgumentError("bad threshold '" + std::string(text) +
                              "' (expected an operator and an integer, e.g. '!=0' or '>10')");
}

bool Threshold::Matches(int64_t failures) const {
  switch (op_) {
    case Op::kEq:
      return failures == value_;
    case Op::kNe:
      return failures != value_;
    case Op::kGt:
      return failures > value_;
    case Op::kGe:
      return failures >= value_;
    case Op::kLt:
      return failures < value_;
    case Op::kLe:
      return failures <= value_;
  }
  return false;
}

Result<DataTestResult> RunDataTest(const SqlAdapter& adapter, Connection& conn,
                                   const DataTest& test) {
  Result<DataTestResult> result = Run(adapter, conn, test);
  if (!result.ok()) return result.status().WithContext("test " + test.name);
  return result;
}

std::string TestedRelation(const SqlAdapter& adapter, const Relation& model,
                           std::string_view where) {
  std::string relation = adapter.QualifiedName(model.schema, model.identifier);
  if (where.empty()) return relation;
  return "(select * from " + relation + " where " + std::string(where) + ") dbt_subquery";
}

std::string UniqueTestSql(const TestedFrom& from, std::string_view column) {
  std::string c(column);
  return "select " + c + " as unique_field, count(*) as n_records\nfrom " + from.sql + "\nwhere " +
         c + " is not null\ngroup by " + c + "\nhaving count(*) > 1";
}

std::string NotNullTestSql(const TestedFrom& from, std::string_view column) {
  return "select *\nfrom " + from.sql + "\nwhere " + std::string(column) + " is null";
}

std::string AcceptedValuesTestSql(const SqlAdapter& adapter, const TestedFrom& from,
                                  std::string_view column, const std::vector<std::string>& values,
                                  bool quote) {
  std::string c(column);
  std::vector<std::string> listed;
  for (const std::string& value : values) {
    listed.push_back(quote ? adapter.QuoteLiteral(value) : value);
  }
  return "with all_values as (\n  select " + c + " as value_field, count(*) as n_records\n  from " +
         from.sql + "\n  group by " + c +
         "\n)\nselect *\nfrom all_values\nwhere value_field not in (" + Join(listed, ", ") + ")";
}

std::string RelationshipsTestSql(const SqlAdapter& adapter, const TestedFrom& from,
                                 std::string_view column, const Relation& to,
                                 std::string_view field) {
  std::string c(column);
  return "with child as (\n  select " + c + " as from_field\n  from " + from.sql + "\n  where " +
         c + " is not null\n),\nparent as (\n  select " + std::string(field) +
         " as to_field\n  from " + adapter.QualifiedName(to.schema, to.identifier) +
         "\n)\nselect from_field\nfrom child\nleft join parent on child.from_field = "
         "parent.to_field\nwhere parent.to_field is null";
}

Result<FreshnessPeriod> ParseFreshnessPeriod(std::string_view text) {
  if (text == "minute") return FreshnessPeriod::kMinute;
  if (text == "hour") return FreshnessPeriod::kHour;
  if (text == "day") return FreshnessPeriod::kDay;
  return InvalidArgumentError("unknown freshness period '" + std::string(text) +
                              "' (expected minute, hour or day)");
}

std::chrono::seconds FreshnessThreshold::duration() const {
  switch (period) {
    case FreshnessPeriod::kMinute:
      return std::chrono::minutes(count);
    case FreshnessPeriod::kHour:
      return std::chrono::hours(count);
    case FreshnessPeriod::kDay:
      return std::chrono::hours(24 * count);
  }
  return std::chrono::seconds(0);
}

Result<FreshnessResult> CheckFreshness(const SqlAdapter& adapter, Connection& conn,
                                       const Relation& table, std::string_view loaded_at_field,
                                       const FreshnessConfig& config, warehouse::Timestamp now) {
  std::string sql = "SELECT " +
                    adapter.EpochMicrosSql("max(" + std::string(loaded_at_field) + ")") + " FROM " +
                    adapter.QualifiedName(table.schema, table.identifier);
  if (!config.filter.empty()) sql += " WHERE " + config.filter;
  std::string context = "freshness of " + table.schema + "." + table.identifier;
  Result<QueryResult> max = conn.Query(sql);
  if (!max.ok()) return max.status().WithContext(context);
  FreshnessResult result;
  result.snapshotted_at = now;
  ASSIGN_OR_RETURN(bool empty, max->IsNull(0, 0));
  auto exceeded = [&](const std::optional<FreshnessThreshold>& threshold) {
    return threshold && (empty || result.age > threshold->duration());
  };
  if (!empty) {
    ASSIGN_OR_RETURN(int64_t micros, max->GetInt64(0, 0));
    result.max_loaded_at = warehouse::Timestamp(std::chrono::microseconds(micros));
    result.age = now - *result.max_loaded_at;
  }
  if (exceeded(config.error_after)) {
    result.status = TestStatus::kError;
  } else if (exceeded(config.warn_after)) {
    result.status = TestStatus::kWarn;
  }
  return result;
}

}  // namespace shoplytics::transform
