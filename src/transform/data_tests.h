// Data tests and source freshness, as `dbt test` and `dbt source freshness` run them.
//
// A data test is a query that returns the failing rows. Generic tests (unique, not_null,
// accepted_values, relationships) are generated here with dbt's SQL; singular and custom
// generic tests arrive as SQL rendered elsewhere. Running one counts its rows and judges
// the count with severity, warn_if and error_if as dbt does (a unique or relationships
// test the adapter proves passing counts 0 without running; see KeyCheck); with
// store_failures the failing rows are kept in a table "<schema>_dbt_test__audit"."<test
// name>", replaced on each run.
//
// Column names and `where` are SQL expressions from the project, spliced as dbt splices
// them (a column is not quoted); relation names are quoted by the adapter. Values of
// accepted_values are quoted as literals unless quote = false.
//
// Must not be called inside an open transaction on `conn`.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "transform/materialize.h"
#include "warehouse/adapter.h"
#include "warehouse/connection.h"
#include "warehouse/prepared_statement.h"

namespace shoplytics::transform {

// dbt's run statuses for tests and freshness: "pass", "warn", "error".
enum class TestStatus { kPass, kWarn, kError };
std::string_view TestStatusName(TestStatus status);

enum class Severity { kError, kWarn };
// "error" or "warn", in any case (dbt accepts "ERROR").
Result<Severity> ParseSeverity(std::string_view text);

// A condition on the failure count, dbt's warn_if / error_if: an operator (=, ==, !=, <>,
// >, >=, <, <=) and an integer, e.g. "!=0", "> 10".
class Threshold {
 public:
  // Anything else is kInvalidArgument quoting the text.
  static Result<Threshold> Parse(std::string_view text);
  bool Matches(int64_t failures) const;

 private:
  enum class Op { kEq, kNe, kGt, kGe, kLt, kLe };
  Threshold(Op op, int64_t value) : op_(op), value_(value) {}
  Op op_;
  int64_t value_;
};

struct TestConfig {
  Severity severity = Severity::kError;
  std::string warn_if = "!=0";
  std::string error_if = "!=0";
  bool store_failures = false;
  std::optional<int64_t> limit;  // counts at most this many failing rows
};

// What a built-in unique or relationships test checks, for the adapter to prove it passes
// faster than the test's SQL finds failing rows (SqlAdapter::ProveDistinct and
// ProveContained). Set only where the test is dbt's own (no project macro overrides it).
struct KeyCheck {
  enum class Kind { kUnique, kRelationships };
  Kind kind = Kind::kUnique;
  std::string from_sql;  // what the test reads (TestedFrom)
  std::string column;
  std::string parent;  // relationships: the `to` relation, quoted
  std::string field;   // relationships: its column
  friend bool operator==(const KeyCheck&, const KeyCheck&) = default;
};

struct DataTest {
  // dbt's test name, e.g. "unique_orders_order_id"; the audit table's name.
  std::string name;
  std::string sql;  // the failing rows
  TestConfig config;
  // The schema of the tested models' target (profiles.yml `schema`); store_failures writes
  // to "<target_schema>_dbt_test__audit".
  std::string target_schema;
  // When set and the adapter proves it, the test passes without running `sql` (unless
  // store_failures asks for the failing rows' table).
  std::optional<KeyCheck> key_check;
};

struct DataTestResult {
  TestStatus status = TestStatus::kPass;
  int64_t failures = 0;
  std::optional<Relation> stored_failures;  // set with store_failures
};

// Runs the test. Errors: a bad warn_if / error_if (kInvalidArgument), and SQL the engine
// rejects (its error), all with "test <name>" as context. Failing rows are not an error:
// they are the result's status.
Result<DataTestResult> RunDataTest(const warehouse::SqlAdapter& adapter,
                                   warehouse::Connection& conn, const DataTest& test);

// The relation a generic test reads: the model itself, or with a `where` config
// "(select * from <model> where <where>) dbt_subquery", as dbt rewrites it.
std::string TestedRelation(const warehouse::SqlAdapter& adapter, const Relation& model,
                           std::string_view where);

// What a generic test reads, as SQL for its FROM: a relation's quoted name or a
// parenthesised subquery with an alias (TestedRelation, or a project's get_where_subquery).
struct TestedFrom {
  std::string sql;
};

// dbt's generic tests, over `from`.
std::string UniqueTestSql(const TestedFrom& from, std::string_view column);
std::string NotNullTestSql(const TestedFrom& from, std::string_view column);
// NULL values are not failures (dbt's NOT IN semantics).
std::string AcceptedValuesTestSql(const warehouse::SqlAdapter& adapter, const TestedFrom& from,
                                  std::string_view column, const std::vector<std::string>& values,
                                  bool quote = true);
// Rows of `from` whose non-NULL `column` has no equal `field` in `to` (which is not
// filtered).
std::string RelationshipsTestSql(const warehouse::SqlAdapter& adapter, const TestedFrom& from,
                                 std::string_view column, const Relation& to,
                                 std::string_view field);

// --- Source freshness.

enum class FreshnessPeriod { kMinute, kHour, kDay };
// "minute", "hour", "day".
Result<FreshnessPeriod> ParseFreshnessPeriod(std::string_view text);

struct FreshnessThreshold {
  int64_t count = 0;
  FreshnessPeriod period = FreshnessPeriod::kHour;
  std::chrono::seconds duration() const;
};

struct FreshnessConfig {
  std::optional<FreshnessThreshold> warn_after;
  std::optional<FreshnessThreshold> error_after;
  std::string filter;  // a WHERE condition, optional
};

struct FreshnessResult {
  // error when the age exceeds error_after, else warn when it exceeds warn_after, else
  // pass. A table without rows (no max) counts as infinitely old.
  TestStatus status = TestStatus::kPass;
  std::optional<warehouse::Timestamp> max_loaded_at;
  std::chrono::microseconds age{0};  // now - max_loaded_at; 0 without rows
  warehouse::Timestamp snapshotted_at;
};

// Reads max(<loaded_at_field>) of `table` (a DATE, TIMESTAMP or TIMESTAMPTZ expression;
// TIMESTAMP is taken as UTC) and judges its age at `now`. Errors: the engine's, with
// "freshness of <schema>.<table>" as context.
Result<FreshnessResult> CheckFreshness(const warehouse::SqlAdapter& adapter,
                                       warehouse::Connection& conn, const Relation& table,
                                       std::string_view loaded_at_field,
                                       const FreshnessConfig& config, warehouse::Timestamp now);

}  // namespace shoplytics::transform
