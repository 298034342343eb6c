// The synthetic shop generator: writes a deterministic shop (same seed and parameters,
// same data) into a PostgreSQL database (schemas `shop` and `stripe`) and files (marketing
// CSVs, clickstream JSONL, products.json), and continues an existing shop by N days.
//
// Errors: an unreachable database is kUnavailable; a database whose `shop` schema was not
// made by the generator is kFailedPrecondition (pass force); file problems name the path.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "seed/shop_model.h"

namespace shoplytics::seed {

struct GenerateOptions {
  ShopParams params;
  std::string dsn;      // libpq DSN of the source database
  std::string out_dir;  // folder for the file sources
  bool force = false;   // replace a `shop` schema the generator did not make
};

struct TableReport {
  std::string table;
  int64_t rows = 0;
  int64_t bytes = 0;  // COPY bytes sent
};

struct GenerateReport {
  std::vector<TableReport> tables;
  int64_t events = 0;
  int64_t event_files = 0;
  int64_t marketing_rows = 0;
  int64_t start_time = 0;  // first day of the shop (Unix seconds)
  int64_t end_time = 0;    // the shop's "now"
  int64_t orders_updated = 0;     // --advance: existing orders whose status changed
  int64_t customers_updated = 0;  // --advance: edits and deletions
  int64_t prices_changed = 0;     // --advance
  double load_seconds = 0;
  double index_seconds = 0;
  double total_seconds = 0;

  int64_t total_rows() const;
};

// Called after each generated day: days done, days in all, rows so far.
using ProgressFn = std::function<void(int64_t days_done, int64_t days_total, int64_t rows)>;

Result<GenerateReport> GenerateShop(const GenerateOptions& options, const ProgressFn& progress);

// Continues the shop in `dsn` by `days` days: new customers and orders, status changes on
// existing orders, refunds and disputes, customer edits and deletions, price changes; in
// one transaction. Then appends the new days to the files in out_dir.
Result<GenerateReport> AdvanceShop(const std::string& dsn, const std::string& out_dir, int days,
                                   const ProgressFn& progress);

}  // namespace shoplytics::seed
