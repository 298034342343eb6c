// Test helper: a DuckDB query's rows as "a|b" strings (NULL as "NULL"), so tests compare
// whole results with one EXPECT_EQ.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "warehouse/connection.h"

namespace shoplytics::testing {

inline std::vector<std::string> DuckRows(warehouse::Connection& conn, const std::string& sql) {
  Result<warehouse::QueryResult> r = conn.Query(sql);
  EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
  std::vector<std::string> rows;
  if (!r.ok()) return rows;
  for (uint64_t row = 0; row < r->row_count(); ++row) {
    std::string line;
    for (uint64_t col = 0; col < r->column_count(); ++col) {
      if (col > 0) line += "|";
      line += r->IsNull(col, row).value_or(true) ? "NULL" : r->GetString(col, row).value_or("?");
    }
    rows.push_back(line);
  }
  return rows;
}

}  // namespace shoplytics::testing
