#include "warehouse/adapter.h"

#include "warehouse/transaction.h"

namespace shoplytics::warehouse {

namespace {

std::string Quote(std::string_view text, char quote) {
  std::string out;
  out.reserve(text.size() + 2);
  out += quote;
  for (char c : text) {
    if (c == quote) out += quote;
    out += c;
  }
  out += quote;
  return out;
}

}  // namespace

std::string DuckDbAdapter::QuoteIdentifier(std::string_view name) const { return Quote(name, '"'); }

std::string DuckDbAdapter::QuoteLiteral(std::string_view value) const { return Quote(value, '\''); }

std::string DuckDbAdapter::QualifiedName(std::string_view schema, std::string_view table) const {
  if (schema.empty()) return QuoteIdentifier(table);
  return QuoteIdentifier(schema) + "." + QuoteIdentifier(table);
}

Status DuckDbAdapter::CreateSchemaIfNotExists(Connection& conn, std::string_view schema) const {
  return conn.Execute("CREATE SCHEMA IF NOT EXISTS " + QuoteIdentifier(schema));
}

Status DuckDbAdapter::PublishTable(Connection& conn, std::string_view schema,
                                   std::string_view table, std::string_view select_sql) const {
  std::string temp_name = std::string(table) + std::string(kTempSuffix);
  std::string temp = QualifiedName(schema, temp_name);
  std::string target = QualifiedName(schema, table);
  std::string context = "publishing " + target;
  // Any failure returns early, and the Transaction's destructor rolls everything back.
  ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(conn));
  RETURN_IF_ERROR(conn.Execute("CREATE OR REPLACE TABLE " + temp + " AS " + std::string(select_sql))
                      .WithContext(context));
  RETURN_IF_ERROR(conn.Execute("DROP TABLE IF EXISTS " + target).WithContext(context));
  RETURN_IF_ERROR(conn.Execute("ALTER TABLE " + temp + " RENAME TO " + QuoteIdentifier(table))
                      .WithContext(context));
  return txn.Commit().WithContext(context);
}

}  // namespace shoplytics::warehouse
